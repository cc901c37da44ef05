// POST /oauth2/token (RFC 6749 §4.1.3, §6, §4.4; RFC 7636 §4.6): authorization_code, refresh_token and
// client_credentials grants. Errors per RFC 6749 §5.2; responses are never cached.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import { safeEqual, sha256 } from '../shared/hashing.js';
import { customScopesOf, tokenLifetimes } from '../directory/schema.js';
import type { AppClient, Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { issueForSignIn, issueFromRefresh, RefreshRefused, type IssuedTokens } from '../tokens/issue.js';
import { mintClientCredentialsToken } from '../tokens/mint.js';
import { preTokenForClient } from '../tokens/pre-token.js';
import { BrokerError } from '../shared/errors.js';
import { authenticateClient, ClientAuthError } from './client-auth.js';

class GrantError extends Error {
  constructor(readonly error: string, message: string, readonly status = 400) {
    super(message);
  }
}

/** A trigger's refusals (triggers/index.ts): the grant gives no tokens. */
const TRIGGER_REFUSALS: ReadonlySet<string> = new Set(['UserLambdaValidationException', 'InvalidLambdaResponseException', 'UnexpectedLambdaException']);

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function tokenEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  try {
    if (!ctx.is('application/x-www-form-urlencoded')) throw new GrantError('invalid_request', 'the body must be application/x-www-form-urlencoded');
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    // A parameter sent twice is ambiguous (RFC 6749 §3.2): refused, never one of them picked.
    const repeated = Object.keys(body).filter((k) => Array.isArray(body[k]));
    if (repeated.length) throw new GrantError('invalid_request', `${repeated.join(', ')} must not be repeated`);
    const client = await authenticateClient(ctx, s, pool.id, body);
    const grant = str(body.grant_type);
    if (grant === 'authorization_code') ctx.body = await codeGrant(s, pool, client, body);
    else if (grant === 'refresh_token') ctx.body = await refreshGrant(s, pool, client, body);
    else if (grant === 'client_credentials') ctx.body = await clientCredentialsGrant(s, pool, client, body);
    else if (!grant) throw new GrantError('invalid_request', 'grant_type is required');
    else throw new GrantError('unsupported_grant_type', `grant_type ${grant} is not supported`);
  } catch (err) {
    if (err instanceof ClientAuthError) {
      ctx.status = err.error === 'invalid_client' ? 401 : 400;
      if (err.basic) ctx.set('WWW-Authenticate', 'Basic realm="token"');
      ctx.body = { error: err.error, error_description: err.message };
    } else if (err instanceof GrantError) {
      ctx.status = err.status;
      ctx.body = { error: err.error, error_description: err.message };
    } else if (err instanceof BrokerError && TRIGGER_REFUSALS.has(err.code)) {
      // The pre token generation trigger refused or failed: no tokens, and the handler's message.
      ctx.status = 400;
      ctx.body = { error: 'invalid_grant', error_description: err.message };
    } else throw err;
  }
}

function checkPkce(challenge: string | null, verifier: string | undefined): void {
  if (challenge === null) {
    // A verifier for a request that sent no challenge is a downgrade attempt (RFC 9700 §4.8.2).
    if (verifier !== undefined) throw new GrantError('invalid_grant', 'code_verifier sent for a request without PKCE');
    return;
  }
  if (verifier === undefined) throw new GrantError('invalid_grant', 'code_verifier is required');
  if (!VERIFIER.test(verifier)) throw new GrantError('invalid_request', 'code_verifier must be 43–128 unreserved characters');
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (!safeEqual(computed, challenge)) throw new GrantError('invalid_grant', 'code_verifier does not match the code challenge');
}

