// KeyRing: keys created on first need (once, even under concurrency), sealed at rest, published in
// the JWKS without the SAML keys, looked up only within their pool, and rotated with a grace period.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Sealer } from '../../src/directory/secrets.js';
import { KeyRing, RETIRED_KEY_PUBLISH_MS } from '../../src/tokens/keys.js';
import { OTHER_POOL, POOL, openFixture, type Fixture } from './fixture.js';

describe('KeyRing', () => {
  let f: Fixture;
  before(async () => {
    f = await openFixture();
  });
  after(() => f.cleanup());

  it('creates one RS256 key per purpose on first need, with a Cognito-like kid, sealed at rest', async () => {
    const id = await f.ring.signingKey(POOL, 'id');
    const access = await f.ring.signingKey(POOL, 'access');
    assert.notEqual(id.kid, access.kid);
    for (const { kid } of [id, access]) {
      assert.match(kid, /^[A-Za-z0-9+/]{43}=$/);
      const stored = (await f.store.keys.getKey(kid))!;
      assert.equal(stored.alg, 'RS256');
      assert.ok(stored.privateKey.startsWith('sealed:v1:'), 'the private key is sealed');
      assert.match(f.sealer.unseal(stored.privateKey), /^-----BEGIN PRIVATE KEY-----/);
      assert.deepEqual(Object.keys(stored.publicJwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
      assert.equal(Buffer.from(stored.publicJwk.n as string, 'base64url').length, 256, 'RSA 2048');
    }
    assert.equal((await f.ring.signingKey(POOL, 'id')).kid, id.kid, 'the same key next time');
  });

  it('ends concurrent first needs (two processes) with one key', async () => {
    const pool = 'test_Race1';
    const { poolSchema } = await import('../../src/directory/schema.js');
    await f.store.pools.putPool({ id: pool, settings: poolSchema.parse({ Id: pool, PoolName: 'race' }) });
    const rings = [f.ring, new KeyRing(f.peer(), f.sealer), new KeyRing(f.peer(), f.sealer)];
    const keys = await Promise.all(rings.flatMap((r) => [r.signingKey(pool, 'access'), r.signingKey(pool, 'access')]));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal((await f.store.keys.listPublishedKeys(pool, Date.now())).length, 1);
  });

  it('makes no keys for a pool that does not exist', async () => {
    await assert.rejects(f.ring.signingKey('test_Missing1', 'id'));
    await assert.rejects(f.ring.jwks('test_Missing1', Date.now()));
    assert.equal((await f.store.keys.listPublishedKeys('test_Missing1', Date.now())).length, 0);
  });

  it('publishes the ID and access keys, never the SAML ones, and creates them for a new pool', async () => {
    const jwks = await f.ring.jwks(OTHER_POOL, Date.now());
    assert.equal(jwks.keys.length, 2);
    const saml = await f.store.keys.addKeyIfNone({
      kid: 'saml-signing-1', poolId: OTHER_POOL, purpose: 'saml-signing', alg: 'RS256', publicJwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' },
      privateKey: 'x', certificate: '-----BEGIN CERTIFICATE-----', createdAt: Date.now(),
    });
    const again = await f.ring.jwks(OTHER_POOL, Date.now());
    assert.deepEqual(again, jwks);
    for (const k of again.keys) {
      assert.deepEqual(Object.keys(k).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
      assert.equal(k.kty, 'RSA');
      assert.equal(k.alg, 'RS256');
      assert.equal(k.use, 'sig');
    }
    assert.equal(await f.ring.verificationKey(OTHER_POOL, saml.kid), null, 'a SAML key never verifies tokens');
  });

  it('finds a verification key only in its own pool', async () => {
    const { kid } = await f.ring.signingKey(POOL, 'id');
    assert.ok(await f.ring.verificationKey(POOL, kid));
    assert.equal(await f.ring.verificationKey(OTHER_POOL, kid), null);
    assert.equal(await f.ring.verificationKey(POOL, 'no-such-kid='), null);
    assert.equal(await f.ring.verificationKey(POOL, '../../dev/null'), null);
  });

  it('works with keys stored in clear when no BROKER_KEY_SECRET is set', async () => {
    const pool = 'test_Clear1';
    const { poolSchema } = await import('../../src/directory/schema.js');
    await f.store.pools.putPool({ id: pool, settings: poolSchema.parse({ Id: pool, PoolName: 'clear' }) });
    const ring = new KeyRing(f.store, new Sealer(undefined));
    const { kid } = await ring.signingKey(pool, 'id');
    assert.match((await f.store.keys.getKey(kid))!.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('rotates both keys, keeping the retired ones published for a day and 5 minutes', async () => {
    const now = Date.now();
    const before = { id: await f.ring.signingKey(POOL, 'id'), access: await f.ring.signingKey(POOL, 'access') };
    // Another process has the old keys cached; it must still find them retired later.
    const peer = new KeyRing(f.peer(), f.sealer);
    assert.ok(await peer.verificationKey(POOL, before.id.kid, now));

    await f.ring.rotate(POOL, now);
    const afterRotate = { id: await f.ring.signingKey(POOL, 'id'), access: await f.ring.signingKey(POOL, 'access') };
    assert.notEqual(afterRotate.id.kid, before.id.kid);
    assert.notEqual(afterRotate.access.kid, before.access.kid);

    const kids = (t: number) => f.ring.jwks(POOL, t).then((j) => j.keys.map((k) => k.kid).sort());
    const all = [before.id.kid, before.access.kid, afterRotate.id.kid, afterRotate.access.kid].sort();
    assert.deepEqual(await kids(now), all);
    assert.deepEqual(await kids(now + RETIRED_KEY_PUBLISH_MS - 1), all);
    assert.deepEqual(await kids(now + RETIRED_KEY_PUBLISH_MS), [afterRotate.id.kid, afterRotate.access.kid].sort());

    assert.ok(await f.ring.verificationKey(POOL, before.id.kid, now + RETIRED_KEY_PUBLISH_MS - 1));
    assert.equal(await f.ring.verificationKey(POOL, before.id.kid, now + RETIRED_KEY_PUBLISH_MS), null);
    assert.equal(await peer.verificationKey(POOL, before.id.kid, now + RETIRED_KEY_PUBLISH_MS), null, 'the peer looks again');
    assert.equal(RETIRED_KEY_PUBLISH_MS, (24 * 60 + 5) * 60_000);
  });
});
