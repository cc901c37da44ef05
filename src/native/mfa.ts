// Multi-factor rules, without I/O: which factors a pool offers and a user has, which step a proven
// password leads to (Cognito's sequence: MFA_SETUP, SELECT_MFA_TYPE or the factor's challenge), how a
// preference changes, and the codes themselves (RFC 6238 TOTP through otpauth; recovery codes).
import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { PoolSettings } from '../directory/schema.js';
import type { MfaFactor, User, UserMfa } from '../directory/types.js';
import { sha256 } from '../shared/hashing.js';
import { InvalidParameterException } from './errors.js';

export const FACTORS: readonly MfaFactor[] = ['SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'EMAIL_OTP'];
export const emptyMfa = (): UserMfa => ({ totp: null, pendingTotp: null, enabled: [], preferred: null, recoveryCodes: [], passkeys: [] });
export const mfaOf = (u: User): UserMfa => ({ ...emptyMfa(), ...(u.mfa ?? {}) });

/** The factors the pool offers: an authenticator app when enabled, SMS and e-mail codes when configured. */
export function poolFactors(s: PoolSettings): MfaFactor[] {
  if (s.MfaConfiguration === 'OFF') return [];
  return FACTORS.filter((f) => (f === 'SOFTWARE_TOKEN_MFA' ? s.SoftwareTokenMfaConfiguration?.Enabled === true : f === 'SMS_MFA' ? !!s.SmsMfaConfiguration : !!s.EmailMfaConfiguration));
}

/** Whether the user could receive or produce this factor's code now (a verified app, a phone, an e-mail address). */
function usable(user: User, f: MfaFactor): boolean {
  if (f === 'SOFTWARE_TOKEN_MFA') return mfaOf(user).totp?.verified === true;
  return !!user.attributes[f === 'SMS_MFA' ? 'phone_number' : 'email'];
}

/** The user's enabled factors the pool offers and that work: what the challenge may ask for, preferred first. */
export function userFactors(s: PoolSettings, user: User): MfaFactor[] {
  const m = mfaOf(user);
  const offered = poolFactors(s);
  const on = m.enabled.filter((f) => offered.includes(f) && usable(user, f));
  return m.preferred && on.includes(m.preferred) ? [m.preferred, ...on.filter((f) => f !== m.preferred)] : on;
}

/** Whether a code-only first factor may go to the user: confirmed, enabled, with that address verified. */
export function reachesByCode(user: User | null, attribute: 'email' | 'phone_number'): user is User {
  return !!user && user.enabled && user.status === 'CONFIRMED' && !!user.attributes[attribute] && user.attributes[`${attribute}_verified`] === 'true';
}

/** Whether the user can sign in with a passkey now: confirmed, enabled, with at least one. */
export function signsInWithPasskey(user: User | null): user is User {
  return !!user && user.enabled && user.status === 'CONFIRMED' && (mfaOf(user).passkeys ?? []).length > 0;
}

/** GetUser's UserMFASettingList and PreferredMfaSetting: what the user has turned on, as stored. */
export function mfaSettingsShape(user: User): { UserMFASettingList?: MfaFactor[]; PreferredMfaSetting?: MfaFactor } {
  const m = mfaOf(user);
  return { ...(m.enabled.length ? { UserMFASettingList: [...m.enabled] } : {}), ...(m.preferred ? { PreferredMfaSetting: m.preferred } : {}) };
}

/** What a proven password leads to. */
export type MfaStep =
  | { kind: 'none' }
  | { kind: 'factor'; factor: MfaFactor }
  | { kind: 'select'; factors: MfaFactor[] }
  /** MFA is required and the user has no factor: enrol one of these first (MFAS_CAN_SETUP). */
  | { kind: 'setup'; factors: ('SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP')[] };

/**
 * Cognito's sequence: OFF asks nothing; a user with factors gets the preferred (or only) one, else
 * chooses; with MFA ON a user without any is sent a code to a verified phone or e-mail the pool
 * offers, or else enrols an app or an e-mail address (MFA_SETUP). OPTIONAL asks only users who set MFA up.
 */
export function mfaStep(s: PoolSettings, user: User): MfaStep {
  const mine = userFactors(s, user);
  if (mine.length === 1 || (mine.length > 1 && mfaOf(user).preferred === mine[0])) return { kind: 'factor', factor: mine[0]! };
  if (mine.length > 1) return { kind: 'select', factors: mine };
  if (s.MfaConfiguration !== 'ON') return { kind: 'none' };
  const offered = poolFactors(s);
  if (offered.includes('SMS_MFA') && user.attributes.phone_number_verified === 'true') return { kind: 'factor', factor: 'SMS_MFA' };
  if (offered.includes('EMAIL_OTP') && user.attributes.email_verified === 'true') return { kind: 'factor', factor: 'EMAIL_OTP' };
  return { kind: 'setup', factors: offered.filter((f): f is 'SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP' => f !== 'SMS_MFA') };
}

/** One factor's part of SetUserMFAPreference (SMSMfaSettings, SoftwareTokenMfaSettings, EmailMfaSettings). */
export interface FactorPreference {
  factor: MfaFactor;
  enabled?: boolean | undefined;
  preferred?: boolean | undefined;
}

/** The MFA record after a preference change; InvalidParameter when a factor cannot be enabled for this user and pool. */
export function withPreferences(s: PoolSettings, user: User, given: FactorPreference[]): UserMfa {
  const m = mfaOf(user);
  let enabled = [...m.enabled];
  let preferred = m.preferred;
  for (const g of given) {
    const on = g.enabled ?? (g.preferred === true ? true : undefined);
    if (on === true) {
      if (g.factor === 'SOFTWARE_TOKEN_MFA' && m.totp?.verified !== true) throw new InvalidParameterException('User has not verified software token mfa');
      if (g.factor === 'SMS_MFA' && !user.attributes.phone_number) throw new InvalidParameterException('User does not have a phone number.');
      if (g.factor === 'EMAIL_OTP' && !user.attributes.email) throw new InvalidParameterException('User does not have an email address.');
      if (g.factor === 'EMAIL_OTP' && !s.EmailMfaConfiguration) throw new InvalidParameterException('Email MFA is not enabled for this user pool.');
      if (!enabled.includes(g.factor)) enabled.push(g.factor);
    } else if (on === false) {
      enabled = enabled.filter((f) => f !== g.factor);
      if (preferred === g.factor) preferred = null;
    }
    if (g.preferred === true && enabled.includes(g.factor)) preferred = g.factor;
    else if (g.preferred === false && preferred === g.factor) preferred = null;
  }
  return { ...m, enabled: FACTORS.filter((f) => enabled.includes(f)), preferred };
}

// --- TOTP (RFC 6238: SHA-1, 6 digits, 30 s) -------------------------------------------------------

const PERIOD = 30;
/** One step either side: a phone's clock a little off still signs in. */
const WINDOW = 1;

/** A new authenticator secret: 160 random bits, base32 (Cognito's SecretCode). */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

const totp = (secret: string, label = 'user', issuer = '') => new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });

