// GET /oauth2/authorize: validates the app's request, then answers from the hosted session (single
// sign-on across the pool's clients), sends the browser to the hosted sign-in page, or, for
// prompt=none without a session, back to the app with login_required.
import type { Context } from 'koa';
import type { Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { errorPage } from '../ui/pages.js';
import { currentSession } from '../ui/session.js';
import { pickParams, redirectWith, validateAuthorize } from './authorize-request.js';
import { redirectWithCode } from './codes.js';
import { browserBinding, idpResponseUrl } from './idpresponse.js';
import { beginFederation } from '../federation/flow.js';
import { ProviderError } from '../../providers/provider.js';

export async function authorizeEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const v = await validateAuthorize(pickParams(ctx.query), (id) => s.store.pools.getClient(pool.id, id));
  if (!v.ok) {
    if (!v.redirect) {
      // Never redirect to an unverified URI: an error page instead (RFC 6749 §4.1.2.1).
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = errorPage(pool.settings.PoolName, v.message);
      return;
    }
    return ctx.redirect(redirectWith(v.params.redirect_uri, { error: v.error, error_description: v.description, state: v.params.state }));
  }
  const req = v.request;
  const { params } = req;
  const supported = req.client.settings.SupportedIdentityProviders;
  const providerName = params.identity_provider;
  if (providerName !== undefined && providerName !== 'COGNITO') {
    const provider = supported.includes(providerName) ? await s.store.pools.getProvider(pool.id, providerName) : null;
    if (!provider)
      return ctx.redirect(redirectWith(params.redirect_uri, { error: 'invalid_request', error_description: `${providerName} is not an identity provider of this client`, state: params.state }));
    if (provider.settings.ProviderType === 'SAML')
      return ctx.redirect(redirectWith(params.redirect_uri, { error: 'temporarily_unavailable', error_description: 'SAML sign-in is not available yet', state: params.state }));
    try {
      const app = { params: { ...params } as Record<string, string>, scopes: req.scopes };
      return ctx.redirect(await beginFederation(s, provider, app, browserBinding(ctx, s, pool.id), idpResponseUrl(s, pool.id)));
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      s.log.warn({ poolId: pool.id, provider: providerName, err: err.message }, 'federated sign-in could not start');
      return ctx.redirect(redirectWith(params.redirect_uri, { error: err.kind === 'unavailable' ? 'temporarily_unavailable' : 'server_error', error_description: `${providerName} is not available`, state: params.state }));
    }
  }
  const prompts = params.prompt?.split(' ') ?? [];
  const current = prompts.includes('login') ? null : await currentSession(ctx, s, pool.id);
  if (current) return ctx.redirect(await redirectWithCode(s, pool.id, req, current.user, current.session));
  if (prompts.includes('none'))
    return ctx.redirect(redirectWith(params.redirect_uri, { error: 'login_required', error_description: 'the user is not signed in', state: params.state }));
  const login = new URL(`${s.publicUrl}/${pool.id}/login`);
  for (const [k, value] of Object.entries(params)) if (typeof value === 'string') login.searchParams.set(k, value);
  ctx.redirect(login.toString());
}
