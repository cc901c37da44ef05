// Native accounts: sign-up, confirmation, sign-in with lockout, password reset and change, as Cognito
// answers them (the operations and errors of the Amazon Cognito API Reference: SignUp, ConfirmSignUp,
// ResendConfirmationCode, InitiateAuth, ForgotPassword, ConfirmForgotPassword, ChangePassword; the pool
// settings of the Cognito Developer Guide) and without telling whether a user exists (docs/security.md,
// "Nothing tells whether a user exists").
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Delivery } from '../delivery/index.js';
import { AliasExists, InvalidParameter, UsernameExists } from '../directory/errors.js';
import type { BrokerError } from '../shared/errors.js';
import { flag, type Triggers } from '../triggers/index.js';
import type { Migrated, Migration, MigrationSource } from './migration.js';
import { BrokerKey, Sealer } from '../directory/secrets.js';
import { COGNITO_LOCKOUT, type Store } from '../directory/store.js';
import { STANDARD_ATTRIBUTE_SET } from '../directory/schema.js';
import type { AliasKind, Attributes, CodePurpose, Pool, User } from '../directory/types.js';
import {
  CODE_TTL_MS, MAX_CODE_ATTEMPTS, codeHash, codeMessage, confirmationDestination, detailsOf, newCode, recoveryDestination,
  simulatedDetails, templatedMessage, type CodeDeliveryDetails, type Destination,
} from './codes.js';
import {
  ATTEMPTS_EXCEEDED, CodeMismatchException, ExpiredCodeException, InvalidPasswordException, LimitExceededException,
  NotAuthorizedException, PasswordResetRequiredException, TooManyFailedAttemptsException, TooManyRequestsException, USER_DISABLED,
  UserNotConfirmedException, UserNotFoundException,
} from './errors.js';
import {
  EMAIL, checkNotProviderName, checkRequiredAttributes, checkSignUpAttributes, checkUsernameShape, findUser, newUsername, passwordContext, signInAliases,
} from './identifiers.js';
import { passwordCredentials, srpVerifierOf } from './credentials.js';
import { hashPassword, passwordGate, verifyDummy, verifyPassword } from './passwords.js';
import { srpPoolName, type SrpVerifier } from './srp.js';
import { srpMath } from './srp-math.js';
import { prepareUsername } from './usernames.js';
import { checkPassword } from './policy.js';

export type { CodeDeliveryDetails } from './codes.js';

/** Who asks: the app client, the source address, and how the client answers for unknown users. */
export interface SignInContext {
  clientId?: string;
  ip?: string | null;
  /**
   * The client's PreventUserExistenceErrors. ENABLED (the default, as for clients Cognito creates today):
   * an unknown, confirmed or unreachable user gets the very answer an existing one would. LEGACY:
   * Cognito's older answers (UserNotFoundException, "already confirmed"…).
   */
  preventUserExistenceErrors?: 'ENABLED' | 'LEGACY';
  /** The call's ClientMetadata, for the triggers it fires. */
  clientMetadata?: Record<string, string>;
}

/** Messages with codes a name may ask for per hour (ResendConfirmationCode, ForgotPassword): no mail-bombing. */
export const MAX_CODE_REQUESTS_PER_HOUR = 10;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const hides = (ctx: SignInContext) => ctx.preventUserExistenceErrors !== 'LEGACY';
/** What a LEGACY client is told of an unknown name on the code paths (Cognito's words). */
const unknownUser = () => new UserNotFoundException('Username/client id combination not found.');

/**
 * How a sign-in proves the user's password: `check` with the user's own credential (true when it is
 * right), `dummy` costing what a check costs (for unknown users and locked accounts), `gated` when it
 * runs argon2 (refused at once while the hashing queue is full).
 */
export interface Proof {
  check(user: User & { passwordHash: string }): Promise<boolean>;
  dummy(): Promise<void>;
  gated: boolean;
  /** For a name nobody here holds: the pool's user migration, which proves the password itself (null: not migrated). */
  migrate?(): Promise<User | null>;
}

/** What only an administrator may add to an attribute update: the verified flags, and taking an alias from another user. */
export interface AdminUpdate {
  verified?: Partial<Record<'email' | 'phone_number', boolean>>;
  forceAliasCreation?: boolean;
}

/** Federated users and users without a password cannot use the password paths. */
const hasPassword = (u: User): u is User & { passwordHash: string } => u.status !== 'EXTERNAL_PROVIDER' && u.passwordHash !== null;
/** Who may reset a password: a user with one, or one migrated without one (RESET_REQUIRED). */
const canReset = (u: User): boolean => hasPassword(u) || (u.status === 'RESET_REQUIRED' && u.passwordHash === null);
/** Accounts of the pool's own (with a password or, in passwordless pools, without), not federated ones. */
const isNative = (u: User): boolean => u.status !== 'EXTERNAL_PROVIDER';

export class Accounts {
  private readonly store: Store;
  private readonly delivery: Delivery;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Keys names as typed for the limits (a name may be a password typed in the wrong field: never kept in clear). */
  private readonly nameMac: BrokerKey;
  /** Seals SRP verifiers (and makes the fake ones of unknown users stable). */
  private readonly sealer: Sealer;
  private readonly fakeKey: BrokerKey;

  /** Cognito's Lambda triggers (PreSignUp, PostConfirmation), when the pool sets them. */
  private readonly triggers: Triggers | undefined;
  /** User migration (the trigger, or a live Cognito pool) for names nobody here holds. */
  private readonly migration: Migration | undefined;