/** The time step a code belongs to (within the window), or null when it is no code of this secret now. */
export function totpStep(secret: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD) + delta;
}

/** The code for a moment (the tests' authenticator app). */
export const totpCode = (secret: string, now: number): string => totp(secret).generate({ timestamp: now });

/** How long a step's code stays valid at most: the step and the window after it. */
export const TOTP_REUSE_MS = (2 * WINDOW + 1) * PERIOD * 1000;

/** The otpauth:// URI authenticator apps scan. */
export const otpauthUri = (secret: string, issuer: string, account: string): string => totp(secret, account, issuer).toString();

// --- Recovery codes ---------------------------------------------------------------------------------

export const RECOVERY_CODES = 10;
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/** Ten new codes like `k7dx-3mq9-tw`: shown once; only their hashes are kept. */
export function newRecoveryCodes(poolId: string, userId: string): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODES }, () => {
    const c = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`;
  });
  return { codes, hashes: codes.map((c) => recoveryHash(poolId, userId, c)) };
}

/** A code's stored form, bound to its user (typed with or without dashes, in any case). */
export const recoveryHash = (poolId: string, userId: string, code: string): string =>
  sha256(`recovery:${poolId}:${userId}:${code.toLowerCase().replace(/[^a-z0-9]/g, '')}`);

/** Whether an answer is shaped like a recovery code rather than a six-digit one. */
export const looksLikeRecoveryCode = (answer: string): boolean => /^[a-z0-9]{4}-?[a-z0-9]{4}-?[a-z0-9]{2}$/i.test(answer.trim());
