// Native accounts: sign-up, confirmation, sign-in with lockout, password reset and change, as Cognito
// answers them (COGNITO.md §4.2, §7) and without telling whether a user exists (SECURITY.md §4.3).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Delivery } from '../delivery/index.js';
import { AliasExists, InvalidParameter, UsernameExists, type DirectoryError } from '../directory/errors.js';
import { COGNITO_LOCKOUT, type Store } from '../directory/store.js';
import type { AliasKind, AliasRef, Attributes, CodePurpose, Pool, User } from '../directory/types.js';
import {
  CODE_TTL_MS, MAX_CODE_ATTEMPTS, codeHash, codeMessage, confirmationDestination, detailsOf, newCode, recoveryDestination,
  simulatedDetails, type CodeDeliveryDetails, type Destination,
} from './codes.js';
import {
  ATTEMPTS_EXCEEDED, CodeMismatchException, ExpiredCodeException, InvalidPasswordException, LimitExceededException,
  NotAuthorizedException, PasswordResetRequiredException, TooManyFailedAttemptsException, USER_DISABLED, UserNotConfirmedException,
  UserNotFoundException,
} from './errors.js';
import {
  checkRequiredAttributes, checkSignUpAttributes, checkUsernameShape, findUser, passwordContext, usernameAttributeOf,
} from './identifiers.js';
import { hashPassword, verifyDummy, verifyPassword } from './passwords.js';
import { checkPassword } from './policy.js';

export type { CodeDeliveryDetails } from './codes.js';

export interface SignInContext {
  clientId: string;
  ip: string | null;
}

/** Messages with codes a user may ask for per hour (ResendConfirmationCode, ForgotPassword): no mail-bombing. */
export const MAX_CODE_REQUESTS_PER_HOUR = 10;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Federated users and users without a password cannot use the password paths. */
const hasPassword = (u: User): u is User & { passwordHash: string } => u.status !== 'EXTERNAL_PROVIDER' && u.passwordHash !== null;

export class Accounts {
  private readonly store: Store;
  private readonly delivery: Delivery;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(o: { store: Store; delivery: Delivery; log: Logger; now?: () => number }) {
    this.store = o.store;
    this.delivery = o.delivery;
    this.log = o.log;
    this.now = o.now ?? Date.now;
  }

  /** The user a sign-in name designates (username, or a held alias), or null. */
  findUser(pool: Pool, username: string): Promise<User | null> {
    return findUser(this.store, pool, username);
  }

  async signUp(pool: Pool, i: { clientId: string; username: string; password: string; attributes: Record<string, string> }): Promise<{ user: User; confirmed: boolean; delivery: CodeDeliveryDetails | null }> {
    const s = pool.settings;
    if (s.AdminCreateUserConfig.AllowAdminCreateUserOnly) throw new NotAuthorizedException('SignUp is not permitted for this user pool.');
    checkUsernameShape(i.username);
    // `<Provider>_…` is how federated users are named: a native account must not squat on one.
    const providers = await this.store.pools.listProviders(pool.id);
    if (providers.some((p) => i.username.toLowerCase().startsWith(`${p.name.toLowerCase()}_`)))
      throw new InvalidParameter('Username cannot start with the name of an identity provider of this pool.');
    const attributes = checkSignUpAttributes(s, i.attributes);
    const kind = usernameAttributeOf(s, i.username);
    let username = i.username;
    let sub: string | undefined;
    const aliases: AliasRef[] = [];
    if (kind) {
      // Email/phone as username: the real username is the sub, and the address is held from the start.
      username = sub = randomUUID();
      attributes[kind] = i.username;
      aliases.push({ kind, value: i.username });
    }
    checkRequiredAttributes(s, attributes);
    const bad = checkPassword(s.Policies.PasswordPolicy, i.password, [i.username, ...passwordContext({ username, attributes })]);
    if (bad) throw new InvalidPasswordException(bad);

    let user: User;
    try {
      user = await this.store.users.createUser({ poolId: pool.id, sub, username, status: 'UNCONFIRMED', attributes, passwordHash: await hashPassword(i.password), aliases });
    } catch (err) {
      if (kind && err instanceof AliasExists) throw new UsernameExists(`An account with the given ${kind} already exists.`);
      throw err;
    }
    const dest = confirmationDestination(s, user.attributes);
    const delivery = dest ? await this.sendCode(pool, user, 'confirm_sign_up', dest) : null;
    await this.audit(pool, 'sign_up', user.id, { clientId: i.clientId }, { medium: delivery?.DeliveryMedium ?? null });
    return { user, confirmed: false, delivery };
  }