  constructor(o: { store: Store; delivery: Delivery; log: Logger; now?: () => number; sealer?: Sealer; triggers?: Triggers; migration?: Migration }) {
    this.store = o.store;
    this.triggers = o.triggers;
    this.migration = o.migration;
    this.sealer = o.sealer ?? new Sealer(undefined);
    this.fakeKey = new BrokerKey(o.store.meta, 'srp-fake-verifier-key');
    this.nameMac = new BrokerKey(o.store.meta, 'limits-name-key');
    this.delivery = o.delivery;
    this.log = o.log;
    this.now = o.now ?? Date.now;
  }

  /** The user a sign-in name designates (username, or a held alias), or null. */
  findUser(pool: Pool, username: string): Promise<User | null> {
    return findUser(this.store, pool, username);
  }

  /** A new, unconfirmed account; without a password only where the pool signs in with codes alone (USER_AUTH's EMAIL_OTP, SMS_OTP). */
  async signUp(
    pool: Pool, i: { clientId: string; ip?: string | null; username: string; password: string | undefined; attributes: Record<string, string>; validationData?: Record<string, string>; clientMetadata?: Record<string, string> },
  ): Promise<{ user: User; confirmed: boolean; delivery: CodeDeliveryDetails | null }> {
    const s = pool.settings;
    if (s.AdminCreateUserConfig.AllowAdminCreateUserOnly) throw new NotAuthorizedException('SignUp is not permitted for this user pool.');
    checkUsernameShape(i.username);
    const caseSensitive = s.UsernameConfiguration.CaseSensitive;
    // RFC 8265 folding and look-alike skeletons, or the address held as the alias of a UUID username.
    const { username, sub, aliases, kind, name } = newUsername(s, i.username);
    await checkNotProviderName(this.store, pool, name);
    const attributes = checkSignUpAttributes(s, i.attributes);
    if (attributes.preferred_username !== undefined) attributes.preferred_username = prepareUsername(attributes.preferred_username, { caseSensitive });
    if (kind) attributes[kind] = i.username;
    checkRequiredAttributes(s, attributes);
    if (i.password === undefined) {
      if (!s.Policies.SignInPolicy.AllowedFirstAuthFactors.some((f) => f !== 'PASSWORD')) throw new InvalidParameter('A password is required: this user pool signs in with passwords only.');
    } else {
      const bad = checkPassword(s.Policies.PasswordPolicy, i.password, [i.username, ...passwordContext({ username, attributes })]);
      if (bad) throw new InvalidPasswordException(bad);
    }

    // Counted only for a sign-up that would be made: a flood from one address (or at the pool) stops here,
    // before a user or a message exists.
    await this.takeSend(pool, i.ip ?? null);
    // The pre sign-up trigger may refuse, confirm the account at once, or mark its addresses verified.
    const pre = await this.triggers?.run(pool, 'PreSignUp', {
      triggerSource: 'PreSignUp_SignUp', userName: username, clientId: i.clientId,
      request: { userAttributes: { ...attributes }, validationData: i.validationData ?? null, clientMetadata: i.clientMetadata ?? {} },
    });
    const autoConfirm = pre ? flag(pre, 'autoConfirmUser') : false;
    if (pre && flag(pre, 'autoVerifyEmail') && attributes.email) attributes.email_verified = 'true';
    if (pre && flag(pre, 'autoVerifyPhone') && attributes.phone_number) attributes.phone_number_verified = 'true';
    let user: User;
    try {
      user = await this.store.users.createUser({ poolId: pool.id, sub, username, status: autoConfirm ? 'CONFIRMED' : 'UNCONFIRMED', attributes, ...(i.password === undefined ? {} : await passwordCredentials(this.sealer, pool, username, i.password)), aliases });
    } catch (err) {
      if (kind && err instanceof AliasExists) throw new UsernameExists(`An account with the given ${kind} already exists.`);
      if (err instanceof AliasExists) throw new UsernameExists(); // the skeleton: as Cognito says of a taken name
      throw err;
    }
    if (autoConfirm) {
      // Confirmed by the trigger: no code; a verified alias signs in at once (or the sign-up is undone).
      try {
        await this.claimAliases(pool, user, signInAliases(s, user.attributes), false);
      } catch (err) {
        await this.store.users.deleteUser(pool.id, user.id);
        throw err;
      }
      await this.audit(pool, 'sign_up', user.id, { clientId: i.clientId }, { medium: null, confirmedBy: 'PreSignUp' });
      await this.postConfirmation(pool, user, 'PostConfirmation_ConfirmSignUp', i.clientId, i.clientMetadata);
      return { user, confirmed: true, delivery: null };
    }
    const dest = confirmationDestination(s, user.attributes);
    const delivery = dest ? await this.sendCode(pool, user, 'confirm_sign_up', dest) : null;
    await this.audit(pool, 'sign_up', user.id, { clientId: i.clientId }, { medium: delivery?.DeliveryMedium ?? null });
    return { user, confirmed: false, delivery };
  }

  /** The post confirmation trigger, once the account is confirmed (its error reaches the caller; the confirmation stands, as in Cognito). */
  private async postConfirmation(pool: Pool, user: User, triggerSource: string, clientId: string | null | undefined, clientMetadata: Record<string, string> | undefined): Promise<void> {
    await this.triggers?.run(pool, 'PostConfirmation', {
      triggerSource, userName: user.username, clientId: clientId ?? null,
      request: { userAttributes: { sub: user.sub, ...user.attributes, 'cognito:user_status': 'CONFIRMED' }, clientMetadata: clientMetadata ?? {} },
    });
  }

