// The JSON API's second-factor answers: RespondToAuthChallenge SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP,
// SELECT_MFA_TYPE and MFA_SETUP, and AssociateSoftwareToken / VerifySoftwareToken with an MFA_SETUP
// Session. A wrong code keeps the Session for another try (as Cognito's does), within the user's limit
// of wrong answers; a Session is single use otherwise, and bound to its client and user.
import type { AppClient, Pool, User } from '../directory/types.js';
import type { BrokerError } from '../shared/errors.js';
import { CodeMismatchException, InvalidParameterException, UserNotFoundException } from '../native/errors.js';
import { EnableSoftwareTokenMfaException } from '../native/second-factors.js';
import { challenge, issue, namesUser, newSession, sessionExpired, takeChallenge, withoutExpiry, type ApiSignIn } from './api-signin.js';
import type { Entrance } from './admit.js';
import type { AuthDeps } from './deps.js';
import { saveFlow, takeFlowAnywhere, type FlowData } from './flows.js';
import { chosenFactor, factorChallenge, proveFactor } from './mfa.js';
import { failed, isRefusal, type AuthResult, type ChallengeName } from './results.js';

type Answer = ApiSignIn & { session: string; username: string };
type Flow = FlowData['challenge'] & { expiresAt: number };

/** The challenge's user, when the answer names them (by username or alias). */
async function challenged(d: AuthDeps, i: Answer, name: ChallengeName): Promise<{ flow: Flow; user: User } | { refused: BrokerError }> {
  const flow = await takeChallenge(d, i, i.session, name);
  // A code-only first factor for a name that reaches no one: every code is wrong, as it would be for a user.
  if (flow?.mfa?.firstFactor && !flow.userId) {
    await saveFlow(d, 'challenge', i.pool.id, i.session, withoutExpiry(flow), flow.expiresAt);
    return { refused: new CodeMismatchException() };
  }
  const user = flow?.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!flow || !user || !flow.mfa) return { refused: sessionExpired() };
  if (!(await namesUser(d, i.pool, i.username, user))) return { refused: new UserNotFoundException() };
  return { flow, user };
}

const entranceOf = (flow: Flow) => (flow.entrance ?? 'api-srp') as Entrance;

/**
 * RespondToAuthChallenge with a factor's code (SOFTWARE_TOKEN_MFA_CODE, SMS_MFA_CODE, EMAIL_OTP_CODE,
 * SMS_OTP_CODE) or a recovery code: the second factor, or USER_AUTH's code-only first one.
 */
