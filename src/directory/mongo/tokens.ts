// Authorization codes and refresh-token families in MongoDB. "Exactly one wins" (consuming a code,
// rotating a token) is decided by inserting a claim under a unique _id (see atomic.ts).
import type { TokenStore } from '../store.js';
import type { AuthCode, RefreshFamily, RefreshToken } from '../types.js';
import { claim, claimedAt } from './atomic.js';
import { guarded, isDuplicateKey } from './errors.js';
import type { AuthCodeDoc, FamilyDoc, Models, RefreshTokenDoc } from './models.js';

const REUSE_REASON = 'refresh token reuse';

const toCode = (d: AuthCodeDoc): AuthCode => ({
  hash: d.hash, poolId: d.poolId, clientId: d.clientId, userId: d.userId, redirectUri: d.redirectUri, scopes: [...d.scopes],
  codeChallenge: d.codeChallenge ?? null, codeChallengeMethod: d.codeChallengeMethod ?? null, nonce: d.nonce ?? null,
  authTime: d.authTime, sessionId: d.sessionId ?? null, extra: JSON.parse(d.extra), createdAt: d.createdAt,
  expiresAt: d.expiresAt, consumedAt: d.consumedAt ?? null,
});
const toFamily = (d: FamilyDoc): RefreshFamily => ({
  id: d._id, poolId: d.poolId, clientId: d.clientId, userId: d.userId, originJti: d.originJti, authTime: d.authTime,
  scopes: [...d.scopes], codeHash: d.codeHash ?? null, createdAt: d.createdAt, expiresAt: d.expiresAt,
  revokedAt: d.revokedAt ?? null, revokedReason: d.revokedReason ?? null,
});
const toToken = (d: RefreshTokenDoc): RefreshToken => ({
  hash: d.hash, familyId: d.familyId, createdAt: d.createdAt, expiresAt: d.expiresAt, rotatedAt: d.rotatedAt ?? null,
});

export function mongoTokens(m: Models): TokenStore {
  /** The token and its family when both are alive at `now` (unexpired, family unrevoked). */
  async function live(hash: string, now: number): Promise<{ token: RefreshTokenDoc; family: FamilyDoc } | null> {
    const token = await m.RefreshToken.findOne({ hash, expiresAt: { $gt: now } }).lean<RefreshTokenDoc>();
    if (!token) return null;
    const family = await m.Family.findOne({ _id: token.familyId, revokedAt: null, expiresAt: { $gt: now } }).lean<FamilyDoc>();
    return family ? { token, family } : null;
  }

  const revoke = (filter: Record<string, unknown>, reason: string, now: number) =>
    m.Family.updateMany({ ...filter, revokedAt: null }, { $set: { revokedAt: now, revokedReason: reason } });

  return guarded<TokenStore>({
    async saveAuthCode(code) {
      await m.AuthCode.create({ ...code, extra: JSON.stringify(code.extra), consumedAt: null });
    },

    async consumeAuthCode(hash, now) {
      const code = await m.AuthCode.findOne({ hash }).lean<AuthCodeDoc>();
      if (!code) return { status: 'invalid' };
      // Single use: of concurrent callers only one inserts the claim (see atomic.ts).
      if (code.consumedAt == null && code.expiresAt > now && (await claim(m, `code:${hash}`, now, code.expiresAt))) {
        await m.AuthCode.updateOne({ hash }, { $set: { consumedAt: now } });
        return { status: 'ok', code: toCode({ ...code, consumedAt: now }) };
      }
      // Used before (even if expired since), possibly by a concurrent caller that has not marked it yet.
      const consumedAt = code.consumedAt ?? (await claimedAt(m, `code:${hash}`));
      return consumedAt != null ? { status: 'replayed', code: toCode({ ...code, consumedAt }) } : { status: 'invalid' };
    },

    async createRefreshFamily(family, token) {
      await m.Family.create({ ...family, _id: family.id, revokedAt: null, revokedReason: null });
      try {
        await m.RefreshToken.create({ ...token, familyId: family.id, rotatedAt: null });
      } catch (err) {
        await m.Family.deleteOne({ _id: family.id }).catch(() => undefined); // no family without its first token
        throw err;
      }
    },

    async findRefreshToken(hash, now) {
      const found = await live(hash, now);
      if (!found || found.token.rotatedAt != null) return null;
      return { token: toToken(found.token), family: toFamily(found.family) };
    },

    async rotateRefreshToken(oldHash, next, now, graceMs = 0) {
      const found = await live(oldHash, now);
      if (!found) return { status: 'invalid' };
      const { token, family } = found;
      let rotatedAt = token.rotatedAt ?? null;
      if (rotatedAt === null) {
        // Of concurrent callers exactly one claims the rotation; the others see when it happened.
        if (await claim(m, `rotate:${oldHash}`, now, token.expiresAt)) await m.RefreshToken.updateOne({ hash: oldHash }, { $set: { rotatedAt: now } });
        else rotatedAt = (await claimedAt(m, `rotate:${oldHash}`)) ?? now;
      }
      // A rotated token presented again is reuse, unless a grace period is set and has not run out.
      const inGrace = rotatedAt !== null && graceMs > 0 && now - rotatedAt <= graceMs;
      if (rotatedAt !== null && !inGrace) {
        await revoke({ _id: family._id }, REUSE_REASON, now);
        const revoked = await m.Family.findById(family._id).lean<FamilyDoc>();
        return { status: 'reused', family: toFamily(revoked ?? { ...family, revokedAt: now, revokedReason: REUSE_REASON }) };
      }
      try {
        await m.RefreshToken.create({
          hash: next.hash, familyId: family._id, createdAt: next.createdAt, expiresAt: Math.min(next.expiresAt, family.expiresAt), rotatedAt: null,
        });
      } catch (err) {
        // A retry within the grace period may bring the same successor again: one live branch, not two.
        if (!isDuplicateKey(err)) throw err;
      }
      return { status: 'rotated', family: toFamily(family) };
    },

    async getRefreshFamily(id) {
      const d = await m.Family.findById(id).lean<FamilyDoc>();
      return d ? toFamily(d) : null;
    },

    async revokeRefreshFamily(id, reason, now) {
      await revoke({ _id: id }, reason, now);
    },

    async revokeFamiliesFromCode(codeHash, reason, now) {
      return (await revoke({ codeHash }, reason, now)).modifiedCount;
    },

    async revokeUserRefreshFamilies(poolId, userId, reason, now, exceptOriginJti) {
      return (await revoke({ poolId, userId, ...(exceptOriginJti ? { originJti: { $ne: exceptOriginJti } } : {}) }, reason, now)).modifiedCount;
    },
  });
}