  async confirmSignUp(pool: Pool, username: string, code: string, options: { forceAliasCreation?: boolean; clientMetadata?: Record<string, string> } = {}, ctx: SignInContext = {}): Promise<User> {
    checkCodeShape(code);
    // Tries are counted per name as typed, known or not, so the limit tells nothing either.
    const tries = this.codeTries(pool, 'confirm_sign_up', username);
    const count = await tries.begin();
    const user = await findUser(this.store, pool, username);
    if (!user || !isNative(user)) throw hides(ctx) ? tries.mismatch(count) : unknownUser();
    if (user.status !== 'UNCONFIRMED') {
      // A confirmed account answers as a wrong code would (there is no code to match any more).
      if (hides(ctx)) throw tries.mismatch(count);
      throw new NotAuthorizedException(`User cannot be confirmed. Current status is ${user.status}`);
    }
    await this.consumeCode(pool, user, 'confirm_sign_up', code);
    await tries.reset();

    const s = pool.settings;
    const verified: Attributes = {};
    const dest = confirmationDestination(s, user.attributes);
    if (dest && s.AutoVerifiedAttributes.includes(dest.attribute)) verified[`${dest.attribute}_verified`] = 'true';
    const attrs = { ...user.attributes, ...verified };
    // Alias pools: a verified address (and the preferred username) signs in from now on.
    await this.claimAliases(pool, user, signInAliases(s, attrs), options.forceAliasCreation ?? false);

    const confirmed = await this.store.users.updateUser(pool.id, user.id, { status: 'CONFIRMED', setAttributes: verified });
    await this.audit(pool, 'sign_up.confirmed', user.id, {}, { verified: Object.keys(verified) });
    await this.postConfirmation(pool, confirmed, 'PostConfirmation_ConfirmSignUp', ctx.clientId, options.clientMetadata);
    return confirmed;
  }

  async resendConfirmationCode(pool: Pool, username: string, ctx: SignInContext = {}): Promise<CodeDeliveryDetails> {
    const type = 'sign_up.code_resent';
    await this.limitCodeRequests(pool, username, ctx);
    await this.codeTries(pool, 'confirm_sign_up', username).reset();
    const user = await findUser(this.store, pool, username);
    if (!user || !isNative(user)) {
      if (!hides(ctx)) throw unknownUser();
      return this.simulate(pool, username, type, ctx);
    }
    if (user.status !== 'UNCONFIRMED') {
      if (hides(ctx)) return this.simulate(pool, username, type, ctx);
      throw new InvalidParameter('User is already confirmed.');
    }
    const dest = confirmationDestination(pool.settings, user.attributes);
    if (!dest) throw new InvalidParameter('There is no email or phone number to send a code to.');
    const details = await this.sendCode(pool, user, 'confirm_sign_up', dest);
    await this.audit(pool, type, user.id, ctx, { medium: details.DeliveryMedium });
    return details;
  }

  async forgotPassword(pool: Pool, username: string, ctx: SignInContext = {}): Promise<CodeDeliveryDetails> {
    const type = 'password.reset_requested';
    await this.limitCodeRequests(pool, username, ctx);
    await this.codeTries(pool, 'reset_password', username).reset();
    let user = await findUser(this.store, pool, username);
    if (!user && this.migration?.has(pool)) user = (await this.migrate(pool, username, 'UserMigration_ForgotPassword', ctx)) ?? (await findUser(this.store, pool, username));
    if (!user || !canReset(user) || !user.enabled) {
      if (!hides(ctx) && !user) throw unknownUser();
      return this.simulate(pool, username, type, ctx);
    }
    const dest = recoveryDestination(pool.settings, user.attributes);
    if (!dest) {
      if (hides(ctx)) return this.simulate(pool, username, type, ctx);
      throw new InvalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
    }
    const details = await this.sendCode(pool, user, 'reset_password', dest);
    await this.audit(pool, type, user.id, ctx, { medium: details.DeliveryMedium });
    return details;
  }

  async confirmForgotPassword(pool: Pool, username: string, code: string, newPassword: string, ctx: SignInContext = {}): Promise<void> {
    checkCodeShape(code);
    const user = await findUser(this.store, pool, username);
    // The policy first: a refused password must not use up the code (nor a try).
    const bad = checkPassword(pool.settings.Policies.PasswordPolicy, newPassword, user ? passwordContext(user) : [username]);
    if (bad) throw new InvalidPasswordException(bad);
    const tries = this.codeTries(pool, 'reset_password', username);
    const count = await tries.begin();
    if (!user || !canReset(user)) throw hides(ctx) ? tries.mismatch(count) : unknownUser();
    await this.consumeCode(pool, user, 'reset_password', code);
    await tries.reset();
    await this.unlock(pool, user, username);
    await this.store.users.updateUser(pool.id, user.id, { ...(await passwordCredentials(this.sealer, pool, user.username, newPassword)), status: 'CONFIRMED' });
    await this.endSessions(pool, user.id, 'password_reset');
    await this.audit(pool, 'password.reset', user.id, {});
  }

