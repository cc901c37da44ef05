// The pool's tokens for a user, issued the same way whichever door asked: a finished sign-in starts a
// refresh family (its id is the tokens' origin_jti) and gets ID, access and refresh tokens; a refresh
// token gets new ID and access tokens (and, under rotation, its successor).
import { randomUUID } from 'node:crypto';
import { tokenLifetimes } from '../directory/schema.js';
import type { Store } from '../directory/store.js';
import type { AppClient, Pool, RefreshFamily, User } from '../directory/types.js';
import type { KeyRing } from './keys.js';
import { mintAccessToken, mintIdToken } from './mint.js';
import { RefreshError, type RefreshTokens } from './refresh.js';
import { applyPreTokenGeneration, type TokenSource } from './pre-token.js';
import { tokenSubject } from './subject.js';
import type { Triggers } from '../triggers/index.js';

export interface TokenDeps {
  store: Store;
  keys: KeyRing;
  refresh: RefreshTokens;
  issuerOf(poolId: string): string;
  now(): number;
  /** Cognito's Lambda triggers (the pre token generation one runs here), when the broker has them. */
  triggers?: Triggers;
}

export interface IssuedTokens {
  /** Absent when the scopes do not include openid. */
  idToken?: string;
  accessToken: string;
  /** Absent on a refresh without rotation (the presented token stays valid). */
  refreshToken?: string;
  /** Seconds the access token lives. */
  expiresIn: number;
}

/**
 * Tokens for a sign-in that just finished: a new refresh family. `codeHash` ties it to its authorization
 * code (revoked if the code is replayed). An ID token comes with `openid`, or always with `idToken` (the JSON API).
 * The pool's pre token generation trigger sees them first (`source`: the code exchange's HostedAuth by
 * default when there is a code, Authentication otherwise); its refusal issues nothing.
 */
export async function issueForSignIn(
  d: TokenDeps,
  o: { pool: Pool; client: AppClient; user: User; scopes: string[]; authTime: number; nonce?: string | null; codeHash?: string | null; idToken?: boolean; source?: TokenSource; clientMetadata?: Record<string, string> },
): Promise<IssuedTokens & { refreshToken: string }> {
  const now = d.now();
  const lifetimes = tokenLifetimes(o.client.settings);
  const originJti = randomUUID();
  const subject = await applyPreTokenGeneration(
    d.triggers, await tokenSubject(d, o.pool, o.client, o.user, { scopes: o.scopes, authTime: o.authTime, originJti, nonce: o.nonce ?? null }),
    o.source ?? (o.codeHash ? 'TokenGeneration_HostedAuth' : 'TokenGeneration_Authentication'), o.clientMetadata,
  );
  const accessToken = await mintAccessToken(d.keys, subject, now);
  const refreshToken = await d.refresh.issue({
    poolId: o.pool.id, clientId: o.client.clientId, userId: o.user.id, originJti, authTime: o.authTime, scopes: o.scopes,
    codeHash: o.codeHash ?? null, lifetimeSec: lifetimes.refresh, now,
  });
  return {
    ...((o.idToken ?? o.scopes.includes('openid')) ? { idToken: await mintIdToken(d.keys, subject, now, accessToken) } : {}),
    accessToken, refreshToken, expiresIn: lifetimes.access,
  };
}

/** The JSON API's self-service scope: its sign-ins always get ID tokens (and so do their refreshes). */
export const SELF_SERVICE_SCOPE = 'aws.cognito.signin.user.admin';
/** A refresh gets an ID token with `openid` (OAuth), or when its sign-in was the API's (whose sign-ins always get one). */
const givesIdToken = (scopes: string[], familyScopes: string[]) => scopes.includes('openid') || familyScopes.includes(SELF_SERVICE_SCOPE);

/** Why a refresh gives no tokens: the token (invalid, reused, another client's), a scope it never had, or a user who may no longer sign in. */
export class RefreshRefused extends Error {
  constructor(
    readonly reason: RefreshError['reason'] | 'scope' | 'user',
    message: string,
  ) {
    super(message);
    this.name = 'RefreshRefused';
  }
}

/**
 * New tokens from a refresh token, under the client's rotation setting. `scopes` narrows (never
 * widens) what the family was granted. A rotated token presented again revokes its family.
 */
export async function issueFromRefresh(
  d: TokenDeps, o: { pool: Pool; client: AppClient; token: string; scopes?: string[]; clientMetadata?: Record<string, string> },
): Promise<{ tokens: IssuedTokens; family: RefreshFamily; user: User }> {
  const now = d.now();
  const rotation = o.client.settings.RefreshTokenRotation;
  let used;
  try {
    used = await d.refresh.use(o.token, { poolId: o.pool.id, clientId: o.client.clientId, rotate: rotation.Feature === 'ENABLED', graceMs: rotation.RetryGracePeriodSeconds * 1000, now });
  } catch (err) {
    if (err instanceof RefreshError) throw new RefreshRefused(err.reason, err.message);
    throw err;
  }
  const { family } = used;
  const requested = o.scopes ?? [];
  if (requested.some((sc) => !family.scopes.includes(sc))) throw new RefreshRefused('scope', 'a refresh cannot widen the scopes');
  const scopes = requested.length ? family.scopes.filter((sc) => requested.includes(sc)) : family.scopes;
  const user = await d.store.users.getUser(o.pool.id, family.userId);
  if (!user || !user.enabled) throw new RefreshRefused('user', 'the user is no longer allowed to sign in');
  const subject = await applyPreTokenGeneration(
    d.triggers, await tokenSubject(d, o.pool, o.client, user, { scopes, authTime: family.authTime, originJti: family.originJti }), 'TokenGeneration_RefreshTokens', o.clientMetadata,
  );
  // Signed side by side (no at_hash on refresh, as Cognito): the two signatures run on two threads.
  const [accessToken, idToken] = await Promise.all([
    mintAccessToken(d.keys, subject, now),
    givesIdToken(scopes, family.scopes) ? mintIdToken(d.keys, subject, now) : undefined,
  ]);
  return {
    tokens: { ...(idToken ? { idToken } : {}), accessToken, ...(used.token ? { refreshToken: used.token } : {}), expiresIn: tokenLifetimes(o.client.settings).access },
    family, user,
  };
}
