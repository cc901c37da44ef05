// Choice-based sign-in (InitiateAuth USER_AUTH): the first factor is the user's choice among those the
// pool allows (Policies.SignInPolicy.AllowedFirstAuthFactors): a password (plain or SRP, then the
// pool's MFA as for any password), or a code sent by e-mail or SMS (no password, no MFA after: the
// pool may not require MFA then), or a passkey (WEB_AUTHN; both factors where the pool counts a user-verifying one as two). A just-confirmed sign-up's Session signs in without a second code.
// What is offered does not depend on the user, so it tells nothing of whether they exist.
import { simulatedDetails } from '../native/codes.js';
import { InvalidParameterException, NotAuthorizedException, UserNotFoundException } from '../native/errors.js';
import { reachesByCode, signsInWithPasskey } from '../native/mfa.js';
import { challenge, initiatePasswordAuth, initiateSrpAuth, issue, namesUser, takeChallenge, viaSecondFactor, type ApiSignIn } from './api-signin.js';
import { requestOptions, verifyAssertion } from './passkeys.js';
import type { AuthDeps } from './deps.js';
import { factorChallenge } from './mfa.js';
import { failed, isRefusal, type AuthResult } from './results.js';

export type FirstFactor = 'PASSWORD' | 'PASSWORD_SRP' | 'EMAIL_OTP' | 'SMS_OTP' | 'WEB_AUTHN';

/** The first factors a USER_AUTH sign-in offers in this pool (PASSWORD as both PASSWORD and PASSWORD_SRP). */
export function availableChallenges(i: Pick<ApiSignIn, 'pool'>): FirstFactor[] {
  return i.pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.flatMap((f): FirstFactor[] => (f === 'PASSWORD' ? ['PASSWORD', 'PASSWORD_SRP'] : [f]));
}

export interface UserAuth extends ApiSignIn {
  username: string;
  /** PREFERRED_CHALLENGE, or SELECT_CHALLENGE's ANSWER. */
  choice?: string | undefined;
  password?: string | undefined;
  srpA?: string | undefined;
}

/** InitiateAuth USER_AUTH: the preferred first factor when it is offered, SELECT_CHALLENGE otherwise; with a confirmed sign-up's Session, the sign-in itself. */
export async function initiateUserAuth(d: AuthDeps, i: UserAuth & { session?: string | undefined }): Promise<AuthResult> {
  if (i.session !== undefined) return fromSignUp(d, i, i.session);
  const offered = availableChallenges(i);
  if (i.choice && offered.includes(i.choice as FirstFactor)) return first(d, i, i.choice as FirstFactor);
  const select = await challenge(d, i, 'SELECT_CHALLENGE', null, { userId: null, typedName: i.username }, { USERNAME: i.username });
  return select.kind === 'challenge' ? { ...select, available: offered } : select;
}

/** RespondToAuthChallenge SELECT_CHALLENGE: the chosen first factor (PASSWORD with PASSWORD, PASSWORD_SRP with SRP_A). */
export async function answerSelectChallenge(d: AuthDeps, i: UserAuth & { session: string }): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, i.session, 'SELECT_CHALLENGE');
  if (!flow) return failed(new NotAuthorizedException('Invalid session for the user, session is expired.'));
  if (i.username !== flow.typedName) return failed(new InvalidParameterException('The USERNAME does not match the challenge.'));
  if (!i.choice || !availableChallenges(i).includes(i.choice as FirstFactor))
    return failed(new InvalidParameterException(`ANSWER must be one of ${availableChallenges(i).join(', ')}.`));
  return first(d, i, i.choice as FirstFactor);
}