  /**
   * UpdateUserAttributes: the user's own attributes, checked as at sign-up and against the client's
   * WriteAttributes. A changed email or phone number is unverified until its code is confirmed
   * (VerifyUserAttribute); one the pool auto-verifies is sent that code. A verified alias stops
   * signing in until the new value is verified; an email or phone username moves with it at once.
   * Under UserAttributeUpdateSettings a listed one does not change yet: its new value waits with the
   * code sent to it, and the old value (verified or not) keeps signing in until the code is confirmed.
   */
  async updateAttributes(
    pool: Pool, user: User, attributes: Record<string, string>, writable: string[] | undefined, ctx: SignInContext = {}, options: AdminUpdate = {},
  ): Promise<CodeDeliveryDetails[]> {
    for (const name of Object.keys(attributes)) checkWritable(name, writable);
    const s = pool.settings;
    const checked = checkSignUpAttributes(s, attributes);
    const flags = options.verified ?? {};
    const changed = (['email', 'phone_number'] as const).filter((k) => checked[k] !== undefined && checked[k] !== user.attributes[k]);
    // An address an administrator marks verified applies at once: there is no code to wait for.
    const held = new Set((s.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? []).filter((k) => flags[k] !== true));
    const usernameKinds = s.UsernameAttributes ?? [];
    // A held value is claimed only once verified: an address another user signs in with is refused
    // now, before anything changes, rather than after the user proved it.
    for (const k of changed) if (held.has(k) && signsInWith(pool, k)) await this.checkAliasFree(pool, user, k, checked[k]!);
    const set: Attributes = { ...checked };
    for (const k of changed) {
      if (held.has(k)) delete set[k];
      else set[`${k}_verified`] = 'false';
    }
    for (const k of ['email', 'phone_number'] as const) if (flags[k] !== undefined && !held.has(k)) set[`${k}_verified`] = String(flags[k]);
    const value = (k: 'email' | 'phone_number') => set[k] ?? user.attributes[k];
    for (const k of ['email', 'phone_number'] as const) {
      if (held.has(k) || !value(k)) continue;
      const nowVerified = set[`${k}_verified`] === 'true' || (set[`${k}_verified`] === undefined && user.attributes[`${k}_verified`] === 'true');
      if (usernameKinds.includes(k)) {
        if (changed.includes(k)) await this.claimAliases(pool, user, [{ kind: k, value: checked[k]! }], false);
      } else if ((s.AliasAttributes ?? []).includes(k)) {
        // A verified alias signs in; a changed, unverified one stops until it is verified.
        if (nowVerified && (changed.includes(k) || flags[k] === true)) await this.claimAliases(pool, user, [{ kind: k, value: value(k)! }], options.forceAliasCreation ?? false);
        else if (!nowVerified && (changed.includes(k) || flags[k] === false)) await this.store.users.releaseAlias(pool.id, k, user.id);
      }
    }
    if (checked.preferred_username !== undefined && (s.AliasAttributes ?? []).includes('preferred_username')) {
      set.preferred_username = prepareUsername(checked.preferred_username, { caseSensitive: s.UsernameConfiguration.CaseSensitive });
      await this.claimAliases(pool, user, [{ kind: 'preferred_username', value: set.preferred_username }], options.forceAliasCreation ?? false);
    }
    const updated = Object.keys(set).length ? await this.store.users.updateUser(pool.id, user.id, { setAttributes: set }) : user;
    const sent: CodeDeliveryDetails[] = [];
    for (const k of changed) {
      const dest = { attribute: k, value: checked[k]! };
      if (held.has(k)) sent.push(await this.sendCode(pool, updated, `verify_${k}`, dest, checked[k]!));
      else if (s.AutoVerifiedAttributes.includes(k) && set[`${k}_verified`] !== 'true') sent.push(await this.sendCode(pool, updated, `verify_${k}`, dest));
    }
    const pending = changed.filter((k) => held.has(k));
    await this.audit(pool, 'user.attributes_updated', user.id, ctx, { names: [...Object.keys(checked), ...Object.keys(flags).map((k) => `${k}_verified`)], ...(pending.length ? { pending } : {}) });
    return sent;
  }

  /** DeleteUserAttributes: not a required one, not one the client may not write; a deleted address stops signing in. */
  async deleteAttributes(pool: Pool, user: User, names: string[], writable: string[] | undefined, ctx: SignInContext = {}): Promise<void> {
    for (const name of names) {
      checkWritable(name, writable);
      if (pool.settings.Schema.some((a) => a.Required && a.Name === name)) throw new InvalidParameter(`Cannot delete the required attribute ${name}.`);
      if ((pool.settings.UsernameAttributes ?? []).some((k) => k === name)) throw new InvalidParameter(`Cannot delete ${name}: the user signs in with it.`);
    }
    for (const kind of aliasKindsOf(names)) await this.store.users.releaseAlias(pool.id, kind, user.id);
    const flags = names.filter((n) => n === 'email' || n === 'phone_number').map((n) => `${n}_verified`);
    await this.store.users.updateUser(pool.id, user.id, { deleteAttributes: [...names, ...flags] });
    await this.audit(pool, 'user.attributes_deleted', user.id, ctx, { names });
  }

  /**
   * GetUserAttributeVerificationCode: a code to the user's email or phone number (limited like every
   * code request). While an update waits for its code, the new code goes to the new value, still waiting.
   */
  async sendAttributeCode(pool: Pool, user: User, attribute: string, ctx: SignInContext = {}): Promise<CodeDeliveryDetails> {
    if (attribute !== 'email' && attribute !== 'phone_number') throw new InvalidParameter(`Attribute ${attribute} cannot be verified.`);
    const pending = await this.store.flows.pendingOfOneTimeCode(pool.id, user.id, `verify_${attribute}`, this.now());
    const value = pending ?? user.attributes[attribute];
    if (!value) throw new InvalidParameter(`The user has no ${attribute} to verify.`);
    await this.limitCodeRequests(pool, user.username, ctx);
    return this.sendCode(pool, user, `verify_${attribute}`, { attribute, value }, pending);
  }

