// A pool's users as JSON lines, to move them to another broker or store with nothing lost: each
// user's attributes, status, password hash and SRP verifier (so every sign-in keeps working), groups
// and linked identities; the pool's groups first. The file is as secret as the database it came
// from: the verifiers are written unsealed (the importing broker seals them with its own key).
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { AliasRef, Group, LinkedIdentity, Pool, User } from '../directory/types.js';
import { signInAliases } from './identifiers.js';
import { skeletonAliases } from './skeletons.js';

export const EXPORT_FORMAT = 'broker-users/1';

interface GroupLine { type: 'group'; name: string; description: string | null; precedence: number | null; roleArn: string | null }
interface UserLine {
  type: 'user';
  sub: string; username: string; status: User['status']; enabled: boolean; attributes: User['attributes'];
  passwordHash: string | null; srpVerifier: string | null; createdAt: number; updatedAt: number;
  groups: string[];
  identities: Pick<LinkedIdentity, 'providerName' | 'subject' | 'providerType' | 'issuer' | 'primary' | 'lastClaims'>[];
  /** MFA settings: none yet (the MFA issue adds them); the field keeps the format ready. */
  mfa: null;
}
type Line = { type: 'format'; format: string; poolId: string } | GroupLine | UserLine;

/** The export, line by line (each a JSON text without its newline). */
export async function* exportUsers(store: Store, sealer: Sealer, poolId: string): AsyncGenerator<string> {
  yield JSON.stringify({ type: 'format', format: EXPORT_FORMAT, poolId } satisfies Line);
  for (const g of await store.groups.listGroups(poolId))
    yield JSON.stringify({ type: 'group', name: g.name, description: g.description, precedence: g.precedence, roleArn: g.roleArn } satisfies Line);
  let token: string | undefined;
  do {
    const page = await store.users.listUsers(poolId, { limit: 60, ...(token ? { nextToken: token } : {}) });
    for (const u of page.items) {
      const [groups, identities] = await Promise.all([store.groups.listGroupsForUser(poolId, u.id), store.identities.listIdentities(poolId, u.id)]);
      yield JSON.stringify({
        type: 'user', sub: u.sub, username: u.username, status: u.status, enabled: u.enabled, attributes: u.attributes,
        passwordHash: u.passwordHash, srpVerifier: u.srpVerifier ? sealer.unseal(u.srpVerifier) : null, createdAt: u.createdAt, updatedAt: u.updatedAt,
        groups: groups.map((g: Group) => g.name),
        identities: identities.map((i) => ({ providerName: i.providerName, subject: i.subject, providerType: i.providerType, issuer: i.issuer, primary: i.primary, lastClaims: i.lastClaims })),
        mfa: null,
      } satisfies Line);
    }
    token = page.nextToken;
  } while (token);
}

/** The aliases a user holds in the pool, from its username and attributes (as sign-up and confirmation claim them). */
export function aliasesOf(pool: Pool, u: Pick<User, 'username' | 'sub' | 'attributes' | 'status'>): AliasRef[] {
  const s = pool.settings;
  const out: AliasRef[] = [];
  for (const k of s.UsernameAttributes ?? []) if (u.username === u.sub && u.attributes[k]) out.push({ kind: k, value: u.attributes[k]! });
  if (u.username !== u.sub && u.status !== 'EXTERNAL_PROVIDER') out.push(...skeletonAliases(u.username, s.UsernameConfiguration.CaseSensitive));
  return [...out, ...signInAliases(s, u.attributes)];
}

/**
 * Loads an export into `pool` (which may be another store, under another BROKER_KEY_SECRET): groups
 * made where missing, each user made whole with its aliases, memberships and identities, or reported.
 */
export async function importUsers(store: Store, sealer: Sealer, pool: Pool, lines: Iterable<string>): Promise<{ imported: number; failed: { line: number; message: string }[] }> {
  const failed: { line: number; message: string }[] = [];
  let imported = 0;
  let n = 0;
  for (const text of lines) {
    n++;
    if (!text.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      failed.push({ line: n, message: 'not JSON' });
      continue;
    }
    try {
      if (line.type === 'format') {
        if (line.format !== EXPORT_FORMAT) throw new Error(`unknown format ${line.format}`);
      } else if (line.type === 'group') {
        if (!(await store.groups.getGroup(pool.id, line.name)))
          await store.groups.createGroup({ poolId: pool.id, name: line.name, description: line.description, precedence: line.precedence, roleArn: line.roleArn });
      } else if (line.type === 'user') {
        const user = await store.users.createUser({
          poolId: pool.id, sub: line.sub, username: line.username, status: line.status, enabled: line.enabled, attributes: line.attributes,
          passwordHash: line.passwordHash, srpVerifier: line.srpVerifier ? sealer.seal(line.srpVerifier) : null, aliases: aliasesOf(pool, line),
        });
        try {
          for (const g of line.groups) await store.groups.addUserToGroup(pool.id, g, user.id);
          for (const i of line.identities) await store.identities.linkIdentity({ poolId: pool.id, userId: user.id, ...i });
        } catch (err) {
          await store.users.deleteUser(pool.id, user.id); // whole or not at all
          throw err;
        }
        imported++;
      } else throw new Error('unknown line type');
    } catch (err) {
      failed.push({ line: n, message: (err as Error).message });
    }
  }
  return { imported, failed };
}
