// The hosted pages: forms with labelled fields under fixed names (username, password, code, attribute
// names; whatever drives the pages posts them by name, so the names are part of the external surface),
// the authorize parameters carried along in hidden fields, and a CSRF token.
import type { Pool } from '../directory/types.js';
import { redirectWith, type AuthorizeParams } from '../auth/app-request.js';
import { hidden, html, Html, page } from './html.js';
import { PASSKEY_SCRIPT } from './scripts.js';

export interface PageContext {
  pool: Pool;
  basePath: string; // `/<poolId>`
  params: Partial<AuthorizeParams>;
  csrf: string;
  error?: string | null;
  notice?: string | null;
}

const query = (p: Partial<AuthorizeParams>, extra: Record<string, string> = {}) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...p, ...extra })) if (typeof v === 'string') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const linkTo = (c: PageContext, path: string, extra: Record<string, string> = {}) => `${c.basePath}${path}${query(c.params, extra)}`;

const usernameIsEmail = (pool: Pool) => pool.settings.UsernameAttributes?.includes('email') ?? false;
const usernameLabel = (pool: Pool) => (usernameIsEmail(pool) ? 'Email' : pool.settings.AliasAttributes?.includes('email') ? 'Username or email' : 'Username');

function form(c: PageContext, action: string, fields: Html, submit: string, extra: Record<string, string | undefined> = {}, secondary = false): Html {
  return html`<form method="post" action="${c.basePath}${action}" novalidate>
${hidden({ ...c.params, ...extra, _csrf: c.csrf })}${fields}
<button type="submit"${secondary ? html` class="alt"` : ''}>${submit}</button></form>`;
}

const field = (name: string, label: string, o: { type?: string; value?: string; autocomplete?: string; hint?: string; required?: boolean; id?: string } = {}) =>
  html`<label for="${o.id ?? `f-${name}`}">${label}</label><input id="${o.id ?? `f-${name}`}" name="${name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${
    o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.required === false ? '' : html` required`}${
    o.type === 'text' || !o.type ? html` autocapitalize="none" spellcheck="false"` : ''}>${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}`;

/** How each provider asks, in its own usual wording. */
export function providerButtonText(name: string, type: string): string {
  switch (type) {
    case 'Google': return 'Continue with Google';
    case 'Facebook': return 'Continue with Facebook';
    case 'LoginWithAmazon': return 'Login with Amazon';
    case 'SignInWithApple': return 'Sign in with Apple';
    default: return `Sign in with ${name}`;
  }
}

/** Company sign-in by email: the domain picks the SAML IdP (a GET to authorize with idp_identifier). */
function workEmailForm(c: PageContext): Html {
  const { idp_identifier: _ignored, identity_provider: _too, ...params } = c.params;
  return html`<form method="get" action="${c.basePath}/oauth2/authorize">${hidden(params)}
<label for="f-idp">Work email</label><input id="f-idp" name="idp_identifier" type="email" autocomplete="email" required>
<button type="submit" class="alt">Sign in with your company</button></form>`;
}

export function loginPage(c: PageContext, username = '', providers: { name: string; type: string; identifiers?: boolean }[] = [], native = true): string {
  const emailish = usernameIsEmail(c.pool);
  const sso = providers.some((p) => p.type === 'SAML' && p.identifiers);
  const buttons = html`${providers.filter((p) => !(p.type === 'SAML' && p.identifiers)).map((p) => html`<p><a class="idp" href="${c.basePath}/oauth2/authorize${query({ ...c.params, identity_provider: p.name })}">${providerButtonText(p.name, p.type)}</a></p>`)}${sso ? workEmailForm(c) : ''}`;
  if (!native)
    return page({ title: 'Sign in', poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice, body: html`${buttons}` });
  return page({
    title: 'Sign in', poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice,
    body: html`${buttons}${providers.length ? html`<p class="or">or</p>` : ''}${form(c, '/login', html`${field('username', usernameLabel(c.pool), { type: emailish ? 'email' : 'text', value: username, autocomplete: 'username' })}
${field('password', 'Password', { type: 'password', autocomplete: 'current-password' })}`, 'Sign in')}
${c.pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.includes('WEB_AUTHN') ? html`<p class="or">or</p>${form(c, '/loginPasskey', field('username', usernameLabel(c.pool), { type: emailish ? 'email' : 'text', value: username, autocomplete: 'username webauthn', id: 'f-passkey-username' }), 'Sign in with a passkey', {}, true)}` : ''}
${c.pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.includes('EMAIL_OTP') ? html`<p class="or">or, without a password</p>${form(c, '/loginCode', field('username', usernameLabel(c.pool), { type: emailish ? 'email' : 'text', value: username, autocomplete: 'username', id: 'f-code-username' }), 'Email me a sign-in code', {}, true)}` : ''}
<p class="links"><a href="${linkTo(c, '/forgotPassword')}">Forgot your password?</a><br>
New here? <a href="${linkTo(c, '/signup')}">Create an account</a></p>`,
  });
}