async function codeGrant(s: Services, pool: Pool, client: AppClient, body: Record<string, unknown>) {
  const code = str(body.code);
  if (!code) throw new GrantError('invalid_request', 'code is required');
  const redirectUri = str(body.redirect_uri);
  if (!redirectUri) throw new GrantError('invalid_request', 'redirect_uri is required');
  const now = s.now();
  const hash = sha256(code);
  const consumed = await s.store.tokens.consumeAuthCode(hash, now);
  if (consumed.status === 'replayed') {
    // A second use: someone has the code. Revoke what the first use issued (RFC 6749 §4.1.2).
    const n = await s.store.tokens.revokeFamiliesFromCode(hash, 'authorization code replayed', now);
    s.log.warn({ poolId: pool.id, clientId: client.clientId, revokedFamilies: n }, 'authorization code replayed');
    await s.store.audit.record({ poolId: pool.id, time: now, type: 'code.replayed', userId: consumed.code.userId, clientId: client.clientId, ip: null, detail: { revokedFamilies: n } });
    throw new GrantError('invalid_grant', 'the authorization code was already used');
  }
  if (consumed.status !== 'ok') throw new GrantError('invalid_grant', 'the authorization code is invalid or expired');
  const c = consumed.code;
  if (c.poolId !== pool.id || c.clientId !== client.clientId) throw new GrantError('invalid_grant', 'the authorization code was issued to another client');
  if (c.redirectUri !== redirectUri) throw new GrantError('invalid_grant', 'redirect_uri does not match the authorization request');
  checkPkce(c.codeChallenge, str(body.code_verifier));
  const user = await s.store.users.getUser(pool.id, c.userId);
  if (!user || !user.enabled) throw new GrantError('invalid_grant', 'the user is no longer allowed to sign in');

  const t = await issueForSignIn(s, { pool, client, user, scopes: c.scopes, authTime: c.authTime, nonce: c.nonce, codeHash: hash });
  await s.store.audit.record({ poolId: pool.id, time: now, type: 'token.issued', userId: user.id, clientId: client.clientId, ip: null, detail: { grant: 'authorization_code' } });
  return oauthTokens(t);
}

/** RFC 6749 §5.1's names for the issued tokens. */
const oauthTokens = (t: IssuedTokens) => ({
  ...(t.idToken ? { id_token: t.idToken } : {}),
  access_token: t.accessToken,
  ...(t.refreshToken ? { refresh_token: t.refreshToken } : {}),
  token_type: 'Bearer',
  expires_in: t.expiresIn,
});

async function refreshGrant(s: Services, pool: Pool, client: AppClient, body: Record<string, unknown>) {
  const token = str(body.refresh_token);
  if (!token) throw new GrantError('invalid_request', 'refresh_token is required');
  if (!client.settings.ExplicitAuthFlows.includes('ALLOW_REFRESH_TOKEN_AUTH'))
    throw new GrantError('unauthorized_client', 'refresh tokens are not enabled for this client');
  const now = s.now();
  try {
    const { tokens } = await issueFromRefresh(s, { pool, client, token, scopes: str(body.scope)?.split(' ').filter(Boolean) ?? [] });
    return oauthTokens(tokens);
  } catch (err) {
    if (!(err instanceof RefreshRefused)) throw err;
    if (err.reason === 'reused') {
      s.log.warn({ poolId: pool.id, clientId: client.clientId }, 'rotated refresh token reused: family revoked');
      await s.store.audit.record({ poolId: pool.id, time: now, type: 'refresh.reuse_detected', userId: null, clientId: client.clientId, ip: null, detail: {} });
    }
    if (err.reason === 'scope') throw new GrantError('invalid_scope', err.message);
    if (err.reason === 'user') throw new GrantError('invalid_grant', err.message);
    throw new GrantError('invalid_grant', err.reason === 'wrong_client' ? 'the refresh token was issued to another client' : 'the refresh token is invalid, expired or revoked');
  }
}

async function clientCredentialsGrant(s: Services, pool: Pool, client: AppClient, body: Record<string, unknown>) {
  if (client.secretHash === null || !client.settings.AllowedOAuthFlows.includes('client_credentials'))
    throw new GrantError('unauthorized_client', 'client_credentials is not enabled for this client');
  // Only custom scopes, as Cognito: `<resource>/<scope>`, of a resource server the pool still has.
  const defined = customScopesOf(pool.settings);
  const allowed = client.settings.AllowedOAuthScopes.filter((sc) => defined.has(sc));
  const requested = str(body.scope)?.split(' ').filter(Boolean) ?? allowed;
  if (requested.length === 0 || requested.some((sc) => !allowed.includes(sc))) throw new GrantError('invalid_scope', 'the requested scopes are not allowed for this client');
  const overrides = await preTokenForClient(s.triggers, { pool, clientId: client.clientId, scopes: requested });
  const now = s.now();
  return {
    access_token: await mintClientCredentialsToken(s.keys, { issuer: `${s.publicUrl}/${pool.id}`, pool, client, scopes: requested, ...(overrides ? { overrides } : {}) }, now),
    token_type: 'Bearer',
    expires_in: tokenLifetimes(client.settings).access,
  };
}
