// Rotation by configuration: a pool's token signing keys older than its TokenSigningKeyMaxAgeDays are
// replaced; the old ones stay in the JWKS until every token they signed has expired.
import type { Store } from '../directory/store.js';
import type { Millis } from '../directory/types.js';
import { TOKEN_KEY_PURPOSES, type KeyRing } from './keys.js';

const DAY_MS = 86_400_000;

/** Rotates the keys of every pool whose active key is past its configured age; returns the pool ids. */
export async function rotateDueKeys(store: Store, ring: KeyRing, now: Millis): Promise<string[]> {
  const rotated: string[] = [];
  for (const pool of await store.pools.listPools()) {
    const maxAge = pool.settings.TokenSigningKeyMaxAgeDays;
    if (!maxAge) continue;
    const active = await Promise.all(TOKEN_KEY_PURPOSES.map((purpose) => store.keys.getActiveKey(pool.id, purpose)));
    if (active.some((k) => k && now - k.createdAt >= maxAge * DAY_MS)) {
      await ring.rotate(pool.id, now);
      rotated.push(pool.id);
    }
  }
  return rotated;
}
