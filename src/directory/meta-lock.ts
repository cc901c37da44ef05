// A short lock in the MetaStore, for the few read-modify-writes of one record the Store has no
// narrower operation for (a pool's resource servers, a client's secrets, a provider's creation and update):
// concurrent callers, on any broker process, take turns instead of losing each other's change.
// A lock whose holder died is taken over once it has expired (compare-and-set on its value).
import { randomUUID } from 'node:crypto';
import type { MetaStore } from './store.js';

const LEASE_MS = 10_000;
const WAIT_MS = 2 * LEASE_MS;

export async function withMetaLock<T>(meta: MetaStore, name: string, work: () => Promise<T>): Promise<T> {
  const key = `lock:${name}`;
  const started = Date.now();
  let mine = '';
  for (let attempt = 0; !mine; attempt++) {
    const value = JSON.stringify({ id: randomUUID(), expiresAt: Date.now() + LEASE_MS });
    const held = await meta.putIfAbsent(key, value);
    if (held === value) mine = value;
    else if ((JSON.parse(held) as { expiresAt: number }).expiresAt <= Date.now() && (await meta.replace(key, held, value))) mine = value;
    else {
      if (Date.now() - started > WAIT_MS) throw new Error(`timed out waiting for the lock on ${name}`);
      await new Promise((r) => setTimeout(r, Math.min(5 * 2 ** attempt, 100)));
    }
  }
  try {
    return await work();
  } finally {
    // Only our own lease: one taken over after expiry is left to its new holder.
    if (await meta.replace(key, mine, mine)) await meta.delete(key);
  }
}
