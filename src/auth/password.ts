// The hosted pages' password entrance, the challenge that continues it after a sign-up's confirmation
// code, and its MFA prompts. Checking the password (lockout, unknown users that cost what known ones
// do) is the native accounts' work; which second factor is asked is mfa.ts's; admission is admit.ts's.
import type { AppClient, Pool, User } from '../directory/types.js';
import type { SignInContext } from '../native/accounts.js';
import { CodeMismatchException, NotAuthorizedException, UserNotConfirmedException } from '../native/errors.js';
import { simulatedDetails } from '../native/codes.js';
import { otpauthUri, reachesByCode, signsInWithPasskey } from '../native/mfa.js';
import { EnableSoftwareTokenMfaException } from '../native/second-factors.js';
import type { ValidRequest } from './app-request.js';
import { admitAndFinish, type Entrance, type SignInFacts } from './admit.js';
import type { AuthDeps } from './deps.js';
import { requestOptions, verifyAssertion } from './passkeys.js';
import { chosenFactor, factorChallenge, proveFactor, secondFactorChallenge, type MfaFlow } from './mfa.js';
import { CHALLENGE_MS, newHandle, saveFlow, takeFlow } from './flows.js';
import { failed, isRefusal, type AuthResult, type ChallengeName } from './results.js';

export interface PasswordSignIn {
  pool: Pool;
  request: ValidRequest;
  username: string;
  password: string;
  ip: string | null;
  /** The browser's current hosted session, ended when a new one opens. */
  previousSession?: string;
}

/** What the account operations need to know of a call: the app, the source, how to answer for unknown users. */
export const accountContext = (client: AppClient, ip: string | null): SignInContext => ({
  clientId: client.clientId, ip, preventUserExistenceErrors: client.settings.PreventUserExistenceErrors,
});

/** Stops the sign-in at a challenge: the handle (single use) answers it. */
async function challenge(d: AuthDeps, pool: Pool, user: User, name: ChallengeName): Promise<AuthResult> {
  const session = newHandle();
  await saveFlow(d, 'challenge', pool.id, session, { name, userId: user.id }, d.now() + CHALLENGE_MS);
  return { kind: 'challenge', name, session, user, parameters: {} };
}

export async function signInWithPassword(d: AuthDeps, i: PasswordSignIn): Promise<AuthResult> {
  let user: User;
  try {
    user = await d.accounts.signIn(i.pool, i.username, i.password, accountContext(i.request.client, i.ip));
  } catch (err) {
    if (err instanceof UserNotConfirmedException) {
      // The password is proven: confirming the account continues this sign-in.
      const pending = await d.accounts.findUser(i.pool, i.username);
      if (pending) return challenge(d, i.pool, pending, 'CONFIRM_SIGN_UP');
    }
    if (isRefusal(err)) return failed(err, i.request.params);
    throw err;
  }
  // A temporary password is no way in until it is replaced.
  if (user.status === 'FORCE_CHANGE_PASSWORD') return challenge(d, i.pool, user, 'NEW_PASSWORD_REQUIRED');
  return viaSecondFactor(d, { ...i, user, entrance: 'password' });
}

interface HostedSignIn { pool: Pool; request: ValidRequest; user: User; entrance: Entrance; ip: string | null; previousSession?: string | undefined }

/**
 * The pool's MFA on the hosted pages, as mfa.ts decides it for every door: the challenge (its handle
 * for this browser's cookie, bound to the app's client), or the finished sign-in when none is asked.
 * An MFA_SETUP here enrols an authenticator app: its secret is made now, for the page to show.
 */
async function viaSecondFactor(d: AuthDeps, i: HostedSignIn): Promise<AuthResult> {
  try {
    const c = await secondFactorChallenge(d, i.pool, i.user);
    if (!c) return await admitAndFinish(d, { pool: i.pool, request: i.request, user: i.user, via: 'COGNITO', entrance: i.entrance, ip: i.ip, previousSession: i.previousSession });
    const parameters = { ...c.parameters };
    if (c.name === 'MFA_SETUP') {
      if (!c.mfa.choices?.includes('SOFTWARE_TOKEN_MFA')) return await hostedEmailSetup(d, i);
      const secret = await d.secondFactors.associateTotp(i.pool, i.user);
      Object.assign(parameters, { SECRET_CODE: secret, OTPAUTH_URI: otpauthUri(secret, i.pool.settings.PoolName, i.user.attributes.email ?? i.user.username) });
    }
    return await hostedChallenge(d, i, c.name, c.mfa, parameters);
  } catch (err) {
    if (isRefusal(err)) return failed(err, i.request.params);
    throw err;
  }
}

