// GET /logout: ends the hosted session, then goes to a registered logout URL (logout_uri), or back to
// the sign-in page for a new authorization request (redirect_uri + response_type), as Cognito does.
import type { Context } from 'koa';
import type { Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { errorPage, signedOutPage } from '../ui/pages.js';
import { currentSession, endSession } from '../ui/session.js';
import { randomBytes } from 'node:crypto';
import { sha256 } from '../shared/hashing.js';
import { spConfigOf } from '../federation/saml.js';
import { logoutRequestUrl } from '../../providers/saml/requests.js';
import { pickParams, validateAuthorize } from './authorize-request.js';

/**
 * Single logout: when the session came from a SAML IdP with IDPSignout, a signed LogoutRequest goes to
 * the IdP, which answers at ISS/saml2/logout; that answer continues to the app's logout URL.
 */
async function samlSignOut(ctx: Context, s: Services, pool: Pool, logoutUri: string): Promise<string | null> {
  const current = await currentSession(ctx, s, pool.id);
  const data = current?.session.data as { via?: string; nameId?: string; nameIdFormat?: string | null; sessionIndex?: string | null } | undefined;
  if (!data?.via || !data.nameId) return null;
  const provider = await s.store.pools.getProvider(pool.id, data.via);
  if (provider?.settings.ProviderType !== 'SAML' || provider.settings.ProviderDetails.IDPSignout !== 'true') return null;
  try {
    const relayState = randomBytes(32).toString('base64url');
    const now = s.now();
    const { url, requestId } = logoutRequestUrl(await spConfigOf(s, pool), await s.samlMetadata.get(provider), {
      nameId: data.nameId, nameIdFormat: data.nameIdFormat ?? null, sessionIndex: data.sessionIndex ?? null, relayState, now,
    });
    await s.store.flows.saveFlow({ stateHash: sha256(relayState), poolId: pool.id, providerName: provider.name, browserHash: '-', data: { logoutRequestId: requestId, logoutUri }, createdAt: now, expiresAt: now + 10 * 60_000 });
    return url;
  } catch (err) {
    // The IdP cannot be told: sign out here anyway.
    s.log.warn({ poolId: pool.id, provider: provider.name, err: (err as Error).message }, 'SAML single logout could not start');
    return null;
  }
}

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
    const viaIdp = await samlSignOut(ctx, s, pool, logoutUri);
    await endSession(ctx, s, pool.id);
    return ctx.redirect(viaIdp ?? logoutUri);
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