  async confirmSignUp(pool: Pool, username: string, code: string, options: { forceAliasCreation?: boolean } = {}): Promise<User> {
    checkCodeShape(code);
    const user = await findUser(this.store, pool, username);
    if (!user || !hasPassword(user)) throw new CodeMismatchException(); // as for a wrong code: existence stays hidden
    if (user.status !== 'UNCONFIRMED') throw new NotAuthorizedException(`User cannot be confirmed. Current status is ${user.status}`);
    await this.consumeCode(pool, user, 'confirm_sign_up', code);

    const s = pool.settings;
    const verified: Attributes = {};
    const dest = confirmationDestination(s, user.attributes);
    if (dest && s.AutoVerifiedAttributes.includes(dest.attribute)) verified[`${dest.attribute}_verified`] = 'true';
    const attrs = { ...user.attributes, ...verified };
    // Alias pools: a verified address (and the preferred username) signs in from now on.
    const aliases = (s.AliasAttributes ?? []).filter((k) => attrs[k] && (k === 'preferred_username' || attrs[`${k}_verified`] === 'true'));
    await this.claimAliases(pool, user, aliases.map((kind) => ({ kind, value: attrs[kind]! })), options.forceAliasCreation ?? false);

    const confirmed = await this.store.users.updateUser(pool.id, user.id, { status: 'CONFIRMED', setAttributes: verified });
    await this.audit(pool, 'sign_up.confirmed', user.id, {}, { verified: Object.keys(verified) });
    return confirmed;
  }

  async resendConfirmationCode(pool: Pool, username: string): Promise<CodeDeliveryDetails> {
    const type = 'sign_up.code_resent';
    const user = await findUser(this.store, pool, username);
    if (!user || !hasPassword(user)) return this.simulate(pool, username, type);
    if (user.status !== 'UNCONFIRMED') throw new InvalidParameter('User is already confirmed.');
    await this.limitCodeRequests(pool, user.id, type);
    const dest = confirmationDestination(pool.settings, user.attributes);
    if (!dest) throw new InvalidParameter('There is no email or phone number to send a code to.');
    const details = await this.sendCode(pool, user, 'confirm_sign_up', dest);
    await this.audit(pool, type, user.id, {}, { medium: details.DeliveryMedium });
    return details;
  }

  async forgotPassword(pool: Pool, username: string): Promise<CodeDeliveryDetails> {
    const type = 'password.reset_requested';
    const user = await findUser(this.store, pool, username);
    if (!user || !hasPassword(user) || !user.enabled) return this.simulate(pool, username, type);
    await this.limitCodeRequests(pool, user.id, type);
    const dest = recoveryDestination(pool.settings, user.attributes);
    if (!dest) throw new InvalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
    const details = await this.sendCode(pool, user, 'reset_password', dest);
    await this.audit(pool, type, user.id, {}, { medium: details.DeliveryMedium });
    return details;
  }

  async confirmForgotPassword(pool: Pool, username: string, code: string, newPassword: string): Promise<void> {
    checkCodeShape(code);
    const user = await findUser(this.store, pool, username);
    // The policy first: a refused password must not use up the code.
    const bad = checkPassword(pool.settings.Policies.PasswordPolicy, newPassword, user ? passwordContext(user) : [username]);
    if (bad) throw new InvalidPasswordException(bad);
    if (!user || !hasPassword(user)) throw new CodeMismatchException();
    await this.consumeCode(pool, user, 'reset_password', code);
    await this.store.users.updateUser(pool.id, user.id, { passwordHash: await hashPassword(newPassword), status: 'CONFIRMED' });
    await this.store.users.resetSignInFailures(pool.id, user.id);
    await this.endSessions(pool, user.id, 'password_reset');
    await this.audit(pool, 'password.reset', user.id, {});
  }

