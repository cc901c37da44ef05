// How the OAuth endpoints render the auth core's results for a browser: on to where it says, back to
// the app with a code and the new session's cookie, or a refusal as the table in errors.ts says.
import type { Context } from 'koa';
import { redirectWith, type AuthResult } from '../auth/index.js';
import type { Pool } from '../directory/types.js';
import { setSession, showPage } from '../http/browser.js';
import type { Services } from '../services.js';
import { errorPage, failurePage } from '../views/pages.js';
import { oauthAnswerOf } from './errors.js';

/** `status` for redirects: 303 where a POST is answered (a form or an IdP's post), else 302. */
export function render(ctx: Context, s: Services, pool: Pool, result: AuthResult, status: 302 | 303 = 302): void {
  switch (result.kind) {
    case 'redirect':
      ctx.status = status;
      return ctx.redirect(result.to);
    case 'authenticated':
      if (result.session) setSession(ctx, s, pool.id, result.session);
      ctx.status = status;
      return ctx.redirect(result.to);
    case 'challenge': // no OAuth entrance stops at a challenge: the hosted pages answer those
      return showPage(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-in cannot continue here. Start again from the app.'));
    case 'failed': {
      const answer = oauthAnswerOf(result.error, result.provider);
      if (!result.app) return showPage(ctx, answer.status, errorPage(pool.settings.PoolName, answer.description));
      if (answer.redirect) return ctx.redirect(redirectWith(result.app.redirect_uri, { error: answer.error, error_description: answer.description, state: result.app.state }));
      return showPage(ctx, answer.status, failurePage(pool.settings.PoolName, result.app, answer.error, answer.description));
    }
  }
}
