// The hosted UI's handlers: sign-in, sign-up, confirmation and password reset. Every page carries the
// app's authorize parameters, so a finished sign-in (or a confirmed new account) continues to the
// app's redirect URI with a code, as on Cognito's hosted UI.
import type { Context } from 'koa';
import {
  accountContext, afterSignUp, answerConfirmation, answerHostedMfa, isRefusal, startHostedCodeSignIn, startHostedPasskeySignIn, pickParams, signInWithPassword, validateAuthorize,
  type AuthResult, type AuthorizeParams, type ValidRequest,
} from '../auth/index.js';
import type { Pool } from '../directory/types.js';
import { browserOf, setChallenge, setSession, showPage as show, takeChallenge } from '../http/browser.js';
import type { Services } from '../services.js';
import { qrSvg } from '../views/qr.js';
import {
  confirmPage, errorPage, forgotPage, linkTo, loginPage, mfaPage, passkeyPage, recoveryCodesPage, resetPage, signUpAttributes, signUpPage, type MfaPrompt, type PageContext,
} from '../views/pages.js';
import { checkCsrf, csrfToken } from './csrf.js';
import { pageStatusOf } from './errors.js';

type Form = Record<string, unknown>;
const text = (form: Form, name: string): string => (typeof form[name] === 'string' ? (form[name] as string) : '');

/** Validates the authorize parameters a page carries; renders the error page when they are unusable. */
async function requestOf(ctx: Context, s: Services, pool: Pool, source: Form, allowWithoutNative = false): Promise<ValidRequest | null> {
  const v = await validateAuthorize(pickParams(source), (id) => s.store.pools.getClient(pool.id, id));
  if (v.ok && (allowWithoutNative || v.request.client.settings.SupportedIdentityProviders.includes('COGNITO'))) return v.request;
  show(ctx, 400, errorPage(pool.settings.PoolName, v.ok ? 'This app does not offer sign-in with a username and password.'
    : v.redirect ? `The sign-in request is not valid: ${v.description}.` : v.message));
  return null;
}

async function pageContext(ctx: Context, s: Services, pool: Pool, params: Partial<AuthorizeParams>, extra: Partial<PageContext> = {}): Promise<PageContext> {
  return { pool, basePath: `/${pool.id}`, params, csrf: await csrfToken(ctx, s, pool.id), ...extra };
}

/** A refused form post: cross-site or without this browser's token. Nothing is done. */
function refuseCsrf(ctx: Context, pool: Pool): void {
  show(ctx, 403, errorPage(pool.settings.PoolName, 'This form was not sent from this site, or it has expired. Go back, reload the page and try again.'));
}

/** A refused account operation on a page: its status from the table, its own message. Anything else goes to the boundary. */
function refusal(err: unknown): { status: number; message: string } {
  if (!isRefusal(err)) throw err;
  return { status: pageStatusOf(err), message: err.message };
}

/**
 * Renders a sign-in result on the hosted pages: signed in goes back to the app with a code (303: a
 * POST answered with a redirect to GET); a pending confirmation marks this browser and goes to the
 * confirmation page; a refusal shows `again` with the message.
 */
async function renderSignIn(ctx: Context, s: Services, pool: Pool, c: PageContext, username: string, result: AuthResult, again: (error: string, status: number) => Promise<void>): Promise<void> {
  switch (result.kind) {
    case 'authenticated':
      if (result.session) setSession(ctx, s, pool.id, result.session);
      // Recovery codes just made are shown this once; the page's link goes on to the app.
      if (result.recoveryCodes) return show(ctx, 200, recoveryCodesPage(pool.settings.PoolName, result.recoveryCodes, result.to));
      ctx.status = 303;
      return ctx.redirect(result.to);
    case 'challenge':
      if (result.name === 'CONFIRM_SIGN_UP') {
        setChallenge(ctx, s, pool.id, result.session);
        return toConfirm(ctx, c, username);
      }
      if (result.name === 'WEB_AUTHN') {
        setChallenge(ctx, s, pool.id, result.session);
        return show(ctx, 200, passkeyPage(c, {
          action: '/mfa', kind: 'get', options: result.parameters.CREDENTIAL_REQUEST_OPTIONS ?? '{}', title: 'Sign in with your passkey', submit: 'Use my passkey', extra: { challenge: 'WEB_AUTHN' },
        }));
      }
      if (MFA_PAGES.has(result.name)) {
        setChallenge(ctx, s, pool.id, result.session);
        const p = result.parameters;
        return show(ctx, 200, mfaPage(c, await mfaPrompt({
          challenge: result.name, destination: p.CODE_DELIVERY_DESTINATION, secret: p.SECRET_CODE, uri: p.OTPAUTH_URI,
          choices: p.MFAS_CAN_CHOOSE ? (JSON.parse(p.MFAS_CAN_CHOOSE) as string[]) : undefined,
        })));
      }
      // The hosted pages have no new-password step yet: the reset flow sets one, rather than letting the temporary one become permanent.
      return again('You need to choose a new password. Use “Forgot your password?” to set one.', 400);
    case 'redirect':
      ctx.status = 303;
      return ctx.redirect(result.to);
    case 'failed':
      return again(result.error.message, pageStatusOf(result.error));
  }
}

