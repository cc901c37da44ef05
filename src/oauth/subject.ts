// Everything a token about a user needs, gathered once: groups and linked identities come from the
// directory at every issue, so a change shows up at the next refresh.
import type { AppClient, Pool, User } from '../directory/types.js';
import { issuerOf, type Services } from '../services.js';
import type { TokenSubject } from '../tokens/mint.js';

export async function tokenSubject(
  s: Services, pool: Pool, client: AppClient, user: User, o: { scopes: string[]; authTime: number; originJti: string; nonce?: string | null },
): Promise<TokenSubject> {
  const [groups, identities] = await Promise.all([
    s.store.groups.listGroupsForUser(pool.id, user.id),
    s.store.identities.listIdentities(pool.id, user.id),
  ]);
  return {
    issuer: issuerOf(s, pool.id), pool, client, user, groups: groups.map((g) => g.name), identities,
    scopes: o.scopes, authTime: o.authTime, originJti: o.originJti, nonce: o.nonce ?? null,
  };
}
