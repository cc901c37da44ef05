// What an administrator does to users (Cognito's Admin* actions): create with an invitation and a
// temporary password, confirm, disable, set or reset a password, sign out everywhere, delete. The
// rules live here, below the management API; accounts.ts keeps those users' own operations.
import { randomInt } from 'node:crypto';
import type { Delivery } from '../delivery/index.js';
import { AliasExists, InvalidParameter, UsernameExists } from '../directory/errors.js';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { Attributes, Pool, User } from '../directory/types.js';
import type { Accounts, AdminUpdate } from './accounts.js';
import { detailsOf, recoveryDestination, templatedMessage, type CodeDeliveryDetails, type Destination } from './codes.js';
import { passwordCredentials } from './credentials.js';
import { InvalidPasswordException, NotAuthorizedException, UserNotFoundException } from './errors.js';
import { checkNotProviderName, checkRequiredAttributes, checkSignUpAttributes, checkUsernameShape, newUsername, passwordContext, signInAliases } from './identifiers.js';
import { checkPassword } from './policy.js';
import { BrokerError } from '../shared/errors.js';
import { prepareUsername } from './usernames.js';

export type DeliveryMedium = 'EMAIL' | 'SMS';

export interface NewAdminUser {
  username: string;
  /** Attributes as given, `email_verified` and `phone_number_verified` included. */
  attributes: Record<string, string>;
  temporaryPassword?: string;
  /** RESEND: a new invitation (and temporary password) to a user who has not signed in yet; SUPPRESS: no message. */
  messageAction?: 'RESEND' | 'SUPPRESS';
  /** Where the invitation goes (Cognito's default: SMS). */
  mediums?: DeliveryMedium[];
  forceAliasCreation?: boolean;
}

/** The verified flags an administrator may set, split from the other attributes. */
export function splitVerifiedFlags(attributes: Record<string, string>): { attributes: Record<string, string>; verified: NonNullable<AdminUpdate['verified']> } {
  const rest: Record<string, string> = {};
  const verified: NonNullable<AdminUpdate['verified']> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const m = /^(email|phone_number)_verified$/.exec(name);
    if (!m) {
      rest[name] = value;
      continue;
    }
    if (value !== 'true' && value !== 'false') throw new InvalidParameter(`${name} must be true or false.`);
    verified[m[1] as 'email' | 'phone_number'] = value === 'true';
  }
  return { attributes: rest, verified };
}

export class Administration {
  private readonly store: Store;
  private readonly accounts: Accounts;
  private readonly delivery: Delivery;
  private readonly sealer: Sealer;

  constructor(o: { store: Store; accounts: Accounts; delivery: Delivery; sealer: Sealer }) {
    this.store = o.store;
    this.accounts = o.accounts;
    this.delivery = o.delivery;
    this.sealer = o.sealer;
  }

  /**
   * AdminCreateUser: a user in FORCE_CHANGE_PASSWORD with a temporary password (the one given, or a
   * generated one meeting the policy), valid for the pool's TemporaryPasswordValidityDays, sent in the
   * pool's InviteMessageTemplate unless SUPPRESS. Verified addresses of an alias pool sign in at once
   * (ForceAliasCreation moves one another user holds). RESEND renews the invitation of such a user.
   */
  async createUser(pool: Pool, i: NewAdminUser): Promise<{ user: User; sentTo: CodeDeliveryDetails[] }> {
    const s = pool.settings;
    if (i.messageAction === 'RESEND') return this.resendInvitation(pool, i);
    checkUsernameShape(i.username);
    const { username, sub, aliases, kind, name } = newUsername(s, i.username);
    await checkNotProviderName(this.store, pool, name);
    const { attributes: given, verified } = splitVerifiedFlags(i.attributes);
    const attributes: Attributes = checkSignUpAttributes(s, given);
    if (attributes.preferred_username !== undefined) attributes.preferred_username = prepareUsername(attributes.preferred_username, { caseSensitive: s.UsernameConfiguration.CaseSensitive });
    if (kind) {
      if (attributes[kind] !== undefined && attributes[kind] !== i.username) throw new InvalidParameter(`The ${kind} attribute must be the username.`);
      attributes[kind] = i.username;
    }
    for (const [k, v] of Object.entries(verified)) {
      if (!attributes[k]) throw new InvalidParameter(`${k}_verified is set, but the user has no ${k}.`);
      attributes[`${k}_verified`] = String(v);
    }
    checkRequiredAttributes(s, attributes);
    const password = i.temporaryPassword ?? temporaryPassword(s.Policies.PasswordPolicy);
    const bad = checkPassword(s.Policies.PasswordPolicy, password, [i.username, ...passwordContext({ username, attributes })]);
    if (bad) throw new InvalidPasswordException(bad);

    let user: User;
    try {
      user = await this.store.users.createUser({
        poolId: pool.id, sub, username, status: 'FORCE_CHANGE_PASSWORD', attributes, aliases, ...(await passwordCredentials(this.sealer, pool, username, password)),
      });
    } catch (err) {
      if (kind && err instanceof AliasExists) throw new UsernameExists(`An account with the given ${kind} already exists.`);
      if (err instanceof AliasExists) throw new UsernameExists();
      throw err;
    }
    // Alias pools: verified addresses and the preferred username sign in from the start.
    try {
      await this.accounts.claimAliases(pool, user, signInAliases(s, attributes), i.forceAliasCreation ?? false);
    } catch (err) {
      await this.store.users.deleteUser(pool.id, user.id); // nothing half-made is left
      throw err;
    }
    const sentTo = i.messageAction === 'SUPPRESS' ? [] : await this.invite(pool, user, password, i.mediums);
    return { user, sentTo };
  }

