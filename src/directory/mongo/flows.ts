// Short-lived browser state in MongoDB: federation flows, hosted-UI sessions, one-time codes and the
// replay memory. Expiry is checked on every read; purgeExpired only reclaims space. Single use is
// decided by deletes by _id and claims (see atomic.ts), never by conditional updates.
import type { FlowStore } from '../store.js';
import type { FlowKind, HostedSession, PendingFlow } from '../types.js';
import { claim, claimedAt } from './atomic.js';
import { backoff, guarded, isDuplicateKey } from './errors.js';
import type { FlowDoc, Models, OneTimeCodeDoc, SeenDoc, SessionDoc } from './models.js';

const toFlow = <K extends FlowKind>(kind: K, d: FlowDoc): PendingFlow<K> => ({
  kind, stateHash: d.stateHash, poolId: d.poolId, data: JSON.parse(d.data), createdAt: d.createdAt, expiresAt: d.expiresAt,
});
const toSession = (d: SessionDoc): HostedSession => ({
  idHash: d.idHash, poolId: d.poolId, userId: d.userId, authTime: d.authTime, data: JSON.parse(d.data),
  createdAt: d.createdAt, expiresAt: d.expiresAt,
});

export function mongoFlows(m: Models): FlowStore {
  return guarded<FlowStore>({
    async saveFlow(flow) {
      await m.Flow.create({ ...flow, data: JSON.stringify(flow.data) });
    },

    async consumeFlow(kind, stateHash, now) {
      // Read, then delete by _id: of concurrent consumers only one delete counts. An expired flow is dropped too.
      const d = await m.Flow.findOne({ stateHash, kind }).lean<FlowDoc>();
      if (!d || (await m.Flow.deleteOne({ _id: d._id })).deletedCount !== 1) return null;
      return d.expiresAt > now ? toFlow(kind, d) : null;
    },

    async createSession(session) {
      await m.Session.create({ ...session, data: JSON.stringify(session.data) });
    },

    async findSession(idHash, now) {
      const d = await m.Session.findOne({ idHash, expiresAt: { $gt: now } }).lean<SessionDoc>();
      return d ? toSession(d) : null;
    },

    async deleteSession(idHash) {
      await m.Session.deleteOne({ idHash });
    },

    async deleteUserSessions(poolId, userId) {
      return (await m.Session.deleteMany({ poolId, userId })).deletedCount;
    },

    async putOneTimeCode(code) {
      const { poolId, userId, purpose } = code;
      // A new document each time (never replaced in place): attempts restart with it, and a consumer
      // still holding the old code's _id cannot take the new one.
      for (let attempt = 0; ; attempt++) {
        await m.OneTimeCode.deleteMany({ poolId, userId, purpose });
        try {
          await m.OneTimeCode.create({ poolId, userId, purpose, codeHash: code.codeHash, pending: code.pending ?? null, createdAt: code.createdAt, expiresAt: code.expiresAt });
          return;
        } catch (err) {
          if (!isDuplicateKey(err) || attempt >= 5) throw err;
          await backoff(attempt); // a concurrent put inserted first: replace its code
        }
      }
    },

    async consumeOneTimeCode(poolId, userId, purpose, codeHash, now, maxAttempts = 5) {
      for (let round = 0; round < 10; round++) {
        const d = await m.OneTimeCode.findOne({ poolId, userId, purpose }).lean<OneTimeCodeDoc>();
        if (!d) return 'none';
        if (d.expiresAt <= now) return 'expired';
        // Every try takes the next claim `otc:<code id>:<n>` BEFORE the code is compared, so parallel
        // guesses cannot outrun the limit: at most maxAttempts tries are ever compared.
        const attemptId = (n: number) => `otc:${d._id.toString()}:${n}`;
        let slot = 0;
        for (let n = 1; n <= maxAttempts && slot === 0; n++) if (await claim(m, attemptId(n), now, d.expiresAt)) slot = n;
        if (slot === 0) return (await m.OneTimeCode.exists({ _id: d._id })) ? 'too_many_attempts' : 'none';
        if (d.codeHash === codeHash) {
          if ((await m.OneTimeCode.deleteOne({ _id: d._id })).deletedCount === 1) return 'ok';
          continue; // consumed or replaced concurrently: look again
        }
        return slot >= maxAttempts ? 'too_many_attempts' : 'mismatch';
      }
      return 'none';
    },

    async pendingOfOneTimeCode(poolId, userId, purpose, now) {
      const d = await m.OneTimeCode.findOne({ poolId, userId, purpose, expiresAt: { $gt: now } }).lean<OneTimeCodeDoc>();
      return d?.pending ?? null;
    },

    async rememberOnce(namespace, key, expiresAt, now) {
      for (let attempt = 0; attempt < 10; attempt++) {
        try {
          await m.Seen.create({ namespace, key, expiresAt });
          return true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        // Seen before: a live record means "replay"; an expired one is removed (by its _id) and the
        // insert above decides again who takes the key.
        const seen = await m.Seen.findOne({ namespace, key }).lean<SeenDoc>();
        if (seen && seen.expiresAt > now) return false;
        if (seen) await m.Seen.deleteOne({ _id: seen._id });
      }
      return false;
    },
  });
}
