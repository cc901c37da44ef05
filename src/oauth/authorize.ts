// GET /oauth2/authorize: validates the app's request, then answers from the hosted session (single
// sign-on across the pool's clients), sends the browser to the hosted sign-in page, or, for
// prompt=none without a session, back to the app with login_required.
import type { Context } from 'koa';
import type { HostedSession, Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { errorPage } from '../ui/pages.js';
import { currentSession } from '../ui/session.js';
import { pickParams, redirectWith, validateAuthorize, type ValidRequest } from './authorize-request.js';
import { redirectWithCode } from './codes.js';
import { browserBinding, idpResponseUrl } from './idpresponse.js';
import { beginFederation } from '../federation/flow.js';
import { beginSaml } from '../federation/saml.js';
import { SamlError } from '../../providers/saml/types.js';
import { samlProviderFor } from './saml.js';
import { ProviderError } from '../../providers/provider.js';

/**
 * Whether a hosted session may answer this request without asking again: only for a client that
 * accepts the provider the session came from (a COGNITO-only app never gets a federated user's session,
 * nor a SAML-only app a password user's), and only while it is younger than `max_age` (0: never).
 */
export function sessionServes(session: HostedSession, req: ValidRequest, now: number): boolean {
  const via = typeof session.data.via === 'string' ? session.data.via : 'COGNITO';
  if (!req.client.settings.SupportedIdentityProviders.includes(via)) return false;
  const maxAge = req.params.max_age;
  return maxAge === undefined || (Number(maxAge) > 0 && session.authTime + Number(maxAge) >= Math.floor(now / 1000));
}

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
  if ((params.identity_provider !== undefined && params.identity_provider !== 'COGNITO') || params.idp_identifier !== undefined) {
    // By name, or by identifier (an email's domain routes to its company's IdP).
    const named = params.identity_provider !== undefined && params.identity_provider !== 'COGNITO' ? params.identity_provider : undefined;
    const found = await samlProviderFor(s, pool, { ...(named ? { identity_provider: named } : { idp_identifier: params.idp_identifier }) });
    const provider = found && supported.includes(found.name) ? found : null;
    if (!provider)
      return ctx.redirect(redirectWith(params.redirect_uri, { error: 'invalid_request', error_description: `${named ?? params.idp_identifier} is not an identity provider of this client`, state: params.state }));
    const app = { params: { ...params } as Record<string, string>, scopes: req.scopes };
    try {
      const binding = browserBinding(ctx, s, pool.id);
      return ctx.redirect(provider.settings.ProviderType === 'SAML'
        ? await beginSaml(s, pool, provider, app, binding)
        : await beginFederation(s, provider, app, binding, idpResponseUrl(s, pool.id)));
    } catch (err) {
      if (!(err instanceof ProviderError) && !(err instanceof SamlError)) throw err;
      s.log.warn({ poolId: pool.id, provider: provider.name, err: err.message }, 'federated sign-in could not start');
      const unavailable = (err instanceof ProviderError && err.kind === 'unavailable') || err instanceof SamlError;
      return ctx.redirect(redirectWith(params.redirect_uri, { error: unavailable ? 'temporarily_unavailable' : 'server_error', error_description: `${provider.name} is not available`, state: params.state }));
    }
  }
  const prompts = params.prompt?.split(' ') ?? [];
  const current = prompts.includes('login') ? null : await currentSession(ctx, s, pool.id);
  if (current && sessionServes(current.session, req, s.now())) return ctx.redirect(await redirectWithCode(s, pool.id, req, current.user, current.session));
  if (prompts.includes('none'))
    return ctx.redirect(redirectWith(params.redirect_uri, { error: 'login_required', error_description: 'the user is not signed in', state: params.state }));
  const login = new URL(`${s.publicUrl}/${pool.id}/login`);
  for (const [k, value] of Object.entries(params)) if (typeof value === 'string') login.searchParams.set(k, value);
  ctx.redirect(login.toString());
}