  /** A new temporary password and invitation for a user who has not used theirs; refused for any other. */
  private async resendInvitation(pool: Pool, i: NewAdminUser): Promise<{ user: User; sentTo: CodeDeliveryDetails[] }> {
    const found = await this.accounts.findUser(pool, i.username);
    if (!found) throw new UserNotFoundException();
    if (found.status !== 'FORCE_CHANGE_PASSWORD') throw new BrokerError('UnsupportedUserStateException', 'Resend not possible. User status is not FORCE_CHANGE_PASSWORD.');
    const password = i.temporaryPassword ?? temporaryPassword(pool.settings.Policies.PasswordPolicy);
    const bad = checkPassword(pool.settings.Policies.PasswordPolicy, password, passwordContext(found));
    if (bad) throw new InvalidPasswordException(bad);
    // A new temporary password restarts its validity (it runs from the user's last change).
    const user = await this.store.users.updateUser(pool.id, found.id, await passwordCredentials(this.sealer, pool, found.username, password));
    return { user, sentTo: await this.invite(pool, user, password, i.mediums) };
  }

  /** The pool's InviteMessageTemplate to each medium asked for that the user has an address for. */
  private async invite(pool: Pool, user: User, password: string, mediums: DeliveryMedium[] = ['SMS']): Promise<CodeDeliveryDetails[]> {
    const t = pool.settings.AdminCreateUserConfig.InviteMessageTemplate;
    const template = { subject: t.EmailSubject, email: t.EmailMessage, sms: t.SMSMessage };
    const sent: CodeDeliveryDetails[] = [];
    for (const medium of new Set(mediums)) {
      const dest: Destination = medium === 'EMAIL' ? { attribute: 'email', value: user.attributes.email ?? '' } : { attribute: 'phone_number', value: user.attributes.phone_number ?? '' };
      if (!dest.value) continue;
      await this.delivery.queue(templatedMessage(pool.id, template, dest, password, user.username));
      sent.push(detailsOf(dest));
    }
    return sent;
  }

  /** AdminUpdateUserAttributes: any attribute but the ids, the verified flags included; an address set verified signs in at once. */
  async updateAttributes(pool: Pool, user: User, attributes: Record<string, string>, forceAliasCreation = false): Promise<CodeDeliveryDetails[]> {
    const { attributes: rest, verified } = splitVerifiedFlags(attributes);
    for (const k of Object.keys(verified) as ('email' | 'phone_number')[])
      if (!rest[k] && !user.attributes[k]) throw new InvalidParameter(`${k}_verified is set, but the user has no ${k}.`);
    return this.accounts.updateAttributes(pool, user, rest, undefined, {}, { verified, forceAliasCreation });
  }

  deleteAttributes(pool: Pool, user: User, names: string[]): Promise<void> {
    return this.accounts.deleteAttributes(pool, user, names, undefined);
  }