async function first(d: AuthDeps, i: UserAuth, factor: FirstFactor): Promise<AuthResult> {
  const need = (v: string | undefined, name: string) => {
    if (!v) throw new InvalidParameterException(`Missing required parameter ${name}`);
    return v;
  };
  try {
    switch (factor) {
      case 'PASSWORD':
        return await initiatePasswordAuth(d, { ...i, password: need(i.password, 'PASSWORD') });
      case 'PASSWORD_SRP':
        return await initiateSrpAuth(d, { ...i, srpA: need(i.srpA, 'SRP_A') });
      case 'EMAIL_OTP':
      case 'SMS_OTP':
        return await codeChallenge(d, i, factor);
      case 'WEB_AUTHN':
        return await passkeyChallenge(d, i);
    }
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/**
 * EMAIL_OTP / SMS_OTP as the first factor: a code to the user's verified address. Anyone else gets the
 * same challenge, with a plausible masked destination and no message, and no code will ever match.
 */
async function codeChallenge(d: AuthDeps, i: UserAuth, factor: 'EMAIL_OTP' | 'SMS_OTP'): Promise<AuthResult> {
  const user = await d.accounts.findUser(i.pool, i.username);
  const mfaFactor = factor === 'EMAIL_OTP' ? 'EMAIL_OTP' : 'SMS_MFA';
  if (!reachesByCode(user, factor === 'EMAIL_OTP' ? 'email' : 'phone_number')) {
    const fake = simulatedDetails(i.username);
    return challenge(d, i, factor, null, { userId: null, typedName: i.username, entrance: 'api-otp', mfa: { factor: mfaFactor, firstFactor: true } }, {
      CODE_DELIVERY_DELIVERY_MEDIUM: factor === 'EMAIL_OTP' ? 'EMAIL' : 'SMS', CODE_DELIVERY_DESTINATION: fake.Destination,
    });
  }
  const c = await factorChallenge(d, i.pool, user, mfaFactor);
  return challenge(d, i, factor, user, { userId: user.id, typedName: i.username, entrance: 'api-otp', mfa: { ...c.mfa, firstFactor: true } }, c.parameters);
}

/** USER_AUTH with ConfirmSignUp's Session: the user just proved their address, so the sign-in goes on (to MFA, when the pool asks for it). */
async function fromSignUp(d: AuthDeps, i: UserAuth, session: string): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, session, 'SIGNED_UP');
  const user = flow?.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!flow || !user) return failed(new NotAuthorizedException('Invalid session for the user, session is expired.'));
  if (!(await namesUser(d, i.pool, i.username, user))) return failed(new UserNotFoundException());
  return viaSecondFactor(d, i, user, 'confirmation');
}

/** WEB_AUTHN: request options for the user's passkeys; a name without any gets options no credential answers. */
async function passkeyChallenge(d: AuthDeps, i: UserAuth): Promise<AuthResult> {
  const found = await d.accounts.findUser(i.pool, i.username);
  const user = signsInWithPasskey(found) ? found : null;
  const { options, challenge: webauthn } = await requestOptions(d, i.pool, user);
  return challenge(d, i, 'WEB_AUTHN', user, { userId: user?.id ?? null, typedName: i.username, entrance: 'api-passkey', webauthn: { challenge: webauthn } }, { CREDENTIAL_REQUEST_OPTIONS: options });
}

/** RespondToAuthChallenge WEB_AUTHN: the passkey's signature (CREDENTIAL) over the challenge; then the pool's MFA, as WebAuthnConfiguration.FactorConfiguration says. */
export async function answerWebAuthn(d: AuthDeps, i: UserAuth & { session: string; credential: string }): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, i.session, 'WEB_AUTHN');
  if (!flow?.webauthn) return failed(new NotAuthorizedException('Invalid session for the user, session is expired.'));
  if (i.username !== flow.typedName) return failed(new InvalidParameterException('The USERNAME does not match the challenge.'));
  const user = flow.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!user) return failed(new NotAuthorizedException('The passkey could not be verified.'));
  try {
    const { user: fresh, secondFactor } = await verifyAssertion(d, i.pool, user, flow.webauthn.challenge, i.credential);
    // A passkey is one factor unless the pool counts a user-verifying one as two: else the pool's MFA follows.
    return await (secondFactor ? issue(d, i, fresh, 'api-passkey', secondFactor) : viaSecondFactor(d, i, fresh, 'api-passkey'));
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}