  /**
   * VerifyUserAttribute: the code sent to the address; then it is verified and, where the pool signs in
   * with it, an alias. A code for a value waiting to apply (UserAttributeUpdateSettings) applies it,
   * verified, in place of the old one.
   */
  async verifyAttribute(pool: Pool, user: User, attribute: string, code: string, ctx: SignInContext = {}): Promise<void> {
    checkCodeShape(code);
    if (attribute !== 'email' && attribute !== 'phone_number') throw new InvalidParameter(`Attribute ${attribute} cannot be verified.`);
    const purpose = `verify_${attribute}` as const;
    const pending = await this.store.flows.pendingOfOneTimeCode(pool.id, user.id, purpose, this.now());
    // Refused before the code (or a try) is used up: another user took the address since the update.
    if (pending !== null && signsInWith(pool, attribute)) await this.checkAliasFree(pool, user, attribute, pending);
    const tries = this.codeTries(pool, purpose, user.username);
    await tries.begin();
    await this.consumeCode(pool, user, purpose, code, pending);
    await tries.reset();
    const value = pending ?? user.attributes[attribute];
    // A verified alias signs in from now on; an email or phone username moves to the value applied.
    const claims = (pool.settings.AliasAttributes ?? []).includes(attribute) || (pending !== null && (pool.settings.UsernameAttributes ?? []).includes(attribute));
    if (value && claims) await this.claimAliases(pool, user, [{ kind: attribute, value }], false);
    const set: Attributes = { [`${attribute}_verified`]: 'true' };
    if (pending !== null) set[attribute] = pending;
    await this.store.users.updateUser(pool.id, user.id, { setAttributes: set });
    await this.audit(pool, 'user.attribute_verified', user.id, ctx, { attribute, ...(pending !== null ? { updated: true } : {}) });
  }

  /**
   * ChangePassword: the current password is required; every other sign-in of the user ends (refresh
   * tokens and the access tokens from them, hosted sessions), so whoever else held one is out. The
   * caller's own sign-in (`keepOriginJti`, its access token's origin_jti) stays, as in Cognito, where
   * a password change ends none.
   */
  async changePassword(pool: Pool, userId: string, previous: string, proposed: string, keepOriginJti?: string): Promise<void> {
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
    await this.store.users.updateUser(pool.id, user.id, await passwordCredentials(this.sealer, pool, user.username, proposed));
    await this.endSessions(pool, user.id, 'password_change', keepOriginJti);
    await this.audit(pool, 'password.changed', user.id, {});
  }

  /**
   * Checks a password sign-in. Unknown users cost and answer the same as a wrong password; the account's
   * state (disabled, unconfirmed, reset required) is told only once the password is proven.
   * FORCE_CHANGE_PASSWORD users are returned: the caller answers with NEW_PASSWORD_REQUIRED.
   */
  async signIn(pool: Pool, username: string, password: string, ctx: SignInContext = {}): Promise<User> {
    let rehash = false;
    const user = await this.proveSignIn(pool, username, ctx, {
      gated: true,
      dummy: () => verifyDummy(password),
      ...(this.migration?.has(pool) ? { migrate: () => this.migrate(pool, username, 'UserMigration_Authentication', ctx, password) } : {}),
      check: async (u) => {
        const r = await verifyPassword(u.passwordHash, password);
        rehash = r.needsRehash;
        return r.ok;
      },
    });
    // The password is known right now: renew an old hash, and give a password set before SRP verifiers were kept its verifier.
    if (rehash || !user.srpVerifier) return this.store.users.updateUser(pool.id, user.id, await passwordCredentials(this.sealer, pool, user.username, password));
    return user;
  }

  /**
   * The first half of USER_SRP_AUTH: the user a name designates and the verifier to challenge with.
   * Nothing is counted yet (the proof comes with the answer). An unknown name, a user without a
   * password or without a verifier gets a fake verifier, stable per name, so the challenge looks alike
   * (but a LEGACY client is told an unknown name at once: UserNotFoundException).
   */
  async srpChallengeFor(pool: Pool, username: string, ctx: SignInContext = {}): Promise<{ userId: string | null; userIdForSrp: string; verifier: SrpVerifier }> {
    const user = await findUser(this.store, pool, username);
    if (!user && !hides(ctx)) throw new UserNotFoundException();
    const real = user && hasPassword(user) ? srpVerifierOf(this.sealer, user) : null;
    if (user && real) return { userId: user.id, userIdForSrp: user.username, verifier: real };
    const key = Buffer.from(await this.fakeKey.mac(`${pool.id}:${username}`), 'base64url');
    return { userId: null, userIdForSrp: user?.username ?? username, verifier: await srpMath.fakeVerifier(key, srpPoolName(pool.id), username) };
  }

  /**
   * The second half of USER_SRP_AUTH: `prove` checks the client's signature against a verifier. The
   * same counting, lockout and account-state answers as a password sign-in, per name as typed.
   */
  async signInWithSrp(
    pool: Pool, typedName: string, userId: string | null, prove: (verifier: SrpVerifier) => Promise<boolean>, dummy: () => Promise<void>, ctx: SignInContext = {},
  ): Promise<User> {
    return this.proveSignIn(pool, typedName, ctx, {
      gated: false,
      dummy,
      check: async (u) => {
        const v = u.id === userId ? srpVerifierOf(this.sealer, u) : null;
        if (!v) {
          await dummy();
          return false;
        }
        return prove(v);
      },
    });
  }

