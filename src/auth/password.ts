// The password entrance, and the challenge that continues it after a sign-up's confirmation code.
// Checking the password (lockout, unknown users that cost what known ones do) is the native
// accounts' work; what happens once the user is known is admit.ts's.
import type { AppClient, Pool, User } from '../directory/types.js';
import type { SignInContext } from '../native/accounts.js';
import { UserNotConfirmedException } from '../native/errors.js';
import type { ValidRequest } from './app-request.js';
import { admitAndFinish } from './admit.js';
import type { AuthDeps } from './deps.js';
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
  return admitAndFinish(d, { pool: i.pool, request: i.request, user, via: 'COGNITO', entrance: 'password', ip: i.ip, previousSession: i.previousSession });
}

/** A new account waits for its code; a sign-up already confirmed signs in. */
export async function afterSignUp(d: AuthDeps, i: { pool: Pool; request: ValidRequest; user: User; confirmed: boolean; ip: string | null; previousSession?: string }): Promise<AuthResult> {
  if (!i.confirmed) return challenge(d, i.pool, i.user, 'CONFIRM_SIGN_UP');
  return admitAndFinish(d, { pool: i.pool, request: i.request, user: i.user, via: 'COGNITO', entrance: 'confirmation', ip: i.ip, previousSession: i.previousSession });
}

/**
 * Answers CONFIRM_SIGN_UP once the account is confirmed: the sign-in the challenge stopped goes on,
 * for this user only. Null when the handle answers no such challenge (another browser confirmed it).
 */
export async function answerConfirmation(d: AuthDeps, i: { pool: Pool; request: ValidRequest; session: string | undefined; user: User; ip: string | null; previousSession?: string }): Promise<AuthResult | null> {
  const pending = await takeFlow(d, 'challenge', i.pool.id, i.session);
  if (!pending || pending.name !== 'CONFIRM_SIGN_UP' || pending.userId !== i.user.id) return null;
  return admitAndFinish(d, { pool: i.pool, request: i.request, user: i.user, via: 'COGNITO', entrance: 'confirmation', ip: i.ip, previousSession: i.previousSession });
}