/** Required attributes the sign-up form asks for (besides the username and password). */
export function signUpAttributes(pool: Pool): { name: string; label: string; type: string }[] {
  const out: { name: string; label: string; type: string }[] = [];
  const labels: Record<string, string> = { email: 'Email', phone_number: 'Phone number', name: 'Full name', given_name: 'First name', family_name: 'Last name' };
  for (const a of pool.settings.Schema) {
    if (!a.Required) continue;
    if (a.Name === 'email' && usernameIsEmail(pool)) continue;
    if (a.Name === 'phone_number' && pool.settings.UsernameAttributes?.includes('phone_number')) continue;
    out.push({ name: a.Name, label: labels[a.Name] ?? a.Name.replace(/_/g, ' '), type: a.Name === 'email' ? 'email' : a.Name === 'phone_number' ? 'tel' : 'text' });
  }
  if (!usernameIsEmail(pool) && !out.some((a) => a.name === 'email') && (pool.settings.AutoVerifiedAttributes.includes('email') || pool.settings.AliasAttributes?.includes('email')))
    out.push({ name: 'email', label: 'Email', type: 'email' });
  return out;
}

export function signUpPage(c: PageContext, values: Record<string, string> = {}): string {
  const attributes = signUpAttributes(c.pool);
  const policy = c.pool.settings.Policies.PasswordPolicy;
  return page({
    title: 'Create an account', poolName: c.pool.settings.PoolName, error: c.error,
    body: html`${form(c, '/signup', html`${field('username', usernameIsEmail(c.pool) ? 'Email' : 'Username', { type: usernameIsEmail(c.pool) ? 'email' : 'text', value: values.username, autocomplete: usernameIsEmail(c.pool) ? 'email' : 'username' })}
${attributes.map((a) => field(a.name, a.label, { type: a.type, value: values[a.name], autocomplete: a.name === 'email' ? 'email' : a.name === 'phone_number' ? 'tel' : undefined }))}
${field('password', 'Password', { type: 'password', autocomplete: 'new-password', hint: `At least ${policy.MinimumLength} characters.` })}`, 'Sign up')}
<p class="links">Have an account? <a href="${linkTo(c, '/login')}">Sign in</a></p>`,
  });
}

export function confirmPage(c: PageContext, username: string, destination?: string): string {
  return page({
    title: 'Confirm your account', poolName: c.pool.settings.PoolName, error: c.error,
    notice: c.notice ?? (destination ? `We sent a code to ${destination}.` : null),
    body: html`${form(c, '/confirmUser', html`${field('username', usernameLabel(c.pool), { value: username, autocomplete: 'username' })}
${field('code', 'Verification code', { value: '', autocomplete: 'one-time-code', type: 'text' })}`, 'Confirm account')}
${form(c, '/confirmUser', html``, 'Send a new code', { username, resend: '1' }, true)}`,
  });
}

export function forgotPage(c: PageContext, username = ''): string {
  return page({
    title: 'Reset your password', poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice,
    body: html`${form(c, '/forgotPassword', field('username', usernameLabel(c.pool), { value: username, autocomplete: 'username' }), 'Send a reset code')}
<p class="links"><a href="${linkTo(c, '/login')}">Back to sign in</a></p>`,
  });
}