  /** NEW_PASSWORD_REQUIRED answered: the temporary password gives way to the user's own, with the attributes asked for. */
  async completeNewPassword(pool: Pool, user: User, password: string, attributes: Attributes, ctx: SignInContext = {}): Promise<User> {
    const bad = checkPassword(pool.settings.Policies.PasswordPolicy, password, passwordContext(user));
    if (bad) throw new InvalidPasswordException(bad);
    const updated = await this.store.users.updateUser(pool.id, user.id, {
      ...(await passwordCredentials(this.sealer, pool, user.username, password)), status: 'CONFIRMED', setAttributes: attributes,
    });
    await this.audit(pool, 'password.new_password_set', user.id, ctx);
    return updated;
  }

  /** The counting, locks and answers every password proof shares (signIn and signInWithSrp). */
  private async proveSignIn(pool: Pool, username: string, ctx: SignInContext, proof: Proof): Promise<User> {
    // A flood is answered at once, before anything is counted: the hashing queue is full.
    if (proof.gated && passwordGate.full) throw new TooManyRequestsException();
    // Counted before the check, so parallel guesses cannot outrun the lock; and per name as typed, known or
    // not, so a locked account and an unknown name answer alike ("Password attempts exceeded", no hash).
    const now = this.now();
    const byName = await this.nameKey(pool, 'sign_in', username);
    const named = await this.store.limits.beginAttempt(byName, now, COGNITO_LOCKOUT);
    if (!named.allowed) {
      await this.audit(pool, 'sign_in.locked', null, ctx, { lockedUntil: named.lockedUntil });
      throw new NotAuthorizedException(ATTEMPTS_EXCEEDED);
    }
    let user = await findUser(this.store, pool, username);
    if (!user && proof.migrate) {
      // Migrated with the password the old home proved: signed in (a second try at once finds the user here).
      const moved = await proof.migrate();
      if (moved) return this.proven(pool, moved, byName, ctx, now);
      user = await findUser(this.store, pool, username); // another sign-in may have migrated them meanwhile
    }
    if (!user || !hasPassword(user)) {
      await proof.dummy();
      await this.audit(pool, 'sign_in.failure', user?.id ?? null, ctx, { reason: user ? 'no_password' : 'unknown_user' });
      throw !user && !hides(ctx) ? new UserNotFoundException() : new NotAuthorizedException();
    }
    // The account's own count too: guesses spread over its aliases still meet one lock.
    const attempt = await this.store.users.beginSignInAttempt(pool.id, user.id, now, COGNITO_LOCKOUT);
    if (!attempt.allowed) {
      await proof.dummy(); // costs what a check costs: the other name's lock is not told apart
      await this.audit(pool, 'sign_in.locked', user.id, ctx, { lockedUntil: attempt.lockedUntil });
      throw new NotAuthorizedException(ATTEMPTS_EXCEEDED);
    }
    if (!(await proof.check(user))) {
      await this.audit(pool, 'sign_in.failure', user.id, ctx, { reason: 'wrong_password', failedSignIns: attempt.failedSignIns });
      if (attempt.lockedUntil !== null && attempt.lockedUntil > now) {
        this.log.warn({ poolId: pool.id, userId: user.id, failedSignIns: attempt.failedSignIns }, 'user locked after failed sign-ins');
        await this.audit(pool, 'user.locked', user.id, ctx, { failedSignIns: attempt.failedSignIns, lockedUntil: attempt.lockedUntil });
      }
      throw new NotAuthorizedException();
    }
    await this.store.users.resetSignInFailures(pool.id, user.id);
    return this.proven(pool, user, byName, ctx, now);
  }

  /** The password is proven: the name's count starts again, and the account's state may still refuse. */
  private async proven(pool: Pool, user: User, byName: string, ctx: SignInContext, now: number): Promise<User> {
    await this.store.limits.resetAttempts(byName);
    const current: User = { ...user, failedSignIns: 0, lastFailedSignInAt: null, lockedUntil: null };
    const refusal = this.refusal(pool, user, now);
    await this.audit(pool, refusal ? 'sign_in.refused' : 'sign_in.success', user.id, ctx, refusal ? { reason: refusal.code } : {});
    if (refusal) throw refusal;
    return current;
  }

  /**
   * A name nobody here holds, asked of the pool's user migration: the user it answers is created as
   * Cognito creates one (finalUserStatus, forceAliasCreation, the welcome message unless SUPPRESS), with
   * the password proven there kept under our hashing (not checked against the policy, as in Cognito).
   * Null when the migration does not know them, or when another request created them first.
   */
  private async migrate(pool: Pool, typed: string, source: MigrationSource, ctx: SignInContext, password?: string): Promise<User | null> {
    const m = await this.migration!.lookUp(pool, { source, username: typed, ...(password !== undefined ? { password } : {}), clientId: ctx.clientId ?? null, ...(ctx.clientMetadata ? { clientMetadata: ctx.clientMetadata } : {}) });
    if (!m) return null;
    try {
      return await this.createMigrated(pool, typed, m, m.passwordProven ? password : undefined, ctx);
    } catch (err) {
      if (err instanceof UsernameExists) return null;
      throw err;
    }
  }

