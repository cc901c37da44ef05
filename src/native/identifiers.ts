// Usernames, aliases and sign-up attributes as a pool declares them, with Cognito's rules (the Cognito
// Developer Guide's "User pool attributes" and "User pool case sensitivity").
import { InvalidParameter } from '../directory/errors.js';
import { randomUUID } from 'node:crypto';
import { prepareUsername } from './usernames.js';
import { skeletonAliases } from './skeletons.js';
import { STANDARD_ATTRIBUTE_SET, type PoolSettings } from '../directory/schema.js';
import type { Store } from '../directory/store.js';
import type { AliasKind, AliasRef, Attributes, Pool, User } from '../directory/types.js';

export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const E164 = /^\+[1-9]\d{1,14}$/;
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const MAX_VALUE = 2048;

const schemaError = (detail: string) => new InvalidParameter(`Attributes did not conform to the schema: ${detail}`);

export function checkUsernameShape(username: string): void {
  if (!USERNAME.test(username))
    throw new InvalidParameter("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+");
}

/**
 * Email/phone-as-username pools: which attribute the given username is (it must be one of them).
 * Other pools: null, after refusing usernames shaped like an alias the pool signs in with.
 */
export function usernameAttributeOf(s: PoolSettings, username: string): 'email' | 'phone_number' | null {
  if (s.UsernameAttributes?.length) {
    if (s.UsernameAttributes.includes('email') && EMAIL.test(username)) return 'email';
    if (s.UsernameAttributes.includes('phone_number') && E164.test(username)) return 'phone_number';
    throw new InvalidParameter(
      s.UsernameAttributes.length > 1 ? 'Username should be either an email or a phone number.'
        : s.UsernameAttributes[0] === 'email' ? 'Username should be an email.' : 'Username should be a phone number.',
    );
  }
  if (s.AliasAttributes?.includes('email') && EMAIL.test(username))
    throw new InvalidParameter('Username cannot be of email format, since user pool is configured for email alias.');
  if (s.AliasAttributes?.includes('phone_number') && E164.test(username))
    throw new InvalidParameter('Username cannot be of phone number format, since user pool is configured for phone number alias.');
  return null;
}

/** Checks what a user may give at sign-up: standard attributes and the pool's own `custom:` ones. */
export function checkSignUpAttributes(s: PoolSettings, attributes: Record<string, string>): Attributes {
  const custom = new Map(s.Schema.filter((a) => !STANDARD_ATTRIBUTE_SET.has(a.Name) && !a.DeveloperOnlyAttribute).map((a) => [`custom:${a.Name}`, a]));
  const out: Attributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (!STANDARD_ATTRIBUTE_SET.has(name) && !custom.has(name)) throw schemaError(`Type for attribute {${name}} could not be determined`);
    if (typeof value !== 'string' || value.length > MAX_VALUE) throw schemaError(`${name}: Value must be a string of at most ${MAX_VALUE} characters`);
    if (name === 'email' && !EMAIL.test(value)) throw new InvalidParameter('Invalid email address format.');
    if (name === 'phone_number' && !E164.test(value)) throw new InvalidParameter('Invalid phone number format.');
    const c = custom.get(name);
    if (c?.AttributeDataType === 'Number' && (value.trim() === '' || !Number.isFinite(Number(value)))) throw schemaError(`${name}: Number expected`);
    const range = c?.NumberAttributeConstraints;
    if (range && ((range.MinValue !== undefined && Number(value) < range.MinValue) || (range.MaxValue !== undefined && Number(value) > range.MaxValue)))
      throw schemaError(`${name}: Number out of range`);
    const len = c?.StringAttributeConstraints;
    if (len && ((len.MinLength !== undefined && value.length < len.MinLength) || (len.MaxLength !== undefined && value.length > len.MaxLength)))
      throw schemaError(`${name}: String length out of range`);
    out[name] = value;
  }
  return out;
}

export function checkRequiredAttributes(s: PoolSettings, attributes: Attributes): void {
  for (const a of s.Schema) if (a.Required && !attributes[a.Name]) throw schemaError(`${a.Name}: The attribute is required`);
}

/** The alias kinds a pool signs in with: its UsernameAttributes or its AliasAttributes. */
export const aliasKinds = (s: PoolSettings): AliasKind[] => [...(s.UsernameAttributes ?? []), ...(s.AliasAttributes ?? [])];

/**
 * The user a sign-in name designates: the username, else a held alias (aliases are held only once
 * verified, except in email/phone-as-username pools where the address is claimed at sign-up).
 */
export async function findUser(store: Store, pool: Pool, name: string): Promise<User | null> {
  const byName = await store.users.findUserByUsername(pool.id, name);
  if (byName) return byName;
  // Names are kept as RFC 8265 prepares them (width-folded, NFC): `ａlice` typed finds `alice`.
  const prepared = preparedOrNull(name, pool.settings.UsernameConfiguration.CaseSensitive);
  if (prepared && prepared !== name) {
    const byPrepared = await store.users.findUserByUsername(pool.id, prepared);
    if (byPrepared) return byPrepared;
  }
  for (const kind of aliasKinds(pool.settings)) {
    if ((kind === 'email' && !EMAIL.test(name)) || (kind === 'phone_number' && !E164.test(name))) continue;
    const user = await store.users.findUserByAlias(pool.id, kind, name);
    if (user) return user;
  }
  return null;
}

function preparedOrNull(name: string, caseSensitive: boolean): string | null {
  try {
    return prepareUsername(name, { caseSensitive });
  } catch {
    return null; // not a name that could have been made: nothing more to look up
  }
}

/** Values a password must not equal. */
export const passwordContext = (user: Pick<User, 'username' | 'attributes'>): string[] =>
  [user.username, user.attributes.email, user.attributes.phone_number, user.attributes.preferred_username].filter((v): v is string => !!v);

/**
 * How a new user's typed username is kept. Email/phone-as-username pools (`kind`): the real username
 * is a new UUID (the `sub` too), and the address, the caller's to set as that attribute, is held as an
 * alias from the start. Other pools: the name folded as RFC 8265 asks, holding its UTS #39 skeletons
 * so look-alikes collide. `name`: the username as typed after folding (the address, in the former).
 */
export function newUsername(s: PoolSettings, typed: string): { username: string; sub?: string; aliases: AliasRef[]; kind: 'email' | 'phone_number' | null; name: string } {
  const kind = usernameAttributeOf(s, typed);
  if (!kind) {
    const username = prepareUsername(typed, { caseSensitive: s.UsernameConfiguration.CaseSensitive });
    return { username, aliases: skeletonAliases(username, s.UsernameConfiguration.CaseSensitive), kind, name: username };
  }
  const sub = randomUUID();
  return { username: sub, sub, aliases: [{ kind, value: typed }], kind, name: typed };
}

/** Alias pools: the attributes that sign a user in, a verified email or phone number and the preferred username. */
export function signInAliases(s: PoolSettings, attributes: Attributes): AliasRef[] {
  return (s.AliasAttributes ?? [])
    .filter((k) => attributes[k] && (k === 'preferred_username' || attributes[`${k}_verified`] === 'true'))
    .map((kind) => ({ kind, value: attributes[kind]! }));
}

/** `<Provider>_…` is how federated users are named: a native account must not squat on one. */
export async function checkNotProviderName(store: Store, pool: Pool, username: string): Promise<void> {
  const providers = await store.pools.listProviders(pool.id);
  if (providers.some((p) => username.toLowerCase().startsWith(`${p.name.toLowerCase()}_`)))
    throw new InvalidParameter('Username cannot start with the name of an identity provider of this pool.');
}
