// POST /oauth2/revoke (RFC 7009): revokes a refresh token and everything issued from it. Unknown and
// already revoked tokens answer 200, as the RFC asks; only the client that got the token may revoke it.
import type { Context } from 'koa';
import type { Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { RefreshError } from '../tokens/refresh.js';
import { authenticateClient, ClientAuthError } from './client-auth.js';

export async function revokeEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  try {
    const client = await authenticateClient(ctx, s, pool.id, body);
    const token = body.token;
    if (typeof token !== 'string' || !token) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'token is required' };
      return;
    }
    if (!client.settings.EnableTokenRevocation) {
      ctx.status = 400;
      ctx.body = { error: 'unsupported_token_type', error_description: 'token revocation is disabled for this client' };
      return;
    }
    if (token.split('.').length === 3) {
      ctx.status = 400;
      ctx.body = { error: 'unsupported_token_type', error_description: 'only refresh tokens can be revoked' };
      return;
    }
    await s.refresh.revoke(token, client.clientId, s.now(), pool.id);
    ctx.status = 200;
    ctx.body = '';
  } catch (err) {
    if (err instanceof ClientAuthError) {
      ctx.status = err.error === 'invalid_client' ? 401 : 400;
      if (err.basic) ctx.set('WWW-Authenticate', 'Basic realm="revoke"');
      ctx.body = { error: err.error, error_description: err.message };
    } else if (err instanceof RefreshError) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'the token was issued to another client' };
    } else throw err;
  }
}
