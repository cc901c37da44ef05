// Refresh tokens: opaque and stored as hashes, bound to their client, rotated with reuse detection
// and a grace period, never outliving their family, revoked as a family (RFC 7009).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/shared/hashing.js';
import { RefreshError, RefreshTokens, isFamilyActive, type IssueOptions } from '../../src/tokens/refresh.js';
import { OTHER_POOL, POOL, openFixture, type Fixture } from './fixture.js';

const T0 = 1_700_000_000_000;
const HOUR = 3600_000;

describe('RefreshTokens', () => {
  let f: Fixture;
  let refresh: RefreshTokens;
  before(async () => {
    f = await openFixture();
    refresh = new RefreshTokens(f.store);
  });
  after(() => f.cleanup());

  const issue = (o: Partial<IssueOptions> = {}) => {
    const originJti = o.originJti ?? randomUUID();
    return refresh.issue({
      poolId: POOL, clientId: 'web', userId: f.user.id, originJti, authTime: 1_700_000_000, scopes: ['openid', 'email'],
      codeHash: null, lifetimeSec: 30 * 86400, now: T0, ...o,
    }).then((token) => ({ token, originJti }));
  };
  const keep = { clientId: 'web', rotate: false, graceMs: 0 };
  const rotate = { clientId: 'web', rotate: true, graceMs: 0 };

  async function fails(p: Promise<unknown>, reason: RefreshError['reason']): Promise<void> {
    await assert.rejects(p, (err: unknown) => err instanceof RefreshError && err.reason === reason);
  }

  it('issues an opaque token stored only as its hash, in a family named by origin_jti', async () => {
    const { token, originJti } = await issue({ codeHash: 'code-hash' });
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const found = (await f.store.tokens.findRefreshToken(sha256(token), T0))!;
    assert.equal(found.token.hash, sha256(token));
    assert.equal(found.family.id, originJti);
    assert.equal(found.family.originJti, originJti);
    assert.equal(found.family.codeHash, 'code-hash');
    assert.equal(found.family.expiresAt, T0 + 30 * 86400_000);
    assert.equal(await f.store.tokens.findRefreshToken(token, T0), null, 'the token itself is not a key');
  });

  it('without rotation, keeps the same token valid and issues no successor', async () => {
    const { token, originJti } = await issue();
    for (const now of [T0 + 1, T0 + HOUR]) {
      const used = await refresh.use(token, { ...keep, now });
      assert.equal(used.token, undefined);
      assert.equal(used.family.id, originJti);
      assert.deepEqual(used.family.scopes, ['openid', 'email']);
      assert.equal(used.family.authTime, 1_700_000_000);
    }
  });

  it('refuses unknown, expired and revoked tokens as invalid', async () => {
    await fails(refresh.use('nope', { ...keep, now: T0 }), 'invalid');
    await fails(refresh.use('', { ...rotate, now: T0 }), 'invalid');
    const { token } = await issue({ lifetimeSec: 3600 });
    await fails(refresh.use(token, { ...keep, now: T0 + HOUR }), 'invalid');
    await fails(refresh.use(token, { ...rotate, now: T0 + HOUR }), 'invalid');
    const revoked = await issue();
    await refresh.revoke(revoked.token, 'web', T0 + 1);
    await fails(refresh.use(revoked.token, { ...keep, now: T0 + 2 }), 'invalid');
  });

  it("refuses another client's token without revoking anything", async () => {
    const { token, originJti } = await issue();
    await fails(refresh.use(token, { ...keep, clientId: 'mobile', now: T0 + 1 }), 'wrong_client');
    await fails(refresh.use(token, { ...rotate, clientId: 'mobile', now: T0 + 1 }), 'wrong_client');
    await fails(refresh.use(token, { ...rotate, poolId: OTHER_POOL, now: T0 + 1 }), 'wrong_client');
    assert.equal((await f.store.tokens.getRefreshFamily(originJti))!.revokedAt, null);
    const used = await refresh.use(token, { ...rotate, poolId: POOL, now: T0 + 2 });
    assert.ok(used.token, 'still usable, and not rotated by the refused attempts');
  });

  it('rotates: the successor works, the used token comes back as reuse and revokes the family', async () => {
    const { token, originJti } = await issue();
    const first = await refresh.use(token, { ...rotate, now: T0 + 1 });
    assert.ok(first.token && first.token !== token);
    assert.equal(first.family.id, originJti);
    const second = await refresh.use(first.token, { ...rotate, now: T0 + 2 });
    assert.ok(second.token);

    await fails(refresh.use(token, { ...rotate, now: T0 + 3 }), 'reused');
    const family = (await f.store.tokens.getRefreshFamily(originJti))!;
    assert.ok(family.revokedAt !== null);
    await fails(refresh.use(second.token, { ...rotate, now: T0 + 4 }), 'invalid');
    assert.equal(await isFamilyActive(f.store, originJti, T0 + 4), false);
  });

  it('lets a rotated token be retried within the grace period, with the same answer, and not after', async () => {
    const { token, originJti } = await issue();
    const grace = { ...rotate, graceMs: 10_000 };
    const first = await refresh.use(token, { ...grace, now: T0 });
    const retries = await Promise.all(Array.from({ length: 5 }, () => refresh.use(token, { ...grace, now: T0 + 10_000 })));
    // Every retry gets the same successor (docs/security.md, "Authorization requests and the token
    // endpoint": never two live branches).
    for (const retry of retries) {
      assert.equal(retry.token, first.token);
      assert.equal(retry.family.id, originJti);
    }
    assert.ok(first.token && first.token !== token);
    await fails(refresh.use(token, { ...grace, now: T0 + 10_001 }), 'reused');
  });

  it('ends N parallel rotations of one token with one successor, never two live branches', async () => {
    const { token, originJti } = await issue();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => refresh.use(token, { ...rotate, now: T0 + 1 })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    // The first repeat is reuse and revokes the family; later ones find it revoked.
    const reasons = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as RefreshError).reason] : []));
    assert.equal(reasons[0], 'reused');
    assert.ok(reasons.every((r) => r === 'reused' || r === 'invalid'));
    assert.equal(await isFamilyActive(f.store, originJti, T0 + 1), false);
  });

  it("never lets a successor outlive its family's absolute lifetime", async () => {
    const { token, originJti } = await issue({ lifetimeSec: 3 * 3600 });
    let current = token;
    for (let i = 1; i <= 2; i++) current = (await refresh.use(current, { ...rotate, now: T0 + i * HOUR })).token!;
    const found = (await f.store.tokens.findRefreshToken(sha256(current), T0 + 2 * HOUR))!;
    assert.equal(found.family.id, originJti);
    assert.ok(found.token.expiresAt <= T0 + 3 * HOUR);
    await fails(refresh.use(current, { ...rotate, now: T0 + 3 * HOUR }), 'invalid');
  });

  it('revokes the whole family, quietly for unknown or revoked tokens, loudly for another client', async () => {
    const { token, originJti } = await issue();
    const successor = (await refresh.use(token, { ...rotate, now: T0 + 1 })).token!;
    await assert.rejects(refresh.revoke(successor, 'mobile', T0 + 2), (err: unknown) => err instanceof RefreshError && err.reason === 'wrong_client');
    await assert.rejects(refresh.revoke(successor, 'web', T0 + 2, OTHER_POOL), RefreshError);
    assert.equal(await isFamilyActive(f.store, originJti, T0 + 2), true, 'refused attempts revoke nothing');

    await refresh.revoke(successor, 'web', T0 + 3, POOL);
    assert.equal(await isFamilyActive(f.store, originJti, T0 + 3), false);
    await refresh.revoke(successor, 'web', T0 + 4); // already revoked
    await refresh.revoke(successor, 'mobile', T0 + 4); // revoked: nothing to tell another client either
    await refresh.revoke('never-issued', 'web', T0 + 4);
    await refresh.revoke('', 'web', T0 + 4);
  });

  it('tells whether a family is active: unknown ids (client credentials) are', async () => {
    const { originJti } = await issue({ lifetimeSec: 3600 });
    assert.equal(await isFamilyActive(f.store, originJti, T0 + 1), true);
    assert.equal(await isFamilyActive(f.store, originJti, T0 + HOUR), false, 'expired');
    assert.equal(await isFamilyActive(f.store, randomUUID(), T0), true);
    assert.equal(await isFamilyActive(f.store, '', T0), true);

    const signedOut = await issue();
    await f.store.tokens.revokeUserRefreshFamilies(POOL, f.user.id, 'global sign-out', T0 + 1);
    assert.equal(await isFamilyActive(f.store, signedOut.originJti, T0 + 2), false);
  });
});
