// The second factors' operations over the directory: enrolling an authenticator app, sending and
// checking SMS and e-mail codes, recovery codes, and MFA preferences. Every wrong answer, of any kind,
// takes a slot of one per-user limit in the store before it is compared (parallel guesses cannot
// outrun it); a TOTP code is good once; codes are kept only as hashes, app secrets only sealed.
import type { Logger } from 'pino';
import type { Delivery } from '../delivery/index.js';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { CodePurpose, MfaFactor, Pool, User, UserMfa } from '../directory/types.js';
import { BrokerError } from '../shared/errors.js';
import { CODE_TTL_MS, codeHash, detailsOf, newCode, templatedMessage, type CodeDeliveryDetails, type Destination } from './codes.js';
import { CodeMismatchException, ExpiredCodeException, LimitExceededException, TooManyFailedAttemptsException } from './errors.js';
import {
  looksLikeRecoveryCode, mfaOf, newRecoveryCodes, newTotpSecret, recoveryHash, TOTP_REUSE_MS, totpStep, withPreferences, type FactorPreference,
} from './mfa.js';

/** Wrong second-factor answers a user may give in a window before every answer is refused for its rest. */
export const MAX_MFA_TRIES = 5;
const TRIES_WINDOW_MS = 15 * 60_000;
/** Codes sent for sign-in per user, and per destination, in an hour: SMS pumping costs operators money. */
export const MFA_SENDS_PER_HOUR = 10;
const HOUR = 3600_000;
/** Recovery codes are single use for good (the marker outlives any session). */
const FOREVER_MS = 100 * 365 * 24 * HOUR;

export class EnableSoftwareTokenMfaException extends BrokerError {
  constructor(message = 'Code mismatch') {
    super('EnableSoftwareTokenMFAException', message);
  }
}

export class SoftwareTokenMfaNotFoundException extends BrokerError {
  constructor(message = 'Software token MFA is not associated with the user.') {
    super('SoftwareTokenMFANotFoundException', message);
  }
}

/** How an answer was proven: by the factor itself, or by one of the user's recovery codes. */
export type Proven = MfaFactor | 'RECOVERY_CODE';

const purposeOf = (f: 'SMS_MFA' | 'EMAIL_OTP'): CodePurpose => (f === 'SMS_MFA' ? 'mfa_sms' : 'mfa_email');

export class SecondFactors {
  constructor(private readonly d: { store: Store; delivery: Delivery; sealer: Sealer; log: Logger; now(): number }) {}

  private async save(pool: Pool, user: User, mfa: UserMfa): Promise<User> {
    return this.d.store.users.updateUser(pool.id, user.id, { mfa });
  }

  /** The user's MFA record changed from its stored state (read now, not from the caller's copy); the updated user. */
  async updateMfa(pool: Pool, user: User, change: (m: UserMfa) => UserMfa): Promise<User> {
    const fresh = (await this.d.store.users.getUser(pool.id, user.id)) ?? user;
    return this.save(pool, fresh, change(mfaOf(fresh)));
  }

  private audit(pool: Pool, user: User, type: string, detail: Record<string, unknown> = {}, clientId: string | null = null): Promise<void> {
    return this.d.store.audit.record({ poolId: pool.id, time: this.d.now(), type, userId: user.id, clientId, ip: null, detail });
  }

  /**
   * One try at a second factor: a slot of the user's limit first (TooManyFailedAttempts once it is
   * spent), then the comparison; a right answer gives the slots back.
   */
  private async tried<T>(pool: Pool, user: User, check: () => Promise<T | null>): Promise<T> {
    const key = `mfa_tries:${pool.id}:${user.id}`;
    const t = await this.d.store.limits.take(key, MAX_MFA_TRIES, TRIES_WINDOW_MS, this.d.now());
    if (!t.allowed) throw new TooManyFailedAttemptsException('Too many invalid codes. Try again later.');
    const result = await check();
    if (result === null) {
      await this.audit(pool, user, 'mfa.failure', { tries: t.count });
      throw t.count >= MAX_MFA_TRIES ? new TooManyFailedAttemptsException('Too many invalid codes. Try again later.') : new CodeMismatchException();
    }
    await this.d.store.limits.resetWindow(key);
    return result;
  }