  private async createMigrated(pool: Pool, typed: string, m: Migrated, password: string | undefined, ctx: SignInContext): Promise<User> {
    const s = pool.settings;
    checkUsernameShape(typed);
    const made = newUsername(s, typed);
    // The old pool's sub is kept (an app keyed on it sees the same user); in a pool signing in by email
    // or phone the username is the sub, as in Cognito.
    const sub = m.sub ?? made.sub;
    const username = made.kind && m.sub ? m.sub : made.username;
    const verified: Attributes = {};
    const given: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.attributes)) {
      if (/^(email|phone_number)_verified$/.test(k)) verified[k] = v === 'true' ? 'true' : 'false';
      else if (!k.startsWith('cognito:') && k !== 'identities') given[k] = v;
    }
    // Attributes the old home had and this pool does not define are left behind (named in the log), not a failed sign-in.
    const known = (k: string) => STANDARD_ATTRIBUTE_SET.has(k) || s.Schema.some((a) => `custom:${a.Name}` === k && !a.DeveloperOnlyAttribute);
    const dropped = Object.keys(given).filter((k) => !known(k));
    if (dropped.length) this.log.warn({ poolId: pool.id, attributes: dropped }, 'migrated user: attributes this pool does not define were not copied');
    const attributes: Attributes = checkSignUpAttributes(s, Object.fromEntries(Object.entries(given).filter(([k]) => known(k))));
    if (made.kind) attributes[made.kind] = typed;
    for (const [k, v] of Object.entries(verified)) if (attributes[k.replace('_verified', '')]) attributes[k] = v;
    checkRequiredAttributes(s, attributes);
    let user: User;
    try {
      user = await this.store.users.createUser({
        poolId: pool.id, ...(sub ? { sub } : {}), username, status: m.status, attributes, aliases: made.aliases,
        ...(password !== undefined ? await passwordCredentials(this.sealer, pool, username, password) : {}),
      });
    } catch (err) {
      if (err instanceof AliasExists) throw new UsernameExists();
      throw err;
    }
    try {
      await this.claimAliases(pool, user, signInAliases(s, attributes), m.forceAliasCreation);
      for (const g of m.groups ?? []) if (await this.store.groups.getGroup(pool.id, g)) await this.store.groups.addUserToGroup(pool.id, g, user.id);
    } catch (err) {
      await this.store.users.deleteUser(pool.id, user.id); // nothing half-made is left
      throw err;
    }
    await this.audit(pool, 'user.migrated', user.id, ctx, { status: m.status, groups: m.groups?.length ?? 0 });
    if (m.messageAction !== 'SUPPRESS' && m.passwordProven) await this.welcome(pool, user, m.mediums); // a reset sends its code instead
    return user;
  }

  /** The welcome Cognito sends a migrated user, to the mediums asked for that the user has an address for (no code, no password in it). */
  private async welcome(pool: Pool, user: User, mediums: Migrated['mediums']): Promise<void> {
    const subject = pool.settings.AdminCreateUserConfig.InviteMessageTemplate.EmailSubject;
    const text = `Welcome, ${user.username}: your ${pool.settings.PoolName} account is ready. Sign in with the password you already have.`;
    for (const medium of new Set(mediums)) {
      const attribute = medium === 'EMAIL' ? 'email' : 'phone_number';
      const value = user.attributes[attribute];
      if (value) await this.delivery.queue(templatedMessage(pool.id, { subject, email: text, sms: text }, { attribute, value }, '', user.username));
    }
  }

  /**
   * A name as typed, as the limits count it: compatibility forms folded (NFKC: `ａlice` is `alice`),
   * lower-cased unless the pool is case sensitive (emails always), and keyed by HMAC.
   */
  private async nameKey(pool: Pool, what: string, name: string): Promise<string> {
    let n = name.trim().normalize('NFKC');
    if (!pool.settings.UsernameConfiguration.CaseSensitive || EMAIL.test(n)) n = n.toLowerCase();
    return `${what}:${pool.id}:${await this.nameMac.mac(`${pool.id}:${n}`)}`;
  }

  /** A new password (a reset, or one an administrator set) is not refused by the old lock: the account's and its names'. */
  async unlock(pool: Pool, user: User, ...typed: string[]): Promise<void> {
    for (const name of new Set([...typed, user.username])) await this.store.limits.resetAttempts(await this.nameKey(pool, 'sign_in', name));
    await this.store.users.resetSignInFailures(pool.id, user.id);
  }

  /** Why a user with the right password still may not sign in, if anything. */
  private refusal(pool: Pool, u: User, now: number): BrokerError | null {
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

  /** Sends a code; `pending` is the value it will apply once verified (kept with the code and bound into its hash). Administration uses it too. */
  async sendCode(pool: Pool, user: User, purpose: CodePurpose, dest: Destination, pending: string | null = null): Promise<CodeDeliveryDetails> {
    const code = newCode();
    const now = this.now();
    await this.store.flows.putOneTimeCode({
      poolId: pool.id, userId: user.id, purpose, codeHash: codeHash(pool.id, user.id, boundCode(code, pending)), pending, createdAt: now, expiresAt: now + CODE_TTL_MS[purpose],
    });
    // Queued, not awaited on the mail server: the answer's timing must not depend on it.
    await this.delivery.queue(codeMessage(pool.id, pool.settings, dest, code, user.username));
    return detailsOf(dest);
  }

  /** Uses up a code; `pending` is the value the caller read with it (a code re-issued for another value is a mismatch). */
  private async consumeCode(pool: Pool, user: User, purpose: CodePurpose, code: string, pending: string | null = null): Promise<void> {
    const result = await this.store.flows.consumeOneTimeCode(pool.id, user.id, purpose, codeHash(pool.id, user.id, boundCode(code, pending)), this.now(), MAX_CODE_ATTEMPTS);
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

  /** A code request that sends nothing (unknown, confirmed or unreachable user): the same records as a real one. */
  private async simulate(pool: Pool, username: string, type: string, ctx: SignInContext): Promise<CodeDeliveryDetails> {
    codeHash(pool.id, randomUUID(), newCode());
    await this.audit(pool, type, null, ctx, { simulated: true });
    return simulatedDetails(username);
  }

  /**
   * Code requests are limited per name as typed (known or not: the limit tells nothing) and, like
   * sign-ups, per source address and per pool. Counted atomically in the store.
   */
  private async limitCodeRequests(pool: Pool, username: string, ctx: SignInContext): Promise<void> {
    const perName = await this.store.limits.take(await this.nameKey(pool, 'code_requests', username), MAX_CODE_REQUESTS_PER_HOUR, HOUR, this.now());
    if (!perName.allowed) throw new LimitExceededException();
    await this.takeSend(pool, ctx.ip ?? null);
  }

  /** One sign-up or message with a code, against the pool's RateLimits (per source address, per pool). */
  private async takeSend(pool: Pool, ip: string | null): Promise<void> {
    const r = pool.settings.RateLimits;
    const windowMs = r.WindowSeconds * 1000;
    const now = this.now();
    if (ip && !(await this.store.limits.take(`sends:${pool.id}:ip:${ip}`, r.SignUpsAndCodesPerSourceAddress, windowMs, now)).allowed) {
      this.log.warn({ poolId: pool.id, ip }, 'sign-up and code limit reached for a source address');
      throw new LimitExceededException();
    }
    if (!(await this.store.limits.take(`sends:${pool.id}:pool`, r.SignUpsAndCodesPerPool, windowMs, now)).allowed) {
      this.log.warn({ poolId: pool.id }, 'sign-up and code limit reached for the pool');
      throw new LimitExceededException();
    }
  }

  /**
   * Tries at a code, per name as typed and purpose: each try takes a slot before the comparison, and
   * after MAX_CODE_ATTEMPTS the name gets TooManyFailedAttempts until a new code is asked for, exactly
   * as a real user's code is void after as many wrong tries.
   */
  private codeTries(pool: Pool, purpose: CodePurpose, username: string) {
    const key = this.nameKey(pool, `code_tries:${purpose}`, username);
    return {
      begin: async () => {
        const t = await this.store.limits.take(await key, MAX_CODE_ATTEMPTS, CODE_TTL_MS[purpose], this.now());
        if (!t.allowed) throw new TooManyFailedAttemptsException();
        return t.count;
      },
      /** What a try that matched no code answers: as a real code's tries do, the last one voids. */
      mismatch: (count: number) => (count >= MAX_CODE_ATTEMPTS ? new TooManyFailedAttemptsException() : new CodeMismatchException()),
      reset: async () => this.store.limits.resetWindow(await key),
    };
  }

  /** AliasExists, as claimAliases answers, when another user signs in with the value. */
  private async checkAliasFree(pool: Pool, user: User, kind: 'email' | 'phone_number', value: string): Promise<void> {
    const holder = await this.store.users.findUserByAlias(pool.id, kind, value);
    if (holder && holder.id !== user.id) throw new AliasExists(`An account with the given ${kind} already exists.`);
  }

  /** Claims aliases together: if one is another user's, none is kept (`force` moves them instead). */
  async claimAliases(pool: Pool, user: User, aliases: { kind: AliasKind; value: string }[], force: boolean): Promise<void> {
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

  /** Ends the user's sign-ins: refresh tokens (and the access tokens from them) and hosted sessions. */
  async endSessions(pool: Pool, userId: string, reason: string, keepOriginJti?: string): Promise<void> {
    await this.store.tokens.revokeUserRefreshFamilies(pool.id, userId, reason, this.now(), keepOriginJti);
    await this.store.flows.deleteUserSessions(pool.id, userId);
  }

  audit(pool: Pool, type: string, userId: string | null, ctx: Partial<SignInContext>, detail: Record<string, unknown> = {}): Promise<void> {
    return this.store.audit.record({ poolId: pool.id, time: this.now(), type, userId, clientId: ctx.clientId ?? null, ip: ctx.ip ?? null, detail });
  }
}

/** Attributes no user writes for themselves: ids, and the verified flags (set by codes, or by an administrator). */
const NEVER_WRITABLE = new Set(['sub', 'identities', 'email_verified', 'phone_number_verified', 'cognito:user_status', 'username']);

function checkWritable(name: string, writable: string[] | undefined): void {
  if (NEVER_WRITABLE.has(name) || (writable && !writable.includes(name)))
    throw new NotAuthorizedException(`A client attempted to write unauthorized attribute ${name}`);
}

/** Whether the pool signs in with the attribute (as a username attribute, or as an alias once verified). */
const signsInWith = (pool: Pool, kind: 'email' | 'phone_number'): boolean =>
  (pool.settings.UsernameAttributes ?? []).includes(kind) || (pool.settings.AliasAttributes ?? []).includes(kind);

/**
 * What a code is hashed with: a code issued for a pending value is good for that value only, so a
 * verification that read one value but meets a code re-issued for another is a mismatch, never
 * applying the wrong value.
 */
const boundCode = (code: string, pending: string | null): string => (pending === null ? code : `${code}\u0000${pending}`);

const aliasKindsOf = (names: string[]): AliasKind[] => names.filter((n): n is AliasKind => n === 'email' || n === 'phone_number' || n === 'preferred_username');

function checkCodeShape(code: string): void {
  if (typeof code !== 'string' || code.length === 0 || code.length > 2048 || /\s/.test(code))
    throw new InvalidParameter("1 validation error detected: Value at 'confirmationCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\S]+");
}