  /** ChangePassword: the current password is required, and every refresh token and hosted session ends. */
  async changePassword(pool: Pool, userId: string, previous: string, proposed: string): Promise<void> {
    const user = await this.store.users.getUser(pool.id, userId);
    if (!user) throw new UserNotFoundException();
    if (!user.enabled) throw new NotAuthorizedException(USER_DISABLED);
    if (!hasPassword(user)) throw new NotAuthorizedException();
    const bad = checkPassword(pool.settings.Policies.PasswordPolicy, proposed, passwordContext(user));
    if (bad) throw new InvalidPasswordException(bad);
    // Guessing the current password here counts against the same lockout as signing in.
    const attempt = await this.store.users.beginSignInAttempt(pool.id, user.id, this.now());
    if (!attempt.allowed) throw new LimitExceededException();
    if (!(await verifyPassword(user.passwordHash, previous)).ok) {
      await this.audit(pool, 'password.change_failure', user.id, {}, { failedSignIns: attempt.failedSignIns });
      throw new NotAuthorizedException();
    }
    await this.store.users.resetSignInFailures(pool.id, user.id);
    await this.store.users.updateUser(pool.id, user.id, { passwordHash: await hashPassword(proposed) });
    await this.endSessions(pool, user.id, 'password_change');
    await this.audit(pool, 'password.changed', user.id, {});
  }

  /**
   * Checks a password sign-in. Unknown users cost and answer the same as a wrong password; the account's
   * state (disabled, unconfirmed, reset required) is told only once the password is proven.
   * FORCE_CHANGE_PASSWORD users are returned: the caller answers with NEW_PASSWORD_REQUIRED.
   */
  async signIn(pool: Pool, username: string, password: string, ctx: SignInContext): Promise<User> {
    const user = await findUser(this.store, pool, username);
    if (!user || !hasPassword(user)) {
      await verifyDummy(password);
      await this.audit(pool, 'sign_in.failure', user?.id ?? null, ctx, { reason: user ? 'no_password' : 'unknown_user' });
      throw new NotAuthorizedException();
    }
    // Counted before the check, so parallel guesses cannot outrun the lock.
    const now = this.now();
    const attempt = await this.store.users.beginSignInAttempt(pool.id, user.id, now, COGNITO_LOCKOUT);
    if (!attempt.allowed) {
      await this.audit(pool, 'sign_in.locked', user.id, ctx, { lockedUntil: attempt.lockedUntil });
      throw new NotAuthorizedException(ATTEMPTS_EXCEEDED);
    }
    const { ok, needsRehash } = await verifyPassword(user.passwordHash, password);
    if (!ok) {
      await this.audit(pool, 'sign_in.failure', user.id, ctx, { reason: 'wrong_password', failedSignIns: attempt.failedSignIns });
      if (attempt.lockedUntil !== null && attempt.lockedUntil > now) {
        this.log.warn({ poolId: pool.id, userId: user.id, failedSignIns: attempt.failedSignIns }, 'user locked after failed sign-ins');
        await this.audit(pool, 'user.locked', user.id, ctx, { failedSignIns: attempt.failedSignIns, lockedUntil: attempt.lockedUntil });
      }
      throw new NotAuthorizedException();
    }
    await this.store.users.resetSignInFailures(pool.id, user.id);
    let current: User = { ...user, failedSignIns: 0, lastFailedSignInAt: null, lockedUntil: null };
    if (needsRehash) current = await this.store.users.updateUser(pool.id, user.id, { passwordHash: await hashPassword(password) });

    const refusal = this.refusal(pool, user, now); // the record as it was before any rehash
    await this.audit(pool, refusal ? 'sign_in.refused' : 'sign_in.success', user.id, ctx, refusal ? { reason: refusal.code } : {});
    if (refusal) throw refusal;
    return current;
  }