export function resetPage(c: PageContext, username: string): string {
  return page({
    title: 'Choose a new password', poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice,
    body: html`${form(c, '/confirmForgotPassword', html`${field('username', usernameLabel(c.pool), { value: username, autocomplete: 'username' })}
${field('code', 'Reset code', { autocomplete: 'one-time-code' })}
${field('password', 'New password', { type: 'password', autocomplete: 'new-password' })}`, 'Change password')}`,
  });
}

/**
 * What an MFA page shows of its challenge. Carried in hidden fields so that a wrong code can show the
 * page again; the server trusts only its own flow, never these.
 */
export interface MfaPrompt {
  challenge: string;
  destination?: string;
  choices?: string[];
  /** MFA_SETUP: the new authenticator secret, its otpauth URI, and the URI drawn as an SVG QR code. */
  secret?: string;
  uri?: string;
  qr?: Html;
}

const FACTOR_CHOICE: Record<string, string> = { SOFTWARE_TOKEN_MFA: 'Use my authenticator app', SMS_MFA: 'Text me a code', EMAIL_OTP: 'Email me a code' };

const codeField = (hint: string) =>
  html`<label for="f-code">Code</label><input id="f-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required><p class="hint">${hint}</p>`;

export function mfaPage(c: PageContext, p: MfaPrompt): string {
  const keep = { challenge: p.challenge, destination: p.destination, secret: p.secret, uri: p.uri, choices: p.choices?.join(' ') };
  const poolName = c.pool.settings.PoolName;
  const recovery = 'Lost your device? Enter one of your recovery codes instead.';
  switch (p.challenge) {
    case 'SELECT_MFA_TYPE':
      return page({
        title: 'How do you want to verify it is you?', poolName, error: c.error, notice: c.notice,
        body: html`${(p.choices ?? []).map((f) => form(c, '/mfa', html``, FACTOR_CHOICE[f] ?? f, { ...keep, answer: f }, f !== p.choices?.[0]))}`,
      });
    case 'MFA_SETUP':
      return totpSetupPage(c, { secret: p.secret ?? '', qr: p.qr, action: '/mfa', submit: 'Verify and sign in', extra: keep, intro: 'This account needs a second step at sign-in. ' });
    case 'SOFTWARE_TOKEN_MFA':
      return page({ title: 'Enter your authenticator code', poolName, error: c.error, notice: c.notice, body: form(c, '/mfa', codeField(recovery), 'Verify', keep) });
    default:
      return page({
        title: 'Enter the code we sent you', poolName, error: c.error, notice: c.notice ?? (p.destination ? `We sent a code to ${p.destination}.` : null),
        body: form(c, '/mfa', codeField(recovery), 'Verify', keep),
      });
  }
}

const FACTOR_NAME: Record<string, string> = { SOFTWARE_TOKEN_MFA: 'Authenticator app', SMS_MFA: 'Text message', EMAIL_OTP: 'Email' };

