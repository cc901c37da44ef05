// GET /oauth2/authorize: validates the app's request, then starts at the identity provider it names,
// answers from the hosted session (single sign-on across the pool's clients), sends the browser to
// the hosted sign-in page, or, for prompt=none without a session, back to the app with login_required.
import type { Context } from 'koa';
import { beginFederated, findSession, fromSession, pickParams, redirectWith, validateAuthorize } from '../auth/index.js';
import type { Pool } from '../directory/types.js';
import { bindingOf, sessionCookie, showPage } from '../http/browser.js';
import type { Services } from '../services.js';
import { errorPage } from '../views/pages.js';
import { oauthAnswerOf } from './errors.js';
import { render } from './render.js';

export async function authorizeEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const v = await validateAuthorize(pickParams(ctx.query), (id) => s.store.pools.getClient(pool.id, id));
  if (!v.ok) {
    // Never redirect to an unverified URI: an error page instead (RFC 6749 §4.1.2.1).
    if (!v.redirect) return showPage(ctx, 400, errorPage(pool.settings.PoolName, v.message));
    return ctx.redirect(redirectWith(v.params.redirect_uri, { error: v.error, error_description: v.description, state: v.params.state }));
  }
  const req = v.request;
  const { params } = req;
  if ((params.identity_provider !== undefined && params.identity_provider !== 'COGNITO') || params.idp_identifier !== undefined) {
    const result = await beginFederated(s, { pool, request: req, binding: bindingOf(ctx, s, pool.id) });
    if (result.kind !== 'failed') return render(ctx, s, pool, result);
    // Nothing was shown yet: every refusal goes straight back to the app.
    const answer = oauthAnswerOf(result.error, result.provider);
    const description = result.provider ? `${result.provider} is not available` : answer.description;
    return ctx.redirect(redirectWith(params.redirect_uri, { error: answer.error, error_description: description, state: params.state }));
  }
  const prompts = params.prompt?.split(' ') ?? [];
  const current = prompts.includes('login') ? null : await findSession(s, pool.id, sessionCookie(ctx, s, pool.id));
  const sso = await fromSession(s, { pool, request: req, current, ip: ctx.ip });
  if (sso) return render(ctx, s, pool, sso);
  if (prompts.includes('none'))
    return ctx.redirect(redirectWith(params.redirect_uri, { error: 'login_required', error_description: 'the user is not signed in', state: params.state }));
  const login = new URL(`${s.publicUrl}/${pool.id}/login`);
  for (const [k, value] of Object.entries(params)) if (typeof value === 'string') login.searchParams.set(k, value);
  ctx.redirect(login.toString());
}