  /** Why a user with the right password still may not sign in, if anything. */
  private refusal(pool: Pool, u: User, now: number): DirectoryError | null {
    if (!u.enabled) return new NotAuthorizedException(USER_DISABLED);
    switch (u.status) {
      case 'CONFIRMED':
        return null;
      case 'UNCONFIRMED':
        return new UserNotConfirmedException();
      case 'RESET_REQUIRED':
      case 'COMPROMISED':
        return new PasswordResetRequiredException();
      case 'FORCE_CHANGE_PASSWORD': {
        // The temporary password was set at the last change of the user (the best the record tells).
        const days = pool.settings.Policies.PasswordPolicy.TemporaryPasswordValidityDays || 7;
        return now > u.updatedAt + days * DAY ? new NotAuthorizedException('Temporary password has expired and must be reset by an administrator.') : null;
      }
      default:
        return new NotAuthorizedException();
    }
  }

  private async sendCode(pool: Pool, user: User, purpose: CodePurpose, dest: Destination): Promise<CodeDeliveryDetails> {
    const code = newCode();
    const now = this.now();
    await this.store.flows.putOneTimeCode({ poolId: pool.id, userId: user.id, purpose, codeHash: codeHash(pool.id, user.id, code), createdAt: now, expiresAt: now + CODE_TTL_MS[purpose] });
    // Queued, not awaited on the mail server: the answer's timing must not depend on it.
    await this.delivery.queue(codeMessage(pool.id, pool.settings, dest, code, user.username));
    return detailsOf(dest);
  }

  private async consumeCode(pool: Pool, user: User, purpose: CodePurpose, code: string): Promise<void> {
    const result = await this.store.flows.consumeOneTimeCode(pool.id, user.id, purpose, codeHash(pool.id, user.id, code), this.now(), MAX_CODE_ATTEMPTS);
    switch (result) {
      case 'ok':
        return;
      case 'expired':
        throw new ExpiredCodeException();
      case 'too_many_attempts':
        throw new TooManyFailedAttemptsException();
      default: // a wrong code, or none at all: one answer, so it does not tell which
        throw new CodeMismatchException();
    }
  }

  /** An unknown user's code request: the same look-ups and records as a real one, and no message. */
  private async simulate(pool: Pool, username: string, type: string): Promise<CodeDeliveryDetails> {
    await this.store.audit.list(pool.id, { userId: randomUUID(), type, limit: MAX_CODE_REQUESTS_PER_HOUR });
    codeHash(pool.id, randomUUID(), newCode());
    await this.audit(pool, type, null, {}, { simulated: true });
    return simulatedDetails(username);
  }

  private async limitCodeRequests(pool: Pool, userId: string, type: string): Promise<void> {
    const since = this.now() - HOUR;
    const recent = await this.store.audit.list(pool.id, { userId, type, limit: MAX_CODE_REQUESTS_PER_HOUR });
    if (recent.filter((e) => e.time > since).length >= MAX_CODE_REQUESTS_PER_HOUR) throw new LimitExceededException();
  }

  /** Claims aliases together: if one is another user's, none is kept. */
  private async claimAliases(pool: Pool, user: User, aliases: { kind: AliasKind; value: string }[], force: boolean): Promise<void> {
    const claimed: AliasKind[] = [];
    try {
      for (const a of aliases) {
        await this.store.users.claimAlias(pool.id, a.kind, a.value, user.id, { force });
        claimed.push(a.kind);
      }
    } catch (err) {
      for (const kind of claimed) await this.store.users.releaseAlias(pool.id, kind, user.id);
      if (err instanceof AliasExists) throw new AliasExists(`An account with the given ${aliases[claimed.length]!.kind} already exists.`);
      throw err;
    }
  }

  private async endSessions(pool: Pool, userId: string, reason: string): Promise<void> {
    await this.store.tokens.revokeUserRefreshFamilies(pool.id, userId, reason, this.now());
    await this.store.flows.deleteUserSessions(pool.id, userId);
  }

  private audit(pool: Pool, type: string, userId: string | null, ctx: Partial<SignInContext>, detail: Record<string, unknown> = {}): Promise<void> {
    return this.store.audit.record({ poolId: pool.id, time: this.now(), type, userId, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null, detail });
  }
}

function checkCodeShape(code: string): void {
  if (typeof code !== 'string' || code.length === 0 || code.length > 2048 || /\s/.test(code))
    throw new InvalidParameter("1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+");
}
