// What every entrance of the auth core returns: one plain result for a door to render.
import { BrokerError } from '../shared/errors.js';
import type { User } from '../directory/types.js';
import type { IssuedTokens } from '../tokens/issue.js';
import type { AuthorizeParams } from './app-request.js';

/** A hosted session just opened: the door sets its cookie (the value is known only to the browser). */
export interface NewSession {
  id: string;
  maxAgeMs: number;
}

/**
 * Challenges a sign-in can stop at. CONFIRM_SIGN_UP: the password is proven but the account awaits its
 * code (the hosted pages' own); NEW_PASSWORD_REQUIRED: a temporary password must be replaced;
 * PASSWORD_VERIFIER: USER_SRP_AUTH's proof of the password; DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER:
 * the same proof by a tracked device of the device's own secret, after the user's password. SIGNED_UP
 * (the broker's own name): a sign-up just confirmed by its code, whose Session InitiateAuth USER_AUTH
 * may take instead of a first factor. SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP: the second factor's code;
 * SELECT_MFA_TYPE: the user picks one of several; MFA_SETUP: MFA is required and the user enrols a factor first.
 * SELECT_CHALLENGE: USER_AUTH's choice of first factor; EMAIL_OTP and SMS_OTP are also its code-only first factors;
 * WEB_AUTHN its passkey. WEB_AUTHN_REGISTRATION (the broker's own name): a passkey being registered.
 */
export type ChallengeName =
  | 'CONFIRM_SIGN_UP' | 'NEW_PASSWORD_REQUIRED' | 'PASSWORD_VERIFIER' | 'DEVICE_SRP_AUTH' | 'DEVICE_PASSWORD_VERIFIER' | 'SIGNED_UP'
  | 'SOFTWARE_TOKEN_MFA' | 'SMS_MFA' | 'EMAIL_OTP' | 'SELECT_MFA_TYPE' | 'MFA_SETUP'
  | 'SELECT_CHALLENGE' | 'SMS_OTP' | 'WEB_AUTHN' | 'WEB_AUTHN_REGISTRATION';

export type AuthResult =
  /** Send the browser there: to a provider, or on to a continuation of ours. */
  | { kind: 'redirect'; to: string }
  /**
   * The sign-in waits for an answer; `session` is the opaque handle that answers it (single use);
   * `parameters` are Cognito's ChallengeParameters. `user` is null while no user is proven (SRP);
   * `available`: SELECT_CHALLENGE's AvailableChallenges.
   */
  | { kind: 'challenge'; name: ChallengeName; session: string; user: User | null; parameters: Record<string, string>; available?: string[] }
  /** Signed in through the API: the tokens themselves (no browser session), and a new device to confirm when the pool tracks them. */
  | { kind: 'tokens'; user: User; tokens: IssuedTokens; newDevice?: { DeviceKey: string; DeviceGroupKey: string } }
  /**
   * Signed in: back to the app with a code (`to`), in a new hosted session or the one it came with
   * (`session` null); `recoveryCodes` just issued, for the page to show once before it goes on.
   */
  | { kind: 'authenticated'; user: User; to: string; session: NewSession | null; recoveryCodes?: string[] }
  /** Refused: `app` is the request to send the user back to (with an OAuth error), when it is known; `provider` the one that answered. */
  | { kind: 'failed'; error: BrokerError; app: AuthorizeParams | null; provider?: string };

export const failed = (error: BrokerError, app: AuthorizeParams | null = null, provider?: string): AuthResult =>
  ({ kind: 'failed', error, app, ...(provider ? { provider } : {}) });

/** A refusal to answer in the caller's shape; an unreachable directory is not one (the door's boundary answers 503). */
export const isRefusal = (err: unknown): err is BrokerError => err instanceof BrokerError && err.code !== 'ServiceUnavailable';
