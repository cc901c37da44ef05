// Verifying our own tokens: the attacks of RFC 8725 (docs/security.md, "Our own tokens") are refused,
// and key rotation keeps tokens signed before it valid.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload, type KeyObject } from 'jose';
import { mintAccessToken, mintIdToken } from '../../src/tokens/mint.js';
import { RETIRED_KEY_PUBLISH_MS } from '../../src/tokens/keys.js';
import { InvalidToken, verifyPoolToken, type VerifyOptions } from '../../src/tokens/verify.js';
import { claimsOf, decodeJws } from '../support/jwt.js';
import { ISSUER, OTHER_POOL, POOL, PUBLIC_URL, openFixture, putClient, type Fixture } from './fixture.js';

describe('verifyPoolToken', () => {
  let f: Fixture;
  let access: string;
  let id: string;
  const accessOpts: VerifyOptions = { issuer: ISSUER, poolId: POOL, use: 'access', clientId: 'web' };
  const idOpts: VerifyOptions = { issuer: ISSUER, poolId: POOL, use: 'id', clientId: 'web' };

  before(async () => {
    f = await openFixture();
    access = await mintAccessToken(f.ring, f.subject(), Date.now());
    id = await mintIdToken(f.ring, f.subject(), Date.now(), access);
  });
  after(() => f.cleanup());

  /** Refused with this reason, and the message shows nothing of the token. */
  async function refused(token: string, opts: VerifyOptions, reason: string | RegExp): Promise<void> {
    await assert.rejects(verifyPoolToken(f.ring, token, opts), (err: unknown) => {
      assert.ok(err instanceof InvalidToken, String(err));
      if (typeof reason === 'string') assert.equal(err.message, reason);
      else assert.match(err.message, reason);
      for (const part of token.split('.')) if (part.length > 8) assert.ok(!err.message.includes(part));
      assert.ok(!err.message.includes('alice') && !err.message.includes(f.user.sub));
      return true;
    });
  }

  /** Claims as ours would be, signed by `key` with any header. */
  function forge(header: Record<string, unknown>, claims: JWTPayload, key: CryptoKey | KeyObject | Uint8Array, options?: { crit: Record<string, boolean> }) {
    const base = decodeJws(access).payload;
    return new SignJWT({ ...base, ...claims }).setProtectedHeader({ alg: 'RS256', ...header }).sign(key, options);
  }

  it('accepts valid ID and access tokens', async () => {
    const a = await verifyPoolToken(f.ring, access, accessOpts);
    assert.equal(a.sub, f.user.sub);
    assert.equal(a.client_id, 'web');
    const i = await verifyPoolToken(f.ring, id, idOpts);
    assert.equal(i.aud, 'web');
    assert.equal(i['cognito:username'], 'alice');
    assert.ok(await verifyPoolToken(f.ring, access, { issuer: ISSUER, poolId: POOL, use: 'access' }), 'clientId is optional');
  });

  it('refuses alg none', async () => {
    const { kid } = await f.ring.signingKey(POOL, 'access');
    const unsigned = new UnsecuredJWT(decodeJws(access).payload).encode();
    const [, payload] = unsigned.split('.');
    const withKid = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${payload}.`;
    await refused(unsigned, accessOpts, 'algorithm not allowed');
    await refused(withKid, accessOpts, 'algorithm not allowed');
  });

  it('refuses HS256 signed with the public key PEM (algorithm confusion)', async () => {
    const { kid } = await f.ring.signingKey(POOL, 'access');
    const pem = await exportSPKI((await f.ring.verificationKey(POOL, kid)) as CryptoKey);
    const token = await forge({ alg: 'HS256', kid }, {}, new TextEncoder().encode(pem));
    await refused(token, accessOpts, 'algorithm not allowed');
  });

  it('refuses other asymmetric algorithms (ES256, PS256)', async () => {
    const { kid } = await f.ring.signingKey(POOL, 'access');
    const es = await generateKeyPair('ES256');
    await refused(await forge({ alg: 'ES256', kid }, {}, es.privateKey), accessOpts, 'algorithm not allowed');
    const ps = await generateKeyPair('PS256');
    await refused(await forge({ alg: 'PS256', kid }, {}, ps.privateKey), accessOpts, 'algorithm not allowed');
  });

  it('refuses an unknown kid, a missing kid and a path-like kid', async () => {
    const attacker = await generateKeyPair('RS256');
    await refused(await forge({ kid: 'bm90LW91cnM=' }, {}, attacker.privateKey), accessOpts, 'unknown key');
    await refused(await forge({ kid: '../../dev/null' }, {}, attacker.privateKey), accessOpts, 'unknown key');
    await refused(await forge({}, {}, attacker.privateKey), accessOpts, 'no key id');
  });

  it('never takes a key from the token (jwk, jku, x5u headers)', async () => {
    const attacker = await generateKeyPair('RS256');
    const jwk = await exportJWK(attacker.publicKey);
    const { kid } = await f.ring.signingKey(POOL, 'access');
    await refused(await forge({ kid: 'attacker', jwk }, {}, attacker.privateKey), accessOpts, 'unexpected key header');
    await refused(await forge({ kid, jwk }, {}, attacker.privateKey), accessOpts, 'unexpected key header');
    await refused(await forge({ kid, jku: 'https://evil.example/jwks.json' }, {}, attacker.privateKey), accessOpts, 'unexpected key header');
    await refused(await forge({ kid, x5u: 'https://evil.example/cert.pem' }, {}, attacker.privateKey), accessOpts, 'unexpected key header');
    // Even without the warning header, a signature by another key fails against ours.
    await refused(await forge({ kid }, {}, attacker.privateKey), accessOpts, 'bad signature');
  });

  it("refuses a token signed by another pool's key", async () => {
    const other = await putClient(f.store, OTHER_POOL, { ClientId: 'web' });
    // Issued by the other pool, but claiming to come from this one.
    const token = await mintAccessToken(f.ring, f.subject({ pool: f.otherPool, client: other }), Date.now());
    await refused(token, accessOpts, 'unknown key');
    assert.ok(await verifyPoolToken(f.ring, token, { ...accessOpts, poolId: OTHER_POOL }), 'valid in its own pool');
  });

  it('refuses an expired token, and one not yet valid', async () => {
    const old = await mintAccessToken(f.ring, f.subject(), Date.now() - 3601_000);
    await refused(old, accessOpts, 'token expired');
    assert.ok(await verifyPoolToken(f.ring, old, { ...accessOpts, now: Date.now() - 3000_000 }), 'valid at its time');
    const { key, kid } = await f.ring.signingKey(POOL, 'access');
    await refused(await forge({ kid }, { nbf: Math.floor(Date.now() / 1000) + 600 }, key), accessOpts, 'invalid nbf claim');
  });

  it('refuses a wrong issuer', async () => {
    await refused(access, { ...accessOpts, issuer: `${PUBLIC_URL}/${OTHER_POOL}` }, 'invalid iss claim');
    await refused(access, { ...accessOpts, issuer: `${ISSUER}/` }, 'invalid iss claim');
  });

  it('never accepts an ID token for an access token, or the reverse', async () => {
    await refused(id, accessOpts, 'unknown key'); // signed by the ID key
    await refused(access, idOpts, 'unknown key');
    // Even signed by the right key, the claimed use must match.
    const { key, kid } = await f.ring.signingKey(POOL, 'access');
    await refused(await forge({ kid }, { token_use: 'id' }, key), accessOpts, 'wrong token use');
    const idKey = await f.ring.signingKey(POOL, 'id');
    await refused(await forge({ kid: idKey.kid }, { token_use: 'access', aud: 'web' }, idKey.key), idOpts, 'wrong token use');
  });

  it('refuses a wrong audience or client', async () => {
    await refused(id, { ...idOpts, clientId: 'mobile' }, 'wrong audience');
    await refused(access, { ...accessOpts, clientId: 'mobile' }, 'wrong client');
    const idKey = await f.ring.signingKey(POOL, 'id');
    const multi = await forge({ kid: idKey.kid }, { token_use: 'id', aud: ['web', 'mobile'] }, idKey.key);
    await refused(multi, idOpts, 'wrong audience');
  });

  it('refuses a tampered payload or signature', async () => {
    const [h, p, s] = access.split('.') as [string, string, string];
    const claims = claimsOf(access);
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: `${claims.scope} admin` })).toString('base64url')}.${s}`;
    await refused(tampered, accessOpts, 'bad signature');
    const flipped = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    await refused(flipped, accessOpts, 'bad signature');
    await refused(`${h}.${p}`, accessOpts, 'malformed token');
    await refused('not a token', accessOpts, 'malformed token');
    await refused('x'.repeat(20_000), accessOpts, 'malformed token');
  });

  it('refuses an unknown crit header', async () => {
    const { key, kid } = await f.ring.signingKey(POOL, 'access');
    const token = await forge({ kid, crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }, {}, key, {
      crit: { 'urn:example:must-understand': true },
    });
    await refused(token, accessOpts, 'malformed token');
  });

  it('keeps tokens signed before a rotation valid while the old key is published', async () => {
    const now = Date.now();
    const before = { access: await mintAccessToken(f.ring, f.subject(), now), id: await mintIdToken(f.ring, f.subject(), now) };
    const oldKids = { access: decodeJws(before.access).header.kid, id: decodeJws(before.id).header.kid };
    await f.ring.rotate(POOL, now);

    assert.ok(await verifyPoolToken(f.ring, before.access, { ...accessOpts, now }));
    assert.ok(await verifyPoolToken(f.ring, before.id, { ...idOpts, now }));
    const after = { access: await mintAccessToken(f.ring, f.subject(), now), id: await mintIdToken(f.ring, f.subject(), now) };
    assert.notEqual(decodeJws(after.access).header.kid, oldKids.access);
    assert.notEqual(decodeJws(after.id).header.kid, oldKids.id);
    assert.ok(await verifyPoolToken(f.ring, after.access, { ...accessOpts, now }));

    const published = async (t: number) => (await f.ring.jwks(POOL, t)).keys.map((k) => k.kid);
    for (const kid of [oldKids.access, oldKids.id, decodeJws(after.access).header.kid, decodeJws(after.id).header.kid])
      assert.ok((await published(now + RETIRED_KEY_PUBLISH_MS - 1)).includes(kid as string));
    const later = await published(now + RETIRED_KEY_PUBLISH_MS);
    assert.ok(!later.includes(oldKids.access as string) && !later.includes(oldKids.id as string));
    assert.equal(later.length, 2);

    // Past publishUntil the old key no longer verifies anything.
    await refused(before.access, { ...accessOpts, now: now + RETIRED_KEY_PUBLISH_MS }, 'unknown key');
  });

  it('lets a store failure through as itself, not as an invalid token', async () => {
    const broken = f.peer();
    const { KeyRing } = await import('../../src/tokens/keys.js');
    const ring = new KeyRing(broken, f.sealer);
    await broken.close();
    await assert.rejects(verifyPoolToken(ring, access, accessOpts), (err: unknown) => !(err instanceof InvalidToken));
  });
});