/** A signed-in user's MFA settings: each factor the pool offers, on or off, and the ways to change them. */
export function mfaSettingsPage(c: PageContext, o: { offered: string[]; enabled: string[]; preferred: string | null; recoveryCodesLeft: number; appVerified: boolean; passkeys?: { id: string; createdAt: number }[] | undefined }): string {
  const row = (f: string) => {
    const on = o.enabled.includes(f);
    const change = on ? form(c, '/mfaSettings', html``, `Turn off ${FACTOR_NAME[f] ?? f}`, { action: 'disable', factor: f }, true)
      : f === 'SOFTWARE_TOKEN_MFA' && !o.appVerified ? form(c, '/mfaSettings', html``, 'Set up an authenticator app', { action: 'setupTotp' }, true)
        : form(c, '/mfaSettings', html``, `Turn on ${FACTOR_NAME[f] ?? f}`, { action: 'enable', factor: f }, true);
    return html`<li><strong>${FACTOR_NAME[f] ?? f}</strong>: ${on ? (o.preferred === f ? 'on (asked first)' : 'on') : 'off'}${change}</li>`;
  };
  return page({
    title: 'Two-step verification', poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice,
    body: html`<ul class="factors">${o.offered.map(row)}</ul>
${o.appVerified ? html`<p>${o.recoveryCodesLeft} recovery codes left.</p>${form(c, '/mfaSettings', html``, 'Make new recovery codes', { action: 'recoveryCodes' }, true)}` : ''}
${o.passkeys ? html`<h2>Passkeys</h2><ul class="passkeys">${o.passkeys.map((p) => html`<li>Passkey added ${new Date(p.createdAt).toISOString().slice(0, 10)}${form(c, '/mfaSettings', html``, 'Remove this passkey', { action: 'deletePasskey', credential_id: p.id }, true)}</li>`)}</ul>
${form(c, '/mfaSettings', html``, 'Add a passkey', { action: 'startPasskey' })}` : ''}`,
  });
}

/** Enrolling an authenticator app (at sign-in, or from the settings page): its QR code and key, and the code that proves it. */
export function totpSetupPage(
  c: PageContext, p: { secret: string; qr?: Html | undefined; action: string; submit: string; extra: Record<string, string | undefined>; intro?: string },
): string {
  return page({
    title: 'Set up your authenticator app', poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice,
    body: html`<p>${p.intro ?? ''}Scan the code with an authenticator app, or type the key into it, then enter the six-digit code it shows.</p>
${p.qr ? html`<div class="qr">${p.qr}</div>` : ''}<p class="hint">Key: <code id="totp-secret">${p.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
${form(c, p.action, codeField('The code changes every 30 seconds.'), p.submit, p.extra)}`,
  });
}

/** A passkey ceremony's page: the form the one script (views/scripts.ts) runs navigator.credentials for, then posts. */
export function passkeyPage(c: PageContext, o: { action: string; kind: 'create' | 'get'; options: string; title: string; submit: string; extra?: Record<string, string> }): string {
  return page({
    title: o.title, poolName: c.pool.settings.PoolName, error: c.error, notice: c.notice,
    body: html`<form id="passkey-form" method="post" action="${c.basePath}${o.action}" data-kind="${o.kind}" data-options="${o.options}" novalidate>
${hidden({ ...c.params, ...(o.extra ?? {}), _csrf: c.csrf })}<input type="hidden" name="credential" value="">
<button type="submit">${o.submit}</button></form><p id="passkey-error" role="alert"></p>
<script>${new Html(PASSKEY_SCRIPT)}</script>`,
  });
}

/** The recovery codes just made, shown this once, and the way on to the app. */
export function recoveryCodesPage(poolName: string, codes: string[], continueTo: string, continueText = 'I have saved them. Continue'): string {
  return page({
    title: 'Save your recovery codes', poolName,
    notice: 'Your authenticator app is set up.',
    body: html`<p>If you lose your phone, each of these codes signs you in once in place of the app’s code. Keep them somewhere safe: they will not be shown again.</p>
<ol class="codes">${codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
<p><a class="idp" href="${continueTo}">${continueText}</a></p>`,
  });
}

export function errorPage(poolName: string, message: string): string {
  return page({ title: 'Something is wrong with this request', poolName, error: message, body: html`<p>Go back to the app and try again.</p>` });
}

export function signedOutPage(poolName: string): string {
  return page({ title: 'Signed out', poolName, body: html`<p>You have been signed out.</p>` });
}

/** A sign-in that did not work, with the way back to the app carrying an OAuth error (when the app is known). */
export function failurePage(poolName: string, app: AuthorizeParams | null, error: string, message: string): string {
  const back = app ? redirectWith(app.redirect_uri, { error, error_description: message, state: app.state }) : null;
  return page({
    title: 'Sign-in did not work', poolName, error: message,
    body: back ? html`<p><a href="${back}">Return to the app</a></p>` : html`<p>Start again from the app.</p>`,
  });
}
