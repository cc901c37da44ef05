// Everything a token about a user needs, gathered once: groups and linked identities come from the
// directory at every issue, so a change shows up at the next refresh.
import type { Store } from '../directory/store.js';
import type { AppClient, Pool, User } from '../directory/types.js';
import { groupRoles, type TokenSubject } from './claims.js';

export async function tokenSubject(
  d: { store: Store; issuerOf(poolId: string): string }, pool: Pool, client: AppClient, user: User,
  o: { scopes: string[]; authTime: number; originJti: string; nonce?: string | null },
): Promise<TokenSubject> {
  const [groups, identities] = await Promise.all([
    d.store.groups.listGroupsForUser(pool.id, user.id),
    d.store.identities.listIdentities(pool.id, user.id),
  ]);
  return {
    issuer: d.issuerOf(pool.id), pool, client, user, ...groupRoles(groups), identities,
    scopes: o.scopes, authTime: o.authTime, originJti: o.originJti, nonce: o.nonce ?? null,
  };
}