export async function answerMfaCode(d: AuthDeps, i: Answer & { name: 'SOFTWARE_TOKEN_MFA' | 'SMS_MFA' | 'EMAIL_OTP' | 'SMS_OTP'; code: string }): Promise<AuthResult> {
  const c = await challenged(d, i, i.name);
  if ('refused' in c) return failed(c.refused);
  try {
    const { user, proven } = await proveFactor(d, i.pool, c.user, c.flow.mfa!, i.code);
    return await issue(d, i, user, entranceOf(c.flow), c.flow.mfa!.firstFactor ? undefined : proven);
  } catch (err) {
    // Another try with the same Session; the user's limit of wrong answers still counts each.
    if (err instanceof CodeMismatchException) await saveFlow(d, 'challenge', i.pool.id, i.session, withoutExpiry(c.flow), c.flow.expiresAt);
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/** RespondToAuthChallenge SELECT_MFA_TYPE: the chosen factor's challenge. */
export async function answerSelectMfaType(d: AuthDeps, i: Answer & { answer: string }): Promise<AuthResult> {
  const c = await challenged(d, i, 'SELECT_MFA_TYPE');
  if ('refused' in c) return failed(c.refused);
  try {
    const next = await factorChallenge(d, i.pool, c.user, chosenFactor(c.flow.mfa!, i.answer));
    return await challenge(d, i, next.name, c.user, { userId: c.user.id, entrance: entranceOf(c.flow), mfa: next.mfa }, next.parameters);
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/**
 * RespondToAuthChallenge MFA_SETUP: after VerifySoftwareToken with this Session, the sign-in ends with
 * tokens; with an EMAIL (when the pool offers e-mail MFA), a code goes there and EMAIL_OTP proves it.
 */
export async function answerMfaSetup(d: AuthDeps, i: Answer & { email: string | undefined }): Promise<AuthResult> {
  const c = await challenged(d, i, 'MFA_SETUP');
  if ('refused' in c) return failed(c.refused);
  const mfa = c.flow.mfa!;
  try {
    if (mfa.verified) return await issue(d, i, c.user, entranceOf(c.flow), 'SOFTWARE_TOKEN_MFA');
    if (i.email !== undefined && mfa.choices?.includes('EMAIL_OTP')) {
      const next = await factorChallenge(d, i.pool, c.user, 'EMAIL_OTP', i.email.trim());
      return await challenge(d, i, next.name, c.user, { userId: c.user.id, entrance: entranceOf(c.flow), mfa: next.mfa }, next.parameters);
    }
    await saveFlow(d, 'challenge', i.pool.id, i.session, withoutExpiry(c.flow), c.flow.expiresAt);
    return failed(new InvalidParameterException(mfa.choices?.includes('SOFTWARE_TOKEN_MFA')
      ? 'Set up an authenticator app first: AssociateSoftwareToken and VerifySoftwareToken with this Session.' : 'EMAIL is required to set up email MFA.'));
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/** An MFA_SETUP Session alone (AssociateSoftwareToken and VerifySoftwareToken carry no ClientId): its pool, client and user. */
async function setupSession(d: AuthDeps, session: string): Promise<{ flow: Flow; pool: Pool; client: AppClient; user: User } | null> {
  const taken = await takeFlowAnywhere(d, 'challenge', session);
  if (!taken || taken.name !== 'MFA_SETUP' || !taken.mfa || !taken.clientId || !taken.userId) return null;
  const { poolId, ...flow } = taken;
  const [pool, client, user] = await Promise.all([d.store.pools.getPool(poolId), d.store.pools.getClient(poolId, taken.clientId), d.store.users.getUser(poolId, taken.userId)]);
  return pool && client && user ? { flow, pool, client, user } : null;
}

/** AssociateSoftwareToken with an MFA_SETUP Session: the app's secret, and the Session that goes on to VerifySoftwareToken. */
export async function associateInSetup(d: AuthDeps, session: string): Promise<{ secret: string; session: string }> {
  const s = await setupSession(d, session);
  if (!s || !s.flow.mfa!.choices?.includes('SOFTWARE_TOKEN_MFA')) throw sessionExpired();
  const secret = await d.secondFactors.associateTotp(s.pool, s.user);
  const { name: _n, clientId: _c, expiresAt: _e, ...kept } = s.flow;
  return { secret, session: await newSession(d, { pool: s.pool, client: s.client, ip: null }, 'MFA_SETUP', kept) };
}

/** VerifySoftwareToken with an MFA_SETUP Session: the app is the user's factor (enabled, preferred), and MFA_SETUP may be answered. */
export async function verifyInSetup(d: AuthDeps, session: string, code: string, friendlyName: string | undefined): Promise<{ Session: string }> {
  const s = await setupSession(d, session);
  if (!s) throw sessionExpired();
  const { name: _n, clientId: _c, expiresAt: _e, ...kept } = s.flow;
  try {
    const user = await d.secondFactors.verifyTotp(s.pool, s.user, code, friendlyName);
    await d.secondFactors.enable(s.pool, user, 'SOFTWARE_TOKEN_MFA');
  } catch (err) {
    if (err instanceof EnableSoftwareTokenMfaException) await saveFlow(d, 'challenge', s.pool.id, session, withoutExpiry(s.flow), s.flow.expiresAt);
    throw err;
  }
  return { Session: await newSession(d, { pool: s.pool, client: s.client, ip: null }, 'MFA_SETUP', { ...kept, mfa: { ...kept.mfa, verified: true } }) };
}
