// Attempt counters and take-windows for any key, in MongoDB. FerretDB applies neither conditional
// updates nor $inc atomically (see atomic.ts), so each call reads, decides (rules.ts) and writes its
// record under the record's lease, as users' sign-in counters are. The lease keys (`limit:…`) never
// meet the users' (`user:…`).
import { countLimitAttempt, limitRecordKey, takeFromWindow, type LimitRecord } from '../rules.js';
import { COGNITO_LOCKOUT, type LimitStore } from '../store.js';
import { withLock } from './atomic.js';
import { guarded } from './errors.js';
import type { LimitDoc, Models } from './models.js';

const lockKey = (id: string) => `limit:${id}`;

export function mongoLimits(m: Models): LimitStore {
  /** Reads the record, lets `decide` compute the result and the record to write (null: none), writes it. */
  const update = <R extends { next: LimitRecord | null }>(id: string, decide: (cur: LimitRecord | null) => R): Promise<R> =>
    withLock(m, lockKey(id), async () => {
      const d = await m.Limit.findById(id).lean<LimitDoc>();
      const decided = decide(d ? { count: d.count, at: d.at ?? null, until: d.until ?? null, expiresAt: d.expiresAt } : null);
      const { next } = decided;
      if (next) await m.Limit.replaceOne({ _id: id }, { _id: id, ...next }, { upsert: true });
      return decided;
    });

  return guarded<LimitStore>({
    async beginAttempt(key, now, policy = COGNITO_LOCKOUT) {
      return (await update(limitRecordKey('attempts', key), (cur) => countLimitAttempt(cur, now, policy))).attempt;
    },

    async resetAttempts(key) {
      const id = limitRecordKey('attempts', key);
      await withLock(m, lockKey(id), () => m.Limit.deleteOne({ _id: id }));
    },

    async resetWindow(key) {
      const id = limitRecordKey('window', key);
      await withLock(m, lockKey(id), () => m.Limit.deleteOne({ _id: id }));
    },

    async take(key, limit, windowMs, now) {
      return (await update(limitRecordKey('window', key), (cur) => takeFromWindow(cur, limit, windowMs, now))).result;
    },
  });
}

/**
 * Removes the records that no longer matter at `now`; returns how many. Each under its lease: FerretDB's
 * deleteMany does not re-check its filter, so a record rewritten meanwhile would be lost with it.
 */
export async function purgeLimits(m: Models, now: number): Promise<number> {
  const expired = await m.Limit.find({ expiresAt: { $lte: now } }, { _id: 1 }).lean<{ _id: string }[]>();
  let n = 0;
  for (const { _id } of expired)
    n += await withLock(m, lockKey(_id), async () => (await m.Limit.deleteOne({ _id, expiresAt: { $lte: now } })).deletedCount);
  return n;
}
