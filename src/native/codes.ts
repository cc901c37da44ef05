// One-time codes sent by e-mail or SMS: six random digits, stored only as a hash bound to pool and user,
// and the CodeDeliveryDetails (masked destination) the API answers with.
import { randomInt } from 'node:crypto';
import type { Message } from '../delivery/index.js';
import type { PoolSettings } from '../directory/schema.js';
import { sha256 } from '../shared/hashing.js';
import type { Attributes, CodePurpose } from '../directory/types.js';
import { E164, EMAIL } from './identifiers.js';

export interface CodeDeliveryDetails {
  /** Masked, e.g. `a***@e***.com` or `+*******1212`. */
  Destination: string;
  DeliveryMedium: 'EMAIL' | 'SMS';
  AttributeName: string;
}

export interface Destination {
  attribute: 'email' | 'phone_number';
  value: string;
}

export const CODE_TTL_MS: Record<CodePurpose, number> = {
  confirm_sign_up: 24 * 3600_000,
  reset_password: 3600_000,
  verify_email: 24 * 3600_000,
  verify_phone_number: 24 * 3600_000,
  // A sign-in's code: three minutes, as Cognito's.
  mfa_sms: 3 * 60_000,
  mfa_email: 3 * 60_000,
};
/** Wrong tries after which a code is void. */
export const MAX_CODE_ATTEMPTS = 5;

export const newCode = (): string => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** The stored form: a code is only good for the user and pool it was issued to. */
export const codeHash = (poolId: string, userId: string, code: string): string => sha256(`${poolId}:${userId}:${code}`);

/** Where a sign-up code goes: an auto-verified address first, else the e-mail, else the phone. */
export function confirmationDestination(s: PoolSettings, a: Attributes): Destination | null {
  const order: Destination['attribute'][] = [...s.AutoVerifiedAttributes, 'email', 'phone_number'];
  const attribute = order.find((k) => a[k]);
  return attribute ? { attribute, value: a[attribute]! } : null;
}

/** Where a reset code goes: a verified address, in the pool's recovery order (Cognito's legacy order: phone, then e-mail). */
export function recoveryDestination(s: PoolSettings, a: Attributes): Destination | null {
  const mechanisms = s.AccountRecoverySetting?.RecoveryMechanisms.slice().sort((x, y) => x.Priority - y.Priority).map((m) => m.Name)
    ?? ['verified_phone_number', 'verified_email'];
  for (const m of mechanisms) {
    const attribute = m === 'verified_email' ? 'email' : m === 'verified_phone_number' ? 'phone_number' : null;
    if (attribute && a[attribute] && a[`${attribute}_verified`] === 'true') return { attribute, value: a[attribute]! };
  }
  return null;
}

export function mask(d: Destination): string {
  if (d.attribute === 'phone_number') return '+' + '*'.repeat(Math.max(d.value.length - 5, 0)) + d.value.slice(-4);
  const [local = '', domain = ''] = d.value.split('@');
  const dot = domain.lastIndexOf('.');
  return `${local.slice(0, 1)}***@${domain.slice(0, 1)}***${dot > 0 ? domain.slice(dot) : ''}`;
}

export const detailsOf = (d: Destination): CodeDeliveryDetails => ({
  Destination: mask(d),
  DeliveryMedium: d.attribute === 'email' ? 'EMAIL' : 'SMS',
  AttributeName: d.attribute,
});

/** What an unknown user gets instead: plausible, stable for a name, and telling nothing. */
export function simulatedDetails(name: string): CodeDeliveryDetails {
  if (E164.test(name)) return detailsOf({ attribute: 'phone_number', value: name });
  if (EMAIL.test(name)) return detailsOf({ attribute: 'email', value: name });
  const h = sha256(name).replace(/[^a-z]/g, '') + 'ab';
  return detailsOf({ attribute: 'email', value: `${h[0]}@${h[1]}.com` });
}

/** A message from a pool's template (email subject and body, SMS body) with `{####}` (`secret`) and `{username}` filled in. */
export function templatedMessage(poolId: string, t: { subject: string; email: string; sms: string }, d: Destination, secret: string, username: string): Message {
  const fill = (text: string) => text.split('{####}').join(secret).split('{username}').join(username);
  return d.attribute === 'email'
    ? { poolId, channel: 'email', to: d.value, subject: t.subject, body: fill(t.email) }
    : { poolId, channel: 'sms', to: d.value, subject: '', body: fill(t.sms) };
}

/** The pool's VerificationMessageTemplate with `{####}` and `{username}` filled in. */
export function codeMessage(poolId: string, s: PoolSettings, d: Destination, code: string, username: string): Message {
  const t = s.VerificationMessageTemplate;
  return templatedMessage(poolId, { subject: t.EmailSubject, email: t.EmailMessage, sms: t.SmsMessage }, d, code, username);
}