  /** AssociateSoftwareToken: a new secret for the user's authenticator app, pending until a code of it is verified. */
  async associateTotp(pool: Pool, user: User): Promise<string> {
    const secret = newTotpSecret();
    await this.save(pool, user, { ...mfaOf(user), pendingTotp: this.d.sealer.seal(secret) });
    return secret;
  }

  /** A TOTP code of `sealed`, used once: the step is remembered until no window can take it again. */
  private async totpMatches(pool: Pool, user: User, sealed: string, code: string): Promise<boolean> {
    const now = this.d.now();
    const step = totpStep(this.d.sealer.unseal(sealed), code.trim(), now);
    return step !== null && this.d.store.flows.rememberOnce('totp_step', `${pool.id}:${user.id}:${step}`, now + TOTP_REUSE_MS, now);
  }

  /** VerifySoftwareToken: a code of the pending secret makes it the user's app (EnableSoftwareTokenMFAException otherwise). */
  async verifyTotp(pool: Pool, user: User, code: string, friendlyName: string | undefined): Promise<User> {
    const m = mfaOf(user);
    if (!m.pendingTotp) throw new SoftwareTokenMfaNotFoundException();
    try {
      await this.tried(pool, user, async () => ((await this.totpMatches(pool, user, m.pendingTotp!, code)) ? true : null));
    } catch (err) {
      if (err instanceof CodeMismatchException) throw new EnableSoftwareTokenMfaException();
      throw err;
    }
    const updated = await this.updateMfa(pool, user, (current) => ({ ...current, pendingTotp: null, totp: { sealedSecret: m.pendingTotp!, verified: true, friendlyName: friendlyName ?? null } }));
    await this.audit(pool, user, 'mfa.totp_verified');
    return updated;
  }

  /** SetUserMFAPreference and its admin twin. */
  async setPreferences(pool: Pool, user: User, prefs: FactorPreference[], by: 'user' | 'admin'): Promise<User> {
    const next = withPreferences(pool.settings, user, prefs);
    const updated = await this.save(pool, user, next);
    await this.audit(pool, user, 'mfa.preferences', { by, enabled: next.enabled, preferred: next.preferred });
    return updated;
  }

  /** Turns a factor on (and prefers it): the end of an MFA_SETUP. */
  async enable(pool: Pool, user: User, factor: MfaFactor): Promise<User> {
    const fresh = (await this.d.store.users.getUser(pool.id, user.id)) ?? user;
    return this.setPreferences(pool, fresh, [{ factor, enabled: true, preferred: true }], 'user');
  }

  /**
   * Sends a sign-in code by SMS or e-mail, limited per user and per destination in the store, and per
   * pool as other messages with codes are; the pool's MFA message template, or Cognito's default words.
   */
  async sendCode(pool: Pool, user: User, factor: 'SMS_MFA' | 'EMAIL_OTP', dest: Destination): Promise<CodeDeliveryDetails> {
    const now = this.d.now();
    const r = pool.settings.RateLimits;
    const limits = [
      this.d.store.limits.take(`mfa_sends:${pool.id}:user:${user.id}`, MFA_SENDS_PER_HOUR, HOUR, now),
      this.d.store.limits.take(`mfa_sends:${pool.id}:to:${dest.value.toLowerCase()}`, MFA_SENDS_PER_HOUR, HOUR, now),
      this.d.store.limits.take(`sends:${pool.id}:pool`, r.SignUpsAndCodesPerPool, r.WindowSeconds * 1000, now),
    ];
    if ((await Promise.all(limits)).some((t) => !t.allowed)) {
      this.d.log.warn({ poolId: pool.id, factor }, 'MFA code sending limit reached');
      throw new LimitExceededException('Too many codes were sent to this user or destination. Try again later.');
    }
    const code = newCode();
    const purpose = purposeOf(factor);
    await this.d.store.flows.putOneTimeCode({ poolId: pool.id, userId: user.id, purpose, codeHash: codeHash(pool.id, user.id, code), pending: null, createdAt: now, expiresAt: now + CODE_TTL_MS[purpose] });
    const s = pool.settings;
    const sms = s.SmsMfaConfiguration?.SmsAuthenticationMessage ?? 'Your authentication code is {####}. ';
    const email = s.EmailMfaConfiguration?.Message ?? 'Your authentication code is {####}.';
    await this.d.delivery.queue(templatedMessage(pool.id, { subject: s.EmailMfaConfiguration?.Subject ?? 'Your authentication code', email, sms }, dest, code, user.username));
    return detailsOf(dest);
  }

