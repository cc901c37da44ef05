// The hosted UI: server-rendered sign-in, MFA, sign-up, confirmation and password-reset pages of a pool,
// with CSRF tokens on every form and headers that forbid framing.
import Router from '@koa/router';
import { loadPool, poolOf } from '../http/pool.js';
import { pageHeaders } from '../http/security-headers.js';
import { secureCookies, type Services } from '../services.js';
import { mfaSettingsGet, mfaSettingsPost } from './mfa-settings.js';
import { confirmGet, confirmPost, forgotGet, forgotPost, loginCodePost, loginGet, loginPasskeyPost, loginPost, mfaPost, resetGet, resetPost, signUpGet, signUpPost } from './routes.js';

export function uiRouter(s: Services): Router {
  const r = new Router({ prefix: '/:poolId' });
  r.use(loadPool(s), pageHeaders(secureCookies(s)));
  r.get('/login', (ctx) => loginGet(ctx, s, poolOf(ctx)));
  r.post('/login', (ctx) => loginPost(ctx, s, poolOf(ctx)));
  r.post('/loginPasskey', (ctx) => loginPasskeyPost(ctx, s, poolOf(ctx)));
  r.post('/loginCode', (ctx) => loginCodePost(ctx, s, poolOf(ctx)));
  r.get('/mfaSettings', (ctx) => mfaSettingsGet(ctx, s, poolOf(ctx)));
  r.post('/mfaSettings', (ctx) => mfaSettingsPost(ctx, s, poolOf(ctx)));
  r.post('/mfa', (ctx) => mfaPost(ctx, s, poolOf(ctx)));
  r.get('/signup', (ctx) => signUpGet(ctx, s, poolOf(ctx)));
  r.post('/signup', (ctx) => signUpPost(ctx, s, poolOf(ctx)));
  r.get('/confirmUser', (ctx) => confirmGet(ctx, s, poolOf(ctx)));
  r.post('/confirmUser', (ctx) => confirmPost(ctx, s, poolOf(ctx)));
  r.get('/forgotPassword', (ctx) => forgotGet(ctx, s, poolOf(ctx)));
  r.post('/forgotPassword', (ctx) => forgotPost(ctx, s, poolOf(ctx)));
  r.get('/confirmForgotPassword', (ctx) => resetGet(ctx, s, poolOf(ctx)));
  r.post('/confirmForgotPassword', (ctx) => resetPost(ctx, s, poolOf(ctx)));
  return r;
}