/** MFA_SETUP where only e-mail can be set up: a code to the user's address enrols it. */
async function hostedEmailSetup(d: AuthDeps, i: HostedSignIn): Promise<AuthResult> {
  const email = i.user.attributes.email;
  if (!email) return failed(new NotAuthorizedException('MFA is required, and this account has no email address to send codes to. Ask your administrator.'), i.request.params);
  const c = await factorChallenge(d, i.pool, i.user, 'EMAIL_OTP', email);
  return hostedChallenge(d, i, c.name, c.mfa, c.parameters);
}

async function hostedChallenge(d: AuthDeps, i: HostedSignIn, name: ChallengeName, mfa: MfaFlow, parameters: Record<string, string>): Promise<AuthResult> {
  const session = newHandle();
  await saveFlow(d, 'challenge', i.pool.id, session, { name, userId: i.user.id, clientId: i.request.client.clientId, entrance: i.entrance, mfa }, d.now() + MFA_CHALLENGE_MS);
  return { kind: 'challenge', name, session, user: i.user, parameters };
}

/** How long a hosted MFA prompt waits for its answer. */
const MFA_CHALLENGE_MS = 15 * 60_000;

const HOSTED_MFA: ReadonlySet<ChallengeName> = new Set(['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'EMAIL_OTP', 'SELECT_MFA_TYPE', 'MFA_SETUP']);

/**
 * Answers the hosted MFA prompt this browser's handle names, for this app only: a factor's code (or a
 * recovery code) signs in; a choice leads to that factor's prompt; MFA_SETUP's first code enrols the
 * app and gives the user ten recovery codes, shown once. A wrong code keeps the prompt (`retry`).
 */
export async function answerHostedMfa(
  d: AuthDeps, i: { pool: Pool; request: ValidRequest; session: string | undefined; answer: string; ip: string | null; previousSession?: string | undefined },
): Promise<AuthResult & { retry?: string }> {
  const flow = await takeFlow(d, 'challenge', i.pool.id, i.session);
  if (flow?.name === 'WEB_AUTHN' && flow.webauthn && flow.clientId === i.request.client.clientId) return answerHostedPasskey(d, i, flow.userId, flow.webauthn.challenge);
  if (flow?.mfa?.firstFactor && !flow.userId && flow.clientId === i.request.client.clientId) {
    // A code sent to no one (the name reaches nobody): every code is wrong, as it would be for a user.
    const { expiresAt, ...kept } = flow;
    await saveFlow(d, 'challenge', i.pool.id, i.session!, kept, expiresAt);
    return { ...failed(new CodeMismatchException(), i.request.params), retry: flow.name };
  }
  const user = flow?.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!flow || !user || !flow.mfa || !HOSTED_MFA.has(flow.name) || flow.clientId !== i.request.client.clientId)
    return failed(new NotAuthorizedException('This sign-in has expired. Sign in again.'), i.request.params);
  const on: HostedSignIn = { pool: i.pool, request: i.request, user, entrance: (flow.entrance ?? 'password') as Entrance, ip: i.ip, previousSession: i.previousSession };
  const finish = (u: User, secondFactor: SignInFacts['secondFactor']) =>
    admitAndFinish(d, { pool: i.pool, request: i.request, user: u, via: 'COGNITO', entrance: on.entrance, ip: i.ip, previousSession: i.previousSession, ...(secondFactor ? { secondFactor } : {}) });
  try {
    if (flow.name === 'SELECT_MFA_TYPE') {
      const c = await factorChallenge(d, i.pool, user, chosenFactor(flow.mfa, i.answer));
      return await hostedChallenge(d, on, c.name, c.mfa, c.parameters);
    }
    if (flow.name === 'MFA_SETUP') {
      const enrolled = await d.secondFactors.verifyTotp(i.pool, user, i.answer, 'Authenticator app');
      const enabled = await d.secondFactors.enable(i.pool, enrolled, 'SOFTWARE_TOKEN_MFA');
      const recoveryCodes = await d.secondFactors.newRecoveryCodes(i.pool, enabled);
      const done = await finish(enabled, 'SOFTWARE_TOKEN_MFA');
      return done.kind === 'authenticated' ? { ...done, recoveryCodes } : done;
    }
    const { user: proven, proven: by } = await proveFactor(d, i.pool, user, flow.mfa, i.answer);
    return await finish(proven, flow.mfa.firstFactor ? undefined : by);
  } catch (err) {
    if (err instanceof CodeMismatchException || err instanceof EnableSoftwareTokenMfaException) {
      // The same prompt takes another try, within the user's limit of wrong answers.
      const { expiresAt, ...kept } = flow;
      await saveFlow(d, 'challenge', i.pool.id, i.session!, kept, expiresAt);
      return { ...failed(new CodeMismatchException(), i.request.params), retry: flow.name };
    }
    if (isRefusal(err)) return failed(err, i.request.params);
    throw err;
  }
}

/**
 * "Email me a code" on the sign-in page, where the pool allows EMAIL_OTP as a first factor: a code to a
 * confirmed user's verified address, whose prompt signs in with no password (and no MFA after, as
 * USER_AUTH's). Any other name gets the same prompt with a plausible address, and no code matches.
 */
export async function startHostedCodeSignIn(d: AuthDeps, i: { pool: Pool; request: ValidRequest; username: string; ip: string | null; previousSession?: string | undefined }): Promise<AuthResult> {
  if (!i.pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.includes('EMAIL_OTP'))
    return failed(new NotAuthorizedException('This app does not offer sign-in with an emailed code.'), i.request.params);
  const found = await d.accounts.findUser(i.pool, i.username);
  const reachable = reachesByCode(found, 'email') ? found : null;
  try {
    if (!reachable) {
      const session = newHandle();
      await saveFlow(d, 'challenge', i.pool.id, session, { name: 'EMAIL_OTP', userId: null, clientId: i.request.client.clientId, entrance: 'otp', mfa: { factor: 'EMAIL_OTP', firstFactor: true } }, d.now() + MFA_CHALLENGE_MS);
      return { kind: 'challenge', name: 'EMAIL_OTP', session, user: null, parameters: { CODE_DELIVERY_DESTINATION: simulatedDetails(i.username).Destination } };
    }
    const c = await factorChallenge(d, i.pool, reachable, 'EMAIL_OTP');
    return await hostedChallenge(d, { ...i, user: reachable, entrance: 'otp' }, c.name, { ...c.mfa, firstFactor: true }, c.parameters);
  } catch (err) {
    if (isRefusal(err)) return failed(err, i.request.params);
    throw err;
  }
}

/**
 * "Sign in with a passkey" on the sign-in page, where the pool allows WEB_AUTHN: request options for the
 * user's passkeys (a name without any gets options no credential answers), for the page's script.
 */
export async function startHostedPasskeySignIn(d: AuthDeps, i: { pool: Pool; request: ValidRequest; username: string }): Promise<AuthResult> {
  if (!i.pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.includes('WEB_AUTHN'))
    return failed(new NotAuthorizedException('This app does not offer sign-in with a passkey.'), i.request.params);
  const found = await d.accounts.findUser(i.pool, i.username);
  const user = signsInWithPasskey(found) ? found : null;
  const { options, challenge } = await requestOptions(d, i.pool, user);
  const session = newHandle();
  await saveFlow(d, 'challenge', i.pool.id, session, { name: 'WEB_AUTHN', userId: user?.id ?? null, clientId: i.request.client.clientId, entrance: 'passkey', webauthn: { challenge } }, d.now() + MFA_CHALLENGE_MS);
  return { kind: 'challenge', name: 'WEB_AUTHN', session, user, parameters: { CREDENTIAL_REQUEST_OPTIONS: options } };
}

/** The passkey page's answer: the browser's assertion over this challenge, by one of the user's passkeys; then the pool's MFA, as for the API. */
async function answerHostedPasskey(
  d: AuthDeps, i: { pool: Pool; request: ValidRequest; answer: string; ip: string | null; previousSession?: string | undefined }, userId: string | null, challenge: string,
): Promise<AuthResult> {
  const user = userId ? await d.store.users.getUser(i.pool.id, userId) : null;
  try {
    if (!user) throw new NotAuthorizedException('The passkey could not be verified.');
    const { user: fresh, secondFactor } = await verifyAssertion(d, i.pool, user, challenge, i.answer);
    if (!secondFactor) return await viaSecondFactor(d, { ...i, user: fresh, entrance: 'passkey' });
    return await admitAndFinish(d, { pool: i.pool, request: i.request, user: fresh, via: 'COGNITO', entrance: 'passkey', ip: i.ip, previousSession: i.previousSession, secondFactor });
  } catch (err) {
    if (isRefusal(err)) return failed(err, i.request.params);
    throw err;
  }
}

/** A new account waits for its code; a sign-up already confirmed signs in. */
export async function afterSignUp(d: AuthDeps, i: { pool: Pool; request: ValidRequest; user: User; confirmed: boolean; ip: string | null; previousSession?: string }): Promise<AuthResult> {
  if (!i.confirmed) return challenge(d, i.pool, i.user, 'CONFIRM_SIGN_UP');
  return viaSecondFactor(d, { ...i, entrance: 'confirmation' });
}

/**
 * Answers CONFIRM_SIGN_UP once the account is confirmed: the sign-in the challenge stopped goes on,
 * for this user only. Null when the handle answers no such challenge (another browser confirmed it).
 */
export async function answerConfirmation(d: AuthDeps, i: { pool: Pool; request: ValidRequest; session: string | undefined; user: User; ip: string | null; previousSession?: string }): Promise<AuthResult | null> {
  const pending = await takeFlow(d, 'challenge', i.pool.id, i.session);
  if (!pending || pending.name !== 'CONFIRM_SIGN_UP' || pending.userId !== i.user.id) return null;
  return viaSecondFactor(d, { ...i, entrance: 'confirmation' });
}