  /** Where a factor's code goes: the user's phone or e-mail address. */
  destinationOf(user: User, factor: 'SMS_MFA' | 'EMAIL_OTP'): Destination | null {
    const attribute = factor === 'SMS_MFA' ? 'phone_number' : 'email';
    const value = user.attributes[attribute];
    return value ? { attribute, value } : null;
  }

  /** A sent code, checked once against the store's own attempt count and the user's limit. */
  async checkCode(pool: Pool, user: User, factor: 'SMS_MFA' | 'EMAIL_OTP', code: string): Promise<void> {
    await this.tried(pool, user, async () => {
      const r = await this.d.store.flows.consumeOneTimeCode(pool.id, user.id, purposeOf(factor), codeHash(pool.id, user.id, code.trim()), this.d.now(), MAX_MFA_TRIES);
      if (r === 'expired') throw new ExpiredCodeException();
      return r === 'ok' ? true : null;
    });
  }

  /**
   * An answer to a factor's challenge: the factor's code, or (the broker's own addition) one of the
   * user's recovery codes, which then is spent for good, audited, and reported to the user by e-mail.
   */
  async answer(pool: Pool, user: User, factor: MfaFactor, answer: string): Promise<Proven> {
    const m = mfaOf(user);
    if (m.recoveryCodes.length && looksLikeRecoveryCode(answer)) {
      await this.tried(pool, user, async () => ((await this.spendRecoveryCode(pool, user, answer)) ? true : null));
      return 'RECOVERY_CODE';
    }
    if (factor === 'SOFTWARE_TOKEN_MFA') {
      const sealed = m.totp?.verified ? m.totp.sealedSecret : null;
      await this.tried(pool, user, async () => (sealed && (await this.totpMatches(pool, user, sealed, answer)) ? true : null));
      return factor;
    }
    await this.checkCode(pool, user, factor, answer);
    return factor;
  }

  /** Ten new recovery codes for the user, replacing any earlier ones; the codes are shown once and only their hashes kept. */
  async newRecoveryCodes(pool: Pool, user: User): Promise<string[]> {
    const { codes, hashes } = newRecoveryCodes(pool.id, user.id);
    await this.updateMfa(pool, user, (m) => ({ ...m, recoveryCodes: hashes }));
    await this.audit(pool, user, 'mfa.recovery_codes_issued', { count: codes.length });
    return codes;
  }

  /** Spends a recovery code: once only, even when two requests carry it at the same moment. */
  private async spendRecoveryCode(pool: Pool, user: User, code: string): Promise<boolean> {
    const hash = recoveryHash(pool.id, user.id, code);
    if (!mfaOf(user).recoveryCodes.includes(hash)) return false;
    const now = this.d.now();
    if (!(await this.d.store.flows.rememberOnce('recovery_code', hash, now + FOREVER_MS, now))) return false;
    const left = mfaOf(await this.updateMfa(pool, user, (m) => ({ ...m, recoveryCodes: m.recoveryCodes.filter((h) => h !== hash) }))).recoveryCodes;
    await this.audit(pool, user, 'mfa.recovery_code_used', { left: left.length });
    this.d.log.info({ poolId: pool.id, left: left.length }, 'recovery code used');
    if (user.attributes.email) {
      await this.d.delivery.queue({
        poolId: pool.id, channel: 'email', to: user.attributes.email, subject: 'A recovery code was used to sign in',
        body: `A recovery code was just used to sign in to your ${pool.settings.PoolName} account (${left.length} left). If this was not you, change your password and set up your authenticator again.`,
      });
    }
    return true;
  }
}
