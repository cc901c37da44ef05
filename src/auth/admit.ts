// The one admission step every entrance passes once it knows the user, and the one finishing step
// after it. What decides whether a known user may have a session (enabled; later MFA, Lambda-style
// triggers, risk) is written here once, and every finished sign-in is audited the same way.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../shared/hashing.js';
import type { BrokerError } from '../shared/errors.js';
import type { AppClient, HostedSession, Pool, User } from '../directory/types.js';
import { issueForSignIn, SELF_SERVICE_SCOPE } from '../tokens/issue.js';
import { NotFound } from '../directory/errors.js';
import { newDevice, signedInDevice } from '../native/devices.js';
import { NotAuthorizedException, USER_DISABLED } from '../native/errors.js';
import { mfaStep } from '../native/mfa.js';
import type { Proven } from '../native/second-factors.js';
import { redirectWith, type ValidRequest } from './app-request.js';
import type { AuthDeps } from './deps.js';
import { isRefusal, type AuthResult } from './results.js';
import { triggerUserAttributes } from '../triggers/index.js';
import type { TokenSource } from '../tokens/pre-token.js';
import { openSession } from './sessions.js';

/** How the user came in: a password, a confirmed sign-up, a provider's answer (OAuth/OIDC or SAML), an open session, or a code alone (USER_AUTH's EMAIL_OTP/SMS_OTP). */
export type Entrance = 'password' | 'confirmation' | 'federated' | 'saml' | 'session' | 'api-password' | 'api-srp' | 'api-new-password' | 'api-otp' | 'api-passkey' | 'otp' | 'passkey';

/** Who signs in, how, for which app and from where. */
export interface SignInFacts {
  pool: Pool;
  /** The browser's authorization request; the JSON API has none, only its client. */
  request: ValidRequest | { client: AppClient; params?: undefined };
  user: User;
  /** `COGNITO` or the identity provider's name. */
  via: string;
  entrance: Entrance;
  ip: string | null;
  detail?: Record<string, unknown>;
  /** How the second factor was proven: a factor's code, a recovery code, or a remembered device (which skips MFA). */
  secondFactor?: Proven | 'REMEMBERED_DEVICE' | 'PASSKEY_WITH_USER_VERIFICATION';
  /** The app's ClientMetadata on the call that finishes the sign-in, handed to the triggers. */
  clientMetadata?: Record<string, string>;
}

/** The entrances that prove a native password or passkey, after which the pool's MFA applies (federated users are the provider's to check). */
const NATIVE: ReadonlySet<Entrance> = new Set(['password', 'confirmation', 'api-password', 'api-srp', 'api-new-password', 'passkey', 'api-passkey']);

export const CODE_MS = 5 * 60_000;

async function audit(d: AuthDeps, f: Omit<SignInFacts, 'user'> & { user: User | null }, type: string, detail: Record<string, unknown>): Promise<void> {
  await d.store.audit.record({
    poolId: f.pool.id, time: d.now(), type, userId: f.user?.id ?? null, clientId: f.request.client.clientId, ip: f.ip,
    detail: { via: f.via, entrance: f.entrance, ...f.detail, ...detail },
  });
}

/** May this known user be signed in? Throws the typed refusal (audited as `sign_in.refused`). */
export async function admit(d: AuthDeps, f: SignInFacts): Promise<void> {
  if (!f.user.enabled) {
    await audit(d, f, 'sign_in.refused', { reason: 'NotAuthorizedException' });
    throw new NotAuthorizedException(USER_DISABLED);
  }
  // Whatever door it came through, a native sign-in that MFA applies to has proven its second factor.
  if (NATIVE.has(f.entrance) && !f.secondFactor && mfaStep(f.pool.settings, f.user).kind !== 'none') {
    await audit(d, f, 'sign_in.refused', { reason: 'mfa_required' });
    throw new NotAuthorizedException('MFA is required for this user.');
  }
  // The pre authentication trigger, for every entrance but single sign-on (no new authentication), once
  // the user is proven: it may refuse, and the refusal is audited like any other.
  if (f.entrance !== 'session') {
    try {
      await d.triggers?.run(f.pool, 'PreAuthentication', {
        triggerSource: 'PreAuthentication_Authentication', userName: f.user.username, clientId: f.request.client.clientId,
        request: { userAttributes: triggerUserAttributes(f.user), userNotFound: false, validationData: null, clientMetadata: f.clientMetadata ?? {} },
      });
    } catch (err) {
      if (isRefusal(err)) await audit(d, f, 'sign_in.refused', { reason: err.code });
      throw err;
    }
  }
}

/** The post authentication trigger, before anything of the sign-in exists: its error stops it. */
async function postAuthentication(d: AuthDeps, f: SignInFacts, newDeviceUsed: boolean): Promise<void> {
  try {
    await d.triggers?.run(f.pool, 'PostAuthentication', {
      triggerSource: 'PostAuthentication_Authentication', userName: f.user.username, clientId: f.request.client.clientId,
      request: { userAttributes: triggerUserAttributes(f.user), newDeviceUsed, clientMetadata: f.clientMetadata ?? {} },
    });
  } catch (err) {
    if (isRefusal(err)) await audit(d, f, 'sign_in.refused', { reason: err.code });
    throw err;
  }
}

/** A sign-in that failed once the app was known (a provider's answer refused), audited as `sign_in.failure`. */
export async function recordFailure(d: AuthDeps, f: Omit<SignInFacts, 'user'>, err: BrokerError): Promise<void> {
  d.log.warn({ poolId: f.pool.id, via: f.via, entrance: f.entrance, code: err.code, err: err.message }, 'sign-in refused');
  await audit(d, { ...f, user: null }, 'sign_in.failure', { reason: err.code, ...('kind' in err ? { kind: err.kind } : {}), message: err.message.slice(0, 200) });
}

