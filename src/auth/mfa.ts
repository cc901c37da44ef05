// The second step of a native sign-in, for every door: which challenge a proven password leads to
// (native/mfa.ts's rules), sending its code, and proving an answer. The doors keep the challenge in
// their own handle (the API's Session, the hosted pages' cookie) and render it their own way.
import type { MfaFactor, Pool, User } from '../directory/types.js';
import { mfaOf, mfaStep } from '../native/mfa.js';
import { InvalidParameterException, NotAuthorizedException } from '../native/errors.js';
import type { Proven } from '../native/second-factors.js';
import type { AuthDeps } from './deps.js';
import type { ChallengeName } from './results.js';

/** What a challenge flow keeps of its second factor. */
export interface MfaFlow {
  /** The factor a SOFTWARE_TOKEN_MFA / SMS_MFA / EMAIL_OTP challenge asks for. */
  factor?: MfaFactor;
  /** SELECT_MFA_TYPE's choices, or MFA_SETUP's (MFAS_CAN_SETUP). */
  choices?: MfaFactor[];
  /** MFA_SETUP: the app's code was verified (VerifySoftwareToken); answering MFA_SETUP now signs in. */
  verified?: boolean;
  /** USER_AUTH's code-only first factor (no password before it, no MFA after it). */
  firstFactor?: boolean;
  /** An EMAIL_OTP challenge that enrols this address as the user's e-mail factor once its code is proven. */
  enrolEmail?: string;
}

export interface MfaChallenge {
  name: ChallengeName;
  parameters: Record<string, string>;
  mfa: MfaFlow;
}

/** A factor's challenge: SMS and e-mail codes are sent now; the app's code the user reads. */
export async function factorChallenge(d: AuthDeps, pool: Pool, user: User, factor: MfaFactor, to?: string): Promise<MfaChallenge> {
  if (factor === 'SOFTWARE_TOKEN_MFA')
    return { name: factor, mfa: { factor }, parameters: { FRIENDLY_DEVICE_NAME: mfaOf(user).totp?.friendlyName ?? 'TOTP device', USER_ID_FOR_SRP: user.username } };
  const dest = to ? { attribute: 'email' as const, value: to } : d.secondFactors.destinationOf(user, factor);
  if (!dest) throw new InvalidParameterException(factor === 'SMS_MFA' ? 'The user has no phone number for SMS MFA.' : 'The user has no email address for email MFA.');
  const sent = await d.secondFactors.sendCode(pool, user, factor, dest);
  return {
    name: factor, mfa: { factor, ...(to ? { enrolEmail: to } : {}) },
    parameters: { CODE_DELIVERY_DELIVERY_MEDIUM: sent.DeliveryMedium, CODE_DELIVERY_DESTINATION: sent.Destination, USER_ID_FOR_SRP: user.username },
  };
}

/** The challenge after a proven password (and device), or null when the pool and user ask for no second factor. */
export async function secondFactorChallenge(d: AuthDeps, pool: Pool, user: User): Promise<MfaChallenge | null> {
  const step = mfaStep(pool.settings, user);
  switch (step.kind) {
    case 'none':
      return null;
    case 'factor':
      return factorChallenge(d, pool, user, step.factor);
    case 'select':
      return { name: 'SELECT_MFA_TYPE', mfa: { choices: step.factors }, parameters: { MFAS_CAN_CHOOSE: JSON.stringify(step.factors), USER_ID_FOR_SRP: user.username } };
    case 'setup':
      if (!step.factors.length) throw new NotAuthorizedException('MFA is required, but the user has no MFA method and this pool offers none to set up.');
      return { name: 'MFA_SETUP', mfa: { choices: step.factors }, parameters: { MFAS_CAN_SETUP: JSON.stringify(step.factors), USER_ID_FOR_SRP: user.username } };
  }
}

/**
 * Proves an answer to a factor's challenge (CodeMismatch, ExpiredCode or TooManyFailedAttempts
 * otherwise). An e-mail address being enrolled is the user's verified e-mail factor once proven.
 */
export async function proveFactor(d: AuthDeps, pool: Pool, user: User, mfa: MfaFlow, answer: string): Promise<{ user: User; proven: Proven }> {
  if (!mfa.factor) throw new NotAuthorizedException('Invalid session for the user.');
  if (mfa.enrolEmail) {
    await d.secondFactors.checkCode(pool, user, 'EMAIL_OTP', answer);
    if (user.attributes.email !== mfa.enrolEmail || user.attributes.email_verified !== 'true')
      await d.accounts.updateAttributes(pool, user, { email: mfa.enrolEmail }, undefined, {}, { verified: { email: true } });
    const fresh = (await d.store.users.getUser(pool.id, user.id)) ?? user;
    return { user: await d.secondFactors.enable(pool, fresh, 'EMAIL_OTP'), proven: 'EMAIL_OTP' };
  }
  return { user, proven: await d.secondFactors.answer(pool, user, mfa.factor, answer) };
}

/** SELECT_MFA_TYPE's answer: one of the offered factors (EMAIL_MFA is Cognito's other name for e-mail). */
export function chosenFactor(mfa: MfaFlow, answer: string): MfaFactor {
  const factor = (answer === 'EMAIL_MFA' ? 'EMAIL_OTP' : answer) as MfaFactor;
  if (!mfa.choices?.includes(factor)) throw new InvalidParameterException(`ANSWER must be one of ${(mfa.choices ?? []).join(', ')}.`);
  return factor;
}
