// From a verified external identity to one user of the directory: the same provider subject always
// maps to the same user (also under concurrent first sign-ins), mapped attributes are rewritten at
// every sign-in, and linking to an existing user happens only when asked for, or by a verified email
// when the pool opts in.
import type { ExternalIdentity } from '../../providers/provider.js';
import { DirectoryError, GroupExists, IdentityAlreadyLinked, NotFound, UsernameExists } from '../directory/errors.js';
import type { Store } from '../directory/store.js';
import type { IdentityProvider, LinkedIdentity, Pool, User } from '../directory/types.js';
import { mapAttributes } from './mapping.js';
import { checkIdentifierChars } from '../native/usernames.js';

/** The `identities` attribute as Cognito stores it: a JSON string. */
export function identitiesAttribute(identities: LinkedIdentity[]): string {
  return JSON.stringify(identities.map((i) => ({
    userId: i.subject, providerName: i.providerName, providerType: i.providerType, issuer: i.issuer, primary: i.primary, dateCreated: i.createdAt,
  })));
}

const federatedUsername = (providerName: string, subject: string) => `${providerName}_${subject}`;

async function ensureProviderGroup(store: Store, poolId: string, providerName: string, userId: string): Promise<void> {
  const name = `${poolId}_${providerName}`;
  try {
    await store.groups.createGroup({ poolId, name, description: `Users who signed in with ${providerName}`, precedence: null, roleArn: null });
  } catch (err) {
    if (!(err instanceof GroupExists)) throw err;
  }
  await store.groups.addUserToGroup(poolId, name, userId);
}

/** Links the identity to `user` (idempotent for the same user); the user's `identities` attribute follows. */
async function link(store: Store, pool: Pool, provider: IdentityProvider, identity: ExternalIdentity, user: User): Promise<LinkedIdentity> {
  try {
    await store.identities.linkIdentity({
      poolId: pool.id, providerName: provider.name, subject: identity.subject, userId: user.id, providerType: provider.settings.ProviderType,
      issuer: identity.issuer, primary: user.status === 'EXTERNAL_PROVIDER', lastClaims: JSON.stringify(identity.claims),
    });
  } catch (err) {
    if (!(err instanceof IdentityAlreadyLinked)) throw err;
  }
  const linked = await store.identities.findIdentity(pool.id, provider.name, identity.subject);
  if (!linked) throw new Error('identity link vanished');
  return linked;
}

/** Providers whose `email_verified` we have verified ourselves (in a signed ID token), not just received. */
const VOUCHING_PROVIDERS = new Set(['Google', 'SignInWithApple', 'OIDC']);

async function findByVerifiedEmail(store: Store, pool: Pool, provider: IdentityProvider, identity: ExternalIdentity): Promise<User | null> {
  // A SAML attribute or a Graph field called email_verified is only a value the other side chose.
  if (!VOUCHING_PROVIDERS.has(provider.settings.ProviderType)) return null;
  const email = identity.claims.email;
  const verified = identity.claims.email_verified === true || identity.claims.email_verified === 'true';
  if (!pool.settings.LinkByVerifiedEmail || typeof email !== 'string' || !verified) return null;
  // Both sides must have it verified (an unverified email on either side is no proof of one owner),
  // and exactly one user may hold it.
  const { items } = await store.users.listUsers(pool.id, { filter: { attribute: 'email', op: '=', value: email }, limit: 10 });
  const candidates = items.filter((u) => u.attributes.email_verified === 'true');
  return candidates.length === 1 ? candidates[0]! : null;
}