const MFA_PAGES = new Set(['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'EMAIL_OTP', 'SELECT_MFA_TYPE', 'MFA_SETUP']);

/** An MFA page's prompt, the QR code of an authenticator secret drawn here (an inline SVG: no outside asset). */
async function mfaPrompt(p: MfaPrompt): Promise<MfaPrompt> {
  return p.uri ? { ...p, qr: await qrSvg(p.uri) } : p;
}

/** A hosted form's post: CSRF-checked, its authorize parameters valid; null when a page was already answered. */
async function postedForm(ctx: Context, s: Services, pool: Pool): Promise<{ form: Form; req: ValidRequest; c: PageContext; username: string } | null> {
  const form = (ctx.request.body ?? {}) as Form;
  if (!(await checkCsrf(ctx, s, pool.id))) {
    refuseCsrf(ctx, pool);
    return null;
  }
  const req = await requestOf(ctx, s, pool, form);
  if (!req) return null;
  return { form, req, c: await pageContext(ctx, s, pool, req.params), username: text(form, 'username').trim() };
}

function toConfirm(ctx: Context, c: PageContext, username: string): void {
  ctx.status = 303;
  ctx.redirect(linkTo(c, '/confirmUser', { username }));
}

/** The client's identity providers that exist, for the sign-in buttons. */
async function providersOf(s: Services, pool: Pool, req: ValidRequest): Promise<{ name: string; type: string; identifiers: boolean }[]> {
  const names = req.client.settings.SupportedIdentityProviders.filter((n) => n !== 'COGNITO');
  const found = await Promise.all(names.map((n) => s.store.pools.getProvider(pool.id, n)));
  return found.filter((p) => p !== null).map((p) => ({ name: p.name, type: p.settings.ProviderType, identifiers: p.settings.IdpIdentifiers.length > 0 }));
}

export async function loginGet(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const req = await requestOf(ctx, s, pool, ctx.query, true);
  if (!req) return;
  const notice = ctx.query.confirmed === '1' ? 'Your account is confirmed. Sign in to continue.' : ctx.query.reset === '1' ? 'Your password has been changed. Sign in with it.' : null;
  const native = req.client.settings.SupportedIdentityProviders.includes('COGNITO');
  show(ctx, 200, loginPage(await pageContext(ctx, s, pool, req.params, { notice }), typeof ctx.query.username === 'string' ? ctx.query.username : '', await providersOf(s, pool, req), native));
}

export async function loginPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { form, req, c, username } = posted;
  const { ip, session } = browserOf(ctx, s, pool.id);
  const result = await signInWithPassword(s, { pool, request: req, username, password: text(form, 'password'), ip, previousSession: session });
  await renderSignIn(ctx, s, pool, c, username, result, async (error, status) =>
    show(ctx, status, loginPage({ ...c, error }, username, await providersOf(s, pool, req))));
}

/** "Sign in with a passkey": the passkey page, whatever the name (see startHostedPasskeySignIn). */
export async function loginPasskeyPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { req, c, username } = posted;
  await renderSignIn(ctx, s, pool, c, username, await startHostedPasskeySignIn(s, { pool, request: req, username }), async (error, status) => show(ctx, status, loginPage({ ...c, error }, username, await providersOf(s, pool, req))));
}

/** "Email me a code": the code prompt, whatever the name (see startHostedCodeSignIn). */
export async function loginCodePost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { req, c, username } = posted;
  const { ip, session } = browserOf(ctx, s, pool.id);
  const result = await startHostedCodeSignIn(s, { pool, request: req, username, ip, previousSession: session });
  await renderSignIn(ctx, s, pool, c, username, result, async (error, status) => show(ctx, status, loginPage({ ...c, error }, username, await providersOf(s, pool, req))));
}

/** The MFA prompt's answer: a code (or recovery code), or the factor chosen. A wrong code shows the same prompt again. */
export async function mfaPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { form, req, c } = posted;
  const { ip, session } = browserOf(ctx, s, pool.id);
  const handle = takeChallenge(ctx, s, pool.id);
  const result = await answerHostedMfa(s, { pool, request: req, session: handle, answer: (text(form, 'credential') || text(form, 'answer') || text(form, 'code')).trim(), ip, previousSession: session });
  const shown: MfaPrompt = {
    challenge: text(form, 'challenge'), destination: text(form, 'destination') || undefined, secret: text(form, 'secret') || undefined,
    uri: text(form, 'uri') || undefined, choices: text(form, 'choices') ? text(form, 'choices').split(' ') : undefined,
  };
  await renderSignIn(ctx, s, pool, c, '', result, async (error, status) => {
    if (!('retry' in result) || !handle) return show(ctx, status, loginPage({ ...c, error }, '', await providersOf(s, pool, req)));
    setChallenge(ctx, s, pool.id, handle);
    show(ctx, status, mfaPage({ ...c, error }, await mfaPrompt(shown)));
  });
}

