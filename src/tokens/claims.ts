// The claims of the tokens and userInfo answers we issue, shaped as Cognito's. Pure functions: the
// signing lives in mint.ts. Only readable attributes and public ids ever reach a token.
import { createHash, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { STANDARD_ATTRIBUTE_SET, tokenLifetimes } from '../directory/schema.js';
import type { AppClient, Group, LinkedIdentity, Pool, User } from '../directory/types.js';

/** Who a token is about and for. Times: `authTime` in epoch seconds. */
export interface TokenSubject {
  issuer: string;
  pool: Pool;
  client: AppClient;
  user: User;
  /** Group names, in the order they should appear (Cognito: by precedence). */
  groups: string[];
  /** The groups' role ARNs (`cognito:roles`) and the one of the group that comes first (`cognito:preferred_role`). */
  roles?: string[];
  preferredRole?: string | null;
  identities: LinkedIdentity[];
  scopes: string[];
  authTime: number;
  originJti: string;
  nonce?: string | null;
  /** The pre token generation trigger's edits (tokens/pre-token.ts), protocol claims already left out. */
  overrides?: TokenOverrides;
}

/** Claims a trigger adds (or overrides) and suppresses in one token. */
export interface ClaimEdits {
  add: Record<string, unknown>;
  suppress: string[];
}

/** Per token; `scopes` replaces the access token's `scope` (the refresh token keeps what was granted). */
export interface TokenOverrides {
  id?: ClaimEdits;
  access?: ClaimEdits;
  scopes?: string[];
}

export interface ClientCredentialsSubject {
  issuer: string;
  pool: Pool;
  client: AppClient;
  scopes: string[];
  overrides?: Pick<TokenOverrides, 'access' | 'scopes'>;
}

/** The claims with a trigger's edits: suppressed ones removed, added ones set (protocol claims are never among them). */
function edited(claims: JWTPayload, e: ClaimEdits | undefined): JWTPayload {
  if (!e) return claims;
  const out: JWTPayload = { ...claims };
  for (const name of e.suppress) delete out[name];
  return Object.assign(out, e.add);
}

const VERIFIED_FLAGS: ReadonlySet<string> = new Set(['email_verified', 'phone_number_verified']);

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The user's attributes the client may read (ReadAttributes; all when unset), typed as in Cognito's
 * tokens: verified flags as booleans, everything else as strings. Only standard and `custom:`
 * attributes qualify, so nothing stored under another name (`dev:`, `sub`, `identities`) leaks.
 */
export function readableAttributes(client: AppClient, user: User): Record<string, string | boolean> {
  const allowed = client.settings.ReadAttributes ? new Set(client.settings.ReadAttributes) : null;
  const out: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(user.attributes)) {
    const known = STANDARD_ATTRIBUTE_SET.has(name) || VERIFIED_FLAGS.has(name) || name.startsWith('custom:');
    if (!known || (allowed && !allowed.has(name))) continue;
    out[name] = VERIFIED_FLAGS.has(name) ? value === 'true' : String(value);
  }
  return out;
}

/** The `identities` claim: Cognito stringifies `primary` and `dateCreated` in tokens. */
export function identitiesClaim(identities: LinkedIdentity[]): Record<string, string | null>[] {
  return identities.map((i) => ({
    userId: i.subject,
    providerName: i.providerName,
    providerType: i.providerType,
    issuer: i.issuer,
    primary: String(i.primary),
    dateCreated: String(i.createdAt),
  }));
}

/** OIDC `at_hash`: the left half of the SHA-256 of the access token, base64url. */
export function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

const groupsClaim = (groups: string[]) => (groups.length ? { 'cognito:groups': [...groups] } : {});

/**
 * Cognito's order and roles of a user's groups: by Precedence (lowest first; groups without one
 * last), then name. The preferred role is that of the first group with a role, unless another group
 * of the same precedence has a different role: then there is none, as in Cognito.
 */
export function groupRoles(groups: readonly Group[]): { groups: string[]; roles: string[]; preferredRole: string | null } {
  const rank = (g: Group) => g.precedence ?? Number.MAX_SAFE_INTEGER;
  const sorted = [...groups].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const withRole = sorted.filter((g) => g.roleArn);
  const first = withRole[0];
  const tie = first && withRole.some((g) => rank(g) === rank(first) && g.roleArn !== first.roleArn);
  return { groups: sorted.map((g) => g.name), roles: [...new Set(withRole.map((g) => g.roleArn!))], preferredRole: first && !tie && first.precedence !== null ? first.roleArn : null };
}

export function idTokenClaims(s: TokenSubject, now: number, accessToken?: string): JWTPayload {
  const iat = seconds(now);
  return edited({
    ...readableAttributes(s.client, s.user),
    ...(s.identities.length ? { identities: identitiesClaim(s.identities) } : {}),
    ...(accessToken !== undefined ? { at_hash: atHash(accessToken) } : {}),
    ...groupsClaim(s.groups),
    ...(s.roles?.length ? { 'cognito:roles': [...s.roles] } : {}),
    ...(s.preferredRole ? { 'cognito:preferred_role': s.preferredRole } : {}),
    ...(s.nonce ? { nonce: s.nonce } : {}),
    // Last, so no attribute can stand in for a protocol claim.
    sub: s.user.sub,
    aud: s.client.clientId,
    iss: s.issuer,
    token_use: 'id',
    auth_time: s.authTime,
    'cognito:username': s.user.username,
    origin_jti: s.originJti,
    jti: randomUUID(),
    iat,
    exp: iat + tokenLifetimes(s.client.settings).id,
  }, s.overrides?.id);
}

export function accessTokenClaims(s: TokenSubject, now: number): JWTPayload {
  const iat = seconds(now);
  return edited({
    sub: s.user.sub,
    ...groupsClaim(s.groups),
    iss: s.issuer,
    version: 2,
    client_id: s.client.clientId,
    origin_jti: s.originJti,
    token_use: 'access',
    scope: (s.overrides?.scopes ?? s.scopes).join(' '),
    auth_time: s.authTime,
    iat,
    exp: iat + tokenLifetimes(s.client.settings).access,
    jti: randomUUID(),
    username: s.user.username,
  }, s.overrides?.access);
}

/** A machine token: the client is its own subject and no user claims exist. */
export function clientCredentialsClaims(o: ClientCredentialsSubject, now: number): JWTPayload {
  const iat = seconds(now);
  return edited({
    sub: o.client.clientId,
    token_use: 'access',
    scope: (o.overrides?.scopes ?? o.scopes).join(' '),
    iss: o.issuer,
    version: 2,
    client_id: o.client.clientId,
    iat,
    exp: iat + tokenLifetimes(o.client.settings).access,
    jti: randomUUID(),
  }, o.overrides?.access);
}

const EMAIL_CLAIMS = ['email', 'email_verified'];
const PHONE_CLAIMS = ['phone_number', 'phone_number_verified'];

/** The userInfo answer: `sub` and `username`, plus the readable attributes the access token's scopes open. */
export function userInfoClaims(s: TokenSubject): Record<string, unknown> {
  const readable = readableAttributes(s.client, s.user);
  const scopes = new Set(s.scopes);
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(readable)) {
    const open = EMAIL_CLAIMS.includes(name) ? scopes.has('email') : PHONE_CLAIMS.includes(name) ? scopes.has('phone') : scopes.has('profile');
    if (open) out[name] = value;
  }
  return { ...out, sub: s.user.sub, username: s.user.username };
}
