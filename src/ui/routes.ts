// The hosted UI's handlers: sign-in, sign-up, confirmation and password reset. Every page carries the
// app's authorize parameters, so a finished sign-in (or a confirmed new account) continues to the
// app's redirect URI with a code, as on Cognito's hosted UI.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { DirectoryError } from '../directory/errors.js';
import type { SignInContext } from '../native/accounts.js';
import { LimitExceededException, TooManyRequestsException } from '../native/errors.js';
import { sha256 } from '../shared/hashing.js';
import type { Pool, User } from '../directory/types.js';
import { cookiesFor } from '../http/cookies.js';
import { pickParams, validateAuthorize, type AuthorizeParams, type ValidRequest } from '../oauth/authorize-request.js';
import { redirectWithCode } from '../oauth/codes.js';
import type { Services } from '../services.js';
import { checkCsrf, csrfToken } from './csrf.js';
import { confirmPage, errorPage, forgotPage, linkTo, loginPage, resetPage, signUpAttributes, signUpPage, type PageContext } from './pages.js';
import { startSession } from './session.js';

/** Marks the browser that signed up (or proved a password) before confirming, so it continues after. */
const PENDING_COOKIE = 'brk_pending';
const PENDING_MS = 60 * 60_000;

type Form = Record<string, unknown>;
const text = (form: Form, name: string): string => (typeof form[name] === 'string' ? (form[name] as string) : '');

function show(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

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

/** The message a directory or account error shows the user. */
function messageOf(err: unknown): string {
  if (err instanceof DirectoryError) return err.message;
  throw err;
}

/** 429 for the limits (a flood, too many requests), 400 for everything else a user can fix. */
const statusOf = (err: unknown): number =>
  err instanceof TooManyRequestsException || err instanceof LimitExceededException ? 429 : 400;

/** What the account operations need to know of this request: the app, the source, how to answer unknown users. */
const contextOf = (ctx: Context, req: ValidRequest): SignInContext => ({
  clientId: req.client.clientId, ip: ctx.ip, preventUserExistenceErrors: req.client.settings.PreventUserExistenceErrors,
});

async function finishSignIn(ctx: Context, s: Services, pool: Pool, req: ValidRequest, user: User): Promise<void> {
  const session = await startSession(ctx, s, pool.id, user, { via: 'COGNITO' });
  ctx.status = 303; // a POST answered with a redirect to GET
  ctx.redirect(await redirectWithCode(s, pool.id, req, user, session));
}

async function markPending(ctx: Context, s: Services, pool: Pool, user: User): Promise<void> {
  const value = randomBytes(32).toString('base64url');
  const now = s.now();
  await s.store.flows.saveFlow({
    stateHash: sha256(`pending:${value}`), poolId: pool.id, providerName: 'COGNITO', browserHash: sha256(value),
    data: { userId: user.id }, createdAt: now, expiresAt: now + PENDING_MS,
  });
  cookiesFor(ctx, s, pool.id).set(PENDING_COOKIE, value, { sameSite: 'Lax', maxAgeMs: PENDING_MS });
}

/** True (once) when this browser is the one that signed the user up. */
async function takePending(ctx: Context, s: Services, pool: Pool, user: User): Promise<boolean> {
  const cookies = cookiesFor(ctx, s, pool.id);
  const value = cookies.get(PENDING_COOKIE);
  if (!value) return false;
  cookies.clear(PENDING_COOKIE);
  const flow = await s.store.flows.consumeFlow(sha256(`pending:${value}`), s.now());
  return !!flow && flow.poolId === pool.id && flow.data.userId === user.id;
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
  try {
    const user = await s.accounts.signIn(pool, username, text(form, 'password'), contextOf(ctx, req));
    // A temporary password is no way in: the hosted pages have no new-password step yet, so send the
    // user to set one through the reset flow rather than letting the temporary one become permanent.
    if (user.status === 'FORCE_CHANGE_PASSWORD')
      return show(ctx, 400, loginPage({ ...c, error: 'You need to choose a new password. Use “Forgot your password?” to set one.' }, username, await providersOf(s, pool, req)));
    await finishSignIn(ctx, s, pool, req, user);
  } catch (err) {
    if (err instanceof DirectoryError && err.code === 'UserNotConfirmedException') {
      // The password is proven: confirming the account continues this sign-in.
      const user = await s.accounts.findUser(pool, username);
      if (user) await markPending(ctx, s, pool, user);
      return toConfirm(ctx, c, username);
    }
    show(ctx, statusOf(err), loginPage({ ...c, error: messageOf(err) }, username, await providersOf(s, pool, req)));
  }
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
  try {
    const { user, confirmed } = await s.accounts.signUp(pool, { clientId: req.client.clientId, ip: ctx.ip, username, password: text(form, 'password'), attributes });
    if (confirmed) return finishSignIn(ctx, s, pool, req, user);
    await markPending(ctx, s, pool, user);
    toConfirm(ctx, c, username);
  } catch (err) {
    show(ctx, statusOf(err), signUpPage({ ...c, error: messageOf(err) }, { username, ...attributes }));
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
      await s.accounts.resendConfirmationCode(pool, username, contextOf(ctx, req));
      return show(ctx, 200, confirmPage({ ...c, notice: 'If the account is waiting for confirmation, a new code is on its way.' }, username));
    }
    const user = await s.accounts.confirmSignUp(pool, username, text(form, 'code').trim(), {}, contextOf(ctx, req));
    if (await takePending(ctx, s, pool, user)) return finishSignIn(ctx, s, pool, req, user);
    ctx.status = 303;
    ctx.redirect(linkTo(c, '/login', { confirmed: '1', username }));
  } catch (err) {
    show(ctx, statusOf(err), confirmPage({ ...c, error: messageOf(err) }, username));
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
    await s.accounts.forgotPassword(pool, username, contextOf(ctx, req));
    // The same answer whether or not the account exists.
    ctx.status = 303;
    ctx.redirect(linkTo(c, '/confirmForgotPassword', { username }));
  } catch (err) {
    show(ctx, statusOf(err), forgotPage({ ...c, error: messageOf(err) }, username));
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
    await s.accounts.confirmForgotPassword(pool, username, text(form, 'code').trim(), text(form, 'password'), contextOf(ctx, req));
    ctx.status = 303;
    ctx.redirect(linkTo(c, '/login', { reset: '1', username }));
  } catch (err) {
    show(ctx, statusOf(err), resetPage({ ...c, error: messageOf(err) }, username));
  }
}