  /** AdminDisableUser ends every sign-in at once; AdminEnableUser lets the user in again. */
  async setEnabled(pool: Pool, user: User, enabled: boolean): Promise<void> {
    await this.store.users.updateUser(pool.id, user.id, { enabled });
    if (!enabled) await this.accounts.endSessions(pool, user.id, 'user_disabled');
    await this.accounts.audit(pool, enabled ? 'user.enabled' : 'user.disabled', user.id, {});
  }

  /** AdminConfirmSignUp: an UNCONFIRMED user becomes CONFIRMED without a code. */
  async confirmSignUp(pool: Pool, user: User): Promise<void> {
    if (user.status !== 'UNCONFIRMED') throw new NotAuthorizedException(`User cannot be confirmed. Current status is ${user.status}`);
    await this.store.users.updateUser(pool.id, user.id, { status: 'CONFIRMED' });
    await this.accounts.audit(pool, 'sign_up.confirmed', user.id, {}, { by: 'admin' });
  }

  /**
   * AdminResetUserPassword: the password stops working (RESET_REQUIRED: a sign-in with it is told
   * PasswordResetRequiredException), every sign-in ends, and a reset code goes to a verified address;
   * ConfirmForgotPassword with it sets the new password.
   */
  async resetPassword(pool: Pool, user: User): Promise<CodeDeliveryDetails> {
    if (user.status === 'EXTERNAL_PROVIDER' || !user.passwordHash) throw new NotAuthorizedException('User has no password to reset.');
    const dest = recoveryDestination(pool.settings, user.attributes);
    if (!dest) throw new InvalidParameter('Cannot reset password for the user as there is no registered/verified email or phone_number');
    await this.store.users.updateUser(pool.id, user.id, { status: 'RESET_REQUIRED' });
    await this.accounts.endSessions(pool, user.id, 'password_reset_by_admin');
    const details = await this.accounts.sendCode(pool, user, 'reset_password', dest);
    await this.accounts.audit(pool, 'password.reset_by_admin', user.id, {}, { medium: details.DeliveryMedium });
    return details;
  }

  /**
   * AdminSetUserPassword: Permanent makes the user CONFIRMED with it; otherwise it is a temporary one
   * (FORCE_CHANGE_PASSWORD). Either way the old password's sign-ins end and its lock is lifted.
   */
  async setPassword(pool: Pool, user: User, password: string, permanent: boolean): Promise<void> {
    if (user.status === 'EXTERNAL_PROVIDER') throw new InvalidParameter('Cannot set a password for a federated user.');
    const bad = checkPassword(pool.settings.Policies.PasswordPolicy, password, passwordContext(user));
    if (bad) throw new InvalidPasswordException(bad);
    await this.store.users.updateUser(pool.id, user.id, {
      ...(await passwordCredentials(this.sealer, pool, user.username, password)), status: permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD',
    });
    await this.accounts.unlock(pool, user);
    await this.accounts.endSessions(pool, user.id, 'password_set_by_admin');
    await this.accounts.audit(pool, 'password.set_by_admin', user.id, {}, { permanent });
  }

  /** AdminUserGlobalSignOut: every refresh token and hosted session of the user ends. */
  async globalSignOut(pool: Pool, user: User): Promise<void> {
    await this.accounts.endSessions(pool, user.id, 'admin_global_sign_out');
    await this.accounts.audit(pool, 'user.signed_out_everywhere', user.id, {}, { by: 'admin' });
  }

  async deleteUser(pool: Pool, user: User): Promise<void> {
    await this.store.users.deleteUser(pool.id, user.id);
    await this.accounts.audit(pool, 'user.deleted', user.id, {}, { by: 'admin' });
  }
}

const SETS = { upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ', lower: 'abcdefghijkmnopqrstuvwxyz', digit: '23456789', symbol: '!@#$%^&*-_=+?' };

/** A temporary password meeting the policy: every class it may ask for, at least 12 characters, from the CSPRNG. */
export function temporaryPassword(policy: { MinimumLength?: number }): string {
  const all = SETS.upper + SETS.lower + SETS.digit + SETS.symbol;
  const pick = (set: string) => set[randomInt(set.length)]!;
  const chars = [pick(SETS.upper), pick(SETS.lower), pick(SETS.digit), pick(SETS.symbol)];
  while (chars.length < Math.max(12, policy.MinimumLength ?? 8)) chars.push(pick(all));
  for (let j = chars.length - 1; j > 0; j--) {
    const k = randomInt(j + 1);
    [chars[j], chars[k]] = [chars[k]!, chars[j]!];
  }
  return chars.join('');
}
