// GET /logout: ends the hosted session, then goes to a registered logout URL (logout_uri), by way of
// the SAML IdP's single logout when the session came from one; or back to the sign-in page for a new
// authorization request (redirect_uri + response_type), as Cognito does.
import type { Context } from 'koa';
import { pickParams, signOut, validateAuthorize } from '../auth/index.js';
import type { Pool } from '../directory/types.js';
import { clearSession, sessionCookie, showPage } from '../http/browser.js';
import type { Services } from '../services.js';
import { errorPage, signedOutPage } from '../views/pages.js';

export async function logoutEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const q = ctx.query as Record<string, unknown>;
  const clientId = typeof q.client_id === 'string' ? q.client_id : undefined;
  const client = clientId ? await s.store.pools.getClient(pool.id, clientId) : null;
  if (!client) return showPage(ctx, 400, errorPage(pool.settings.PoolName, 'The app (client_id) is not known to this pool.'));
  const end = async (logoutUri: string | null) => {
    const session = sessionCookie(ctx, s, pool.id);
    const { to } = await signOut(s, { pool, client, logoutUri, session, ip: ctx.ip });
    if (session) clearSession(ctx, s, pool.id);
    return to;
  };
  const logoutUri = typeof q.logout_uri === 'string' ? q.logout_uri : undefined;
  if (logoutUri !== undefined) {
    if (!client.settings.LogoutURLs.includes(logoutUri)) return showPage(ctx, 400, errorPage(pool.settings.PoolName, 'The logout_uri is not registered for this app.'));
    return ctx.redirect((await end(logoutUri)) ?? logoutUri);
  }
  if (typeof q.redirect_uri === 'string') {
    const v = await validateAuthorize(pickParams(q), async () => client);
    if (!v.ok && !v.redirect) return showPage(ctx, 400, errorPage(pool.settings.PoolName, v.message));
    await end(null);
    const login = new URL(`${s.publicUrl}/${pool.id}/login`);
    for (const [k, value] of Object.entries(pickParams(q))) if (typeof value === 'string') login.searchParams.set(k, value);
    return ctx.redirect(login.toString());
  }
  await end(null);
  showPage(ctx, 200, signedOutPage(pool.settings.PoolName));
}
