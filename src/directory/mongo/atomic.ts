// Deciding races with what MongoDB and FerretDB 1.24 both do atomically. FerretDB applies an update
// (and findOneAndUpdate/findOneAndDelete) as "query, then write the documents found" without re-checking
// the filter (FerretDB issue #3017): a conditional update is no compare-and-set there, $inc can lose
// increments, and every concurrent findOneAndDelete "wins". What holds on both servers: an insert under a
// unique index succeeds once, and a delete by _id reports whether it removed the document. So:
// - claims: "exactly one wins" is the insert of a claim document with a unique _id;
// - consuming a document: read it, delete it by _id, and the one whose delete counted wins
//   (documents whose _id could be reused are never consumed this way);
// - read-modify-write of a user document: under a short lease (a unique insert in `locks`).
import { backoff, isDuplicateKey } from './errors.js';
import type { Types } from 'mongoose';
import type { Models } from './models.js';

/** Inserts the claim `id`; true for the one caller that did. Claims are purged after `expiresAt`. */
export async function claim(m: Models, id: string, at: number, expiresAt: number): Promise<boolean> {
  try {
    await m.Claim.create({ _id: id, at, expiresAt });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/** When the claim was won, or null if nobody holds it. */
export async function claimedAt(m: Models, id: string): Promise<number | null> {
  return (await m.Claim.findById(id).lean())?.at ?? null;
}

/** How long a lease lasts if its holder dies before releasing it; operations under it take milliseconds. */
const LEASE_MS = 10_000;
const WAIT_MS = 2 * LEASE_MS;

/** Runs `work` while holding the lease on `key` (wall-clock time: callers' `now` may be simulated). */
export async function withLock<T>(m: Models, key: string, work: () => Promise<T>): Promise<T> {
  const lease = await acquire(m, key);
  try {
    return await work();
  } finally {
    await m.Lock.deleteOne({ _id: lease }).catch(() => undefined); // else it expires
  }
}

async function acquire(m: Models, key: string): Promise<Types.ObjectId> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return (await m.Lock.create({ key, expiresAt: Date.now() + LEASE_MS }))._id;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    // Held: break a lease its holder abandoned (by that lease's own _id, so a fresh lease is never removed).
    const held = await m.Lock.findOne({ key }).lean();
    if (held && held.expiresAt <= Date.now()) await m.Lock.deleteOne({ _id: held._id });
    if (Date.now() - started > WAIT_MS) throw new Error(`timed out waiting for the lock on ${key}`);
    await backoff(attempt);
  }
}