export async function signUpGet(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const req = await requestOf(ctx, s, pool, ctx.query);
  if (!req) return;
  if (pool.settings.AdminCreateUserConfig.AllowAdminCreateUserOnly)
    return show(ctx, 403, errorPage(pool.settings.PoolName, 'Sign-up is not open for this app. Ask your administrator for an account.'));
  show(ctx, 200, signUpPage(await pageContext(ctx, s, pool, req.params)));
}

export async function signUpPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { form, req, c, username } = posted;
  if (pool.settings.AdminCreateUserConfig.AllowAdminCreateUserOnly)
    return show(ctx, 403, errorPage(pool.settings.PoolName, 'Sign-up is not open for this app. Ask your administrator for an account.'));
  const attributes: Record<string, string> = {};
  for (const a of signUpAttributes(pool)) if (text(form, a.name).trim()) attributes[a.name] = text(form, a.name).trim();
  const again = async (error: string, status: number) => show(ctx, status, signUpPage({ ...c, error }, { username, ...attributes }));
  try {
    const { user, confirmed } = await s.accounts.signUp(pool, { clientId: req.client.clientId, ip: ctx.ip, username, password: text(form, 'password'), attributes });
    const { ip, session } = browserOf(ctx, s, pool.id);
    await renderSignIn(ctx, s, pool, c, username, await afterSignUp(s, { pool, request: req, user, confirmed, ip, previousSession: session }), again);
  } catch (err) {
    const { status, message } = refusal(err);
    await again(message, status);
  }
}

export async function confirmGet(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const req = await requestOf(ctx, s, pool, ctx.query);
  if (!req) return;
  const username = typeof ctx.query.username === 'string' ? ctx.query.username : '';
  show(ctx, 200, confirmPage(await pageContext(ctx, s, pool, req.params, { notice: username ? 'We sent you a verification code. Enter it below.' : null }), username));
}

export async function confirmPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { form, req, c, username } = posted;
  try {
    if (form.resend === '1') {
      await s.accounts.resendConfirmationCode(pool, username, accountContext(req.client, ctx.ip));
      return show(ctx, 200, confirmPage({ ...c, notice: 'If the account is waiting for confirmation, a new code is on its way.' }, username));
    }
    const user = await s.accounts.confirmSignUp(pool, username, text(form, 'code').trim(), {}, accountContext(req.client, ctx.ip));
    // The browser whose sign-in stopped for this confirmation goes on signed in; any other signs in anew.
    const { ip, session } = browserOf(ctx, s, pool.id);
    const continued = await answerConfirmation(s, { pool, request: req, session: takeChallenge(ctx, s, pool.id), user, ip, previousSession: session });
    if (continued) return renderSignIn(ctx, s, pool, c, username, continued, async (error, status) => show(ctx, status, confirmPage({ ...c, error }, username)));
    ctx.status = 303;
    ctx.redirect(linkTo(c, '/login', { confirmed: '1', username }));
  } catch (err) {
    const { status, message } = refusal(err);
    show(ctx, status, confirmPage({ ...c, error: message }, username));
  }
}

export async function forgotGet(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const req = await requestOf(ctx, s, pool, ctx.query);
  if (!req) return;
  show(ctx, 200, forgotPage(await pageContext(ctx, s, pool, req.params)));
}

export async function forgotPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { form, req, c, username } = posted;
  try {
    await s.accounts.forgotPassword(pool, username, accountContext(req.client, ctx.ip));
    // The same answer whether or not the account exists.
    ctx.status = 303;
    ctx.redirect(linkTo(c, '/confirmForgotPassword', { username }));
  } catch (err) {
    const { status, message } = refusal(err);
    show(ctx, status, forgotPage({ ...c, error: message }, username));
  }
}

export async function resetGet(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const req = await requestOf(ctx, s, pool, ctx.query);
  if (!req) return;
  const username = typeof ctx.query.username === 'string' ? ctx.query.username : '';
  show(ctx, 200, resetPage(await pageContext(ctx, s, pool, req.params, { notice: 'If the account exists, we sent it a reset code.' }), username));
}

export async function resetPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const posted = await postedForm(ctx, s, pool);
  if (!posted) return;
  const { form, req, c, username } = posted;
  try {
    await s.accounts.confirmForgotPassword(pool, username, text(form, 'code').trim(), text(form, 'password'), accountContext(req.client, ctx.ip));
    ctx.status = 303;
    ctx.redirect(linkTo(c, '/login', { reset: '1', username }));
  } catch (err) {
    const { status, message } = refusal(err);
    show(ctx, status, resetPage({ ...c, error: message }, username));
  }
}
