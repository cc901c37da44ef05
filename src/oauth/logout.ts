// GET /logout: ends the hosted session, then goes to a registered logout URL (logout_uri), or back to
// the sign-in page for a new authorization request (redirect_uri + response_type), as Cognito does.
import type { Context } from 'koa';
import type { Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { errorPage, signedOutPage } from '../ui/pages.js';
import { endSession } from '../ui/session.js';
import { pickParams, validateAuthorize } from './authorize-request.js';

export async function logoutEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const q = ctx.query as Record<string, unknown>;
  const clientId = typeof q.client_id === 'string' ? q.client_id : undefined;
  const client = clientId ? await s.store.pools.getClient(pool.id, clientId) : null;
  const page = (status: number, body: string) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = body;
  };
  if (!client) return page(400, errorPage(pool.settings.PoolName, 'The app (client_id) is not known to this pool.'));
  const logoutUri = typeof q.logout_uri === 'string' ? q.logout_uri : undefined;
  if (logoutUri !== undefined) {
    if (!client.settings.LogoutURLs.includes(logoutUri)) return page(400, errorPage(pool.settings.PoolName, 'The logout_uri is not registered for this app.'));
    await endSession(ctx, s, pool.id);
    return ctx.redirect(logoutUri);
  }
  if (typeof q.redirect_uri === 'string') {
    const v = await validateAuthorize(pickParams(q), async () => client);
    if (!v.ok && !v.redirect) return page(400, errorPage(pool.settings.PoolName, v.message));
    await endSession(ctx, s, pool.id);
    const login = new URL(`${s.publicUrl}/${pool.id}/login`);
    for (const [k, value] of Object.entries(pickParams(q))) if (typeof value === 'string') login.searchParams.set(k, value);
    return ctx.redirect(login.toString());
  }
  await endSession(ctx, s, pool.id);
  page(200, signedOutPage(pool.settings.PoolName));
}
