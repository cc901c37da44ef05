// GET|POST /oauth2/userInfo (OIDC Core §5.3): the claims of the access token's user, allowed by its
// scopes. Only access tokens carrying `openid`, of a live user, whose sign-in has not been revoked.
import type { Context } from 'koa';
import type { Pool } from '../directory/types.js';
import { issuerOf, type Services } from '../services.js';
import { userInfoClaims } from '../tokens/mint.js';
import { isFamilyActive } from '../tokens/refresh.js';
import { InvalidToken, verifyPoolToken } from '../tokens/verify.js';
import { tokenSubject } from '../tokens/subject.js';

function refuse(ctx: Context, status: 400 | 401, error: string, description: string): void {
  ctx.status = status;
  ctx.set('WWW-Authenticate', `Bearer error="${error}", error_description="${description}"`);
  ctx.body = { error, error_description: description };
}

export async function userInfoEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  const header = ctx.get('authorization');
  const fromHeader = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header)?.[1];
  const fromBody = ctx.method === 'POST' ? (ctx.request.body as Record<string, unknown> | undefined)?.access_token : undefined;
  const token = fromHeader ?? (typeof fromBody === 'string' ? fromBody : undefined);
  if (!token || (fromHeader && fromBody !== undefined)) return refuse(ctx, 400, 'invalid_request', 'Bad OAuth2 request at UserInfo Endpoint');
  const expired = 'Access token is expired, disabled, or deleted, or the user has globally signed out.';
  let payload;
  try {
    payload = await verifyPoolToken(s.keys, token, { issuer: issuerOf(s, pool.id), poolId: pool.id, use: 'access', now: s.now() });
  } catch (err) {
    if (err instanceof InvalidToken) return refuse(ctx, 401, 'invalid_token', expired);
    throw err;
  }
  const scopes = String(payload.scope ?? '').split(' ');
  if (!scopes.includes('openid')) return refuse(ctx, 401, 'invalid_token', 'Access token does not contain openid scope');
  const user = typeof payload.sub === 'string' ? await s.store.users.findUserBySub(pool.id, payload.sub) : null;
  const client = typeof payload.client_id === 'string' ? await s.store.pools.getClient(pool.id, payload.client_id) : null;
  if (!user || !user.enabled || !client || !(await isFamilyActive(s.store, String(payload.origin_jti ?? ''), s.now())))
    return refuse(ctx, 401, 'invalid_token', expired);
  const subject = await tokenSubject(s, pool, client, user, { scopes, authTime: Number(payload.auth_time), originJti: String(payload.origin_jti) });
  ctx.body = userInfoClaims(subject);
}