/** The user this identity signs in as, created on the first sign-in, with its attributes brought up to date. */
export async function signInFederated(store: Store, pool: Pool, provider: IdentityProvider, identity: ExternalIdentity): Promise<User> {
  // A subject becomes a username and a token claim: no control or invisible characters, from any provider.
  checkIdentifierChars(identity.subject, `The subject sent by ${provider.name}`);
  const attributes = mapAttributes(provider.settings.AttributeMapping, identity.claims, pool.settings);
  let linked = await store.identities.findIdentity(pool.id, provider.name, identity.subject);
  let user = linked ? await store.users.getUser(pool.id, linked.userId) : null;

  if (!user) {
    user = await findByVerifiedEmail(store, pool, provider, identity);
    if (!user) {
      const username = federatedUsername(provider.name, identity.subject);
      try {
        user = await store.users.createUser({ poolId: pool.id, username, status: 'EXTERNAL_PROVIDER', attributes });
      } catch (err) {
        // A concurrent first sign-in created it: that user is this identity's user. Only a federated
        // user, though: a native account that took the name (e.g. signed up as `Google_<sub>`) is
        // someone else, and must never receive this identity.
        if (!(err instanceof UsernameExists)) throw err;
        user = await store.users.findUserByUsername(pool.id, username);
        if (!user) throw err;
        const linked = await store.identities.listIdentities(pool.id, user.id);
        const mine = linked.some((i) => i.providerName === provider.name && i.subject === identity.subject);
        if (user.status !== 'EXTERNAL_PROVIDER' || (linked.length > 0 && !mine))
          throw new UsernameExists(`The user name ${username} belongs to another account.`);
      }
    }
    linked = await link(store, pool, provider, identity, user);
    if (linked.userId !== user.id) user = await store.users.getUser(pool.id, linked.userId);
    if (!user) throw new NotFound('UserNotFoundException', 'User does not exist.');
  } else {
    await store.identities.updateIdentityClaims(pool.id, provider.name, identity.subject, JSON.stringify(identity.claims));
  }

  await ensureProviderGroup(store, pool.id, provider.name, user.id);
  const identities = identitiesAttribute(await store.identities.listIdentities(pool.id, user.id));
  return store.users.updateUser(pool.id, user.id, { setAttributes: { ...attributes, identities } });
}

/**
 * AdminLinkProviderForUser: links a provider identity that has not signed in yet to an existing user,
 * after which it signs in as that user. IdentityAlreadyLinked if the identity belongs to someone.
 */
export async function linkProviderForUser(store: Store, pool: Pool, provider: IdentityProvider, subject: string, destinationUsername: string): Promise<LinkedIdentity> {
  checkIdentifierChars(subject, 'The subject');
  const user = await store.users.findUserByUsername(pool.id, destinationUsername);
  if (!user) throw new NotFound('UserNotFoundException', 'User does not exist.');
  if ((await store.identities.listIdentities(pool.id, user.id)).length >= 5) throw new DirectoryError('LimitExceededException', 'A user can have at most 5 linked identities.');
  const identity = await store.identities.linkIdentity({
    poolId: pool.id, providerName: provider.name, subject, userId: user.id, providerType: provider.settings.ProviderType,
    issuer: null, primary: false, lastClaims: null,
  });
  await store.users.updateUser(pool.id, user.id, { setAttributes: { identities: identitiesAttribute(await store.identities.listIdentities(pool.id, user.id)) } });
  return identity;
}

/**
 * AdminDisableProviderForUser: the identity no longer signs in as its user. A linked one is unlinked
 * (its next sign-in makes a new user); a federated user's own identity, which they were created from,
 * disables that user. NotFound when no user holds the identity.
 */
export async function disableProviderForUser(store: Store, pool: Pool, providerName: string, subject: string): Promise<User> {
  const identity = await store.identities.findIdentity(pool.id, providerName, subject);
  const user = identity ? await store.users.getUser(pool.id, identity.userId) : null;
  if (!identity || !user) throw new NotFound('ResourceNotFoundException', `No user is linked to that ${providerName} identity.`);
  if (user.status === 'EXTERNAL_PROVIDER' && user.username === federatedUsername(providerName, subject)) {
    await store.users.updateUser(pool.id, user.id, { enabled: false });
    return user;
  }
  await store.identities.unlinkIdentity(pool.id, providerName, subject);
  await store.users.updateUser(pool.id, user.id, { setAttributes: { identities: identitiesAttribute(await store.identities.listIdentities(pool.id, user.id)) } });
  return user;
}