/** An authorization code for the app's request, for this user and session (single use, five minutes, stored as a hash). */
async function codeRedirect(d: AuthDeps, pool: Pool, req: ValidRequest, user: User, session: HostedSession): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const now = d.now();
  await d.store.tokens.saveAuthCode({
    hash: sha256(code), poolId: pool.id, clientId: req.client.clientId, userId: user.id, redirectUri: req.params.redirect_uri,
    scopes: req.scopes, codeChallenge: req.params.code_challenge ?? null, codeChallengeMethod: req.params.code_challenge_method ?? null,
    nonce: req.params.nonce ?? null, authTime: session.authTime, sessionId: session.idHash, extra: {},
    createdAt: now, expiresAt: now + CODE_MS,
  });
  return redirectWith(req.params.redirect_uri, { code, state: req.params.state });
}

/**
 * Admits the user and finishes the sign-in: a new hosted session (ending the browser's earlier one),
 * a code for the app, and the `sign_in.completed` audit event. A refusal is a `failed` result.
 */
export async function admitAndFinish(d: AuthDeps, f: SignInFacts & { request: ValidRequest; sessionData?: Record<string, unknown>; previousSession?: string }): Promise<AuthResult> {
  try {
    await admit(d, f);
    await postAuthentication(d, f, false);
  } catch (err) {
    if (isRefusal(err)) return { kind: 'failed', error: err, app: f.request.params, provider: f.via };
    throw err;
  }
  const { session, cookie } = await openSession(d, f.pool.id, f.user, { via: f.via, ...f.sessionData }, f.previousSession);
  const to = await codeRedirect(d, f.pool, f.request, f.user, session);
  await audit(d, f, 'sign_in.completed', f.secondFactor ? { mfa: f.secondFactor } : {});
  return { kind: 'authenticated', user: f.user, to, session: cookie };
}

/**
 * Whether an open hosted session may answer this request without asking again: only for a client that
 * accepts the provider the session came from (a COGNITO-only app never gets a federated user's session,
 * nor a SAML-only app a password user's), and only while it is younger than `max_age` (0: never).
 */
export function sessionServes(session: HostedSession, req: ValidRequest, now: number): boolean {
  const via = typeof session.data.via === 'string' ? session.data.via : 'COGNITO';
  if (!req.client.settings.SupportedIdentityProviders.includes(via)) return false;
  const maxAge = req.params.max_age;
  return maxAge === undefined || (Number(maxAge) > 0 && session.authTime + Number(maxAge) >= Math.floor(now / 1000));
}

/** Single sign-on: a code from the browser's open session, admitted like any sign-in; null when the session does not serve. */
export async function fromSession(d: AuthDeps, i: { pool: Pool; request: ValidRequest; current: { session: HostedSession; user: User } | null; ip: string | null }): Promise<AuthResult | null> {
  if (!i.current || !sessionServes(i.current.session, i.request, d.now())) return null;
  const { session, user } = i.current;
  const f: SignInFacts = { pool: i.pool, request: i.request, user, via: typeof session.data.via === 'string' ? session.data.via : 'COGNITO', entrance: 'session', ip: i.ip };
  try {
    await admit(d, f);
  } catch (err) {
    if (err instanceof NotAuthorizedException) return null;
    throw err;
  }
  const to = await codeRedirect(d, i.pool, i.request, user, session);
  await audit(d, f, 'sign_in.completed', {});
  return { kind: 'authenticated', user, to, session: null };
}

/** The pre token generation trigger's name for how the API's sign-in ended. */
const tokenSource = (f: SignInFacts): TokenSource =>
  f.entrance === 'api-new-password' ? 'TokenGeneration_NewPasswordChallenge' : f.secondFactor === 'REMEMBERED_DEVICE' ? 'TokenGeneration_AuthenticateDevice' : 'TokenGeneration_Authentication';

/** What an access token from the JSON API may do: Cognito's user self-service scope. */
export const API_SCOPES = [SELF_SERVICE_SCOPE];

/**
 * The JSON API's finishing step: admitted as every sign-in is, then the tokens themselves (ID, access
 * with the self-service scope, refresh), and the same `sign_in.completed` event.
 */
export async function admitAndIssue(d: AuthDeps, f: SignInFacts & { deviceKey?: string }): Promise<AuthResult> {
  try {
    await admit(d, f);
    await postAuthentication(d, f, !f.deviceKey && !!f.pool.settings.DeviceConfiguration);
    // The device the app signs in from (its DEVICE_KEY) must be the user's; a pool that tracks devices gives a new sign-in one.
    const device = f.deviceKey ? (await signedInDevice(d, f.pool, f.user, f.deviceKey, f.ip), undefined)
      : f.pool.settings.DeviceConfiguration ? await newDevice(d, f.pool, f.user, f.ip) : undefined;
    const tokens = await issueForSignIn(d, {
      pool: f.pool, client: f.request.client, user: f.user, scopes: API_SCOPES, authTime: Math.floor(d.now() / 1000), idToken: true, source: tokenSource(f),
      ...(f.clientMetadata ? { clientMetadata: f.clientMetadata } : {}),
    });
    await audit(d, f, 'sign_in.completed', { ...(f.deviceKey ? { device: f.deviceKey } : {}), ...(f.secondFactor ? { mfa: f.secondFactor } : {}) });
    return { kind: 'tokens', user: f.user, tokens, ...(device ? { newDevice: device } : {}) };
  } catch (err) {
    if (isRefusal(err) || err instanceof NotFound) return { kind: 'failed', error: err as BrokerError, app: null, provider: f.via };
    throw err;
  }
}
