// Users created before usernames had skeletons get theirs, once per pool, in the background at start:
// from then on a new look-alike of an old name collides too. Two old users whose names already look
// alike both keep signing in (the second is logged; neither is changed).
import type { Logger } from 'pino';
import { AliasExists } from '../directory/errors.js';
import type { Store } from '../directory/store.js';
import type { AliasRef } from '../directory/types.js';
import { usernameSkeleton } from './usernames.js';

/**
 * The skeleton aliases a username holds: of the name as the pool compares it, and in case-insensitive
 * pools also of the name as it is kept and shown (a capital I and a small l look alike; their
 * lower-cased forms do not).
 */
export function skeletonAliases(username: string, caseSensitive: boolean): AliasRef[] {
  const out: AliasRef[] = [{ kind: 'username_skeleton', value: usernameSkeleton(username, { caseSensitive }) }];
  if (!caseSensitive) out.push({ kind: 'username_skeleton_cased', value: usernameSkeleton(username, { caseSensitive: true }) });
  return out;
}

const DONE = (poolId: string) => `username-skeletons-v1:${poolId}`;

/** Stops between pages once `signal` aborts (the broker is stopping); the next start carries on. */
export async function backfillUsernameSkeletons(store: Store, log: Logger, signal?: AbortSignal): Promise<number> {
  let claimed = 0;
  for (const pool of await store.pools.listPools()) {
    // Email/phone-as-username pools have UUID usernames: nothing a person could imitate.
    if (pool.settings.UsernameAttributes?.length || (await store.meta.get(DONE(pool.id)))) continue;
    const caseSensitive = pool.settings.UsernameConfiguration.CaseSensitive;
    let nextToken: string | undefined;
    do {
      if (signal?.aborted) return claimed;
      const page = await store.users.listUsers(pool.id, { limit: 60, nextToken });
      for (const user of page.items) {
        if (user.status === 'EXTERNAL_PROVIDER') continue;
        let skeletons: AliasRef[];
        try {
          skeletons = skeletonAliases(user.username, caseSensitive);
        } catch {
          continue; // a name made before RFC 8265 preparation that it refuses: it keeps working as it is
        }
        for (const a of skeletons)
          try {
            await store.users.claimAlias(pool.id, a.kind, a.value, user.id);
            claimed++;
          } catch (err) {
            if (!(err instanceof AliasExists)) throw err;
            log.warn({ poolId: pool.id, userId: user.id }, 'an existing username looks like another one; both keep signing in');
          }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    await store.meta.putIfAbsent(DONE(pool.id), String(Date.now()));
  }
  return claimed;
}
