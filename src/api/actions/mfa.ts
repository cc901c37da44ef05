// A user's second factors through the API: AssociateSoftwareToken and VerifySoftwareToken (with an
// access token, or with the Session of an MFA_SETUP challenge), SetUserMFAPreference and its admin
// twin, GetUserAuthFactors and its admin twin. The rules are native/second-factors.ts's.
import { z } from 'zod';
import { associateInSetup, verifyInSetup } from '../../auth/api-mfa.js';
import type { MfaFactor, User } from '../../directory/types.js';
import { mfaSettingsShape, type FactorPreference } from '../../native/mfa.js';
import { callerOf } from '../access.js';
import { defineAction } from '../action.js';
import { poolAndUser, UserPoolId } from '../admin/common.js';
import { apiException } from '../errors.js';
import { Session, Token, Username } from '../fields.js';

const Settings = z.strictObject({ Enabled: z.boolean().optional(), PreferredMfa: z.boolean().optional() }).optional();
const preferenceInput = { SMSMfaSettings: Settings, SoftwareTokenMfaSettings: Settings, EmailMfaSettings: Settings };
const UserCode = z.string({ error: 'Member must not be null' }).regex(/^[0-9]+$/, 'Member must satisfy regular expression pattern: [0-9]+').min(6).max(6);
const FriendlyDeviceName = z.string().min(0).max(131072).optional();

function preferences(i: { SMSMfaSettings?: { Enabled?: boolean | undefined; PreferredMfa?: boolean | undefined } | undefined; SoftwareTokenMfaSettings?: typeof i.SMSMfaSettings; EmailMfaSettings?: typeof i.SMSMfaSettings }): FactorPreference[] {
  const given: [MfaFactor, typeof i.SMSMfaSettings][] = [['SMS_MFA', i.SMSMfaSettings], ['SOFTWARE_TOKEN_MFA', i.SoftwareTokenMfaSettings], ['EMAIL_OTP', i.EmailMfaSettings]];
  return given.filter(([, v]) => v).map(([factor, v]) => ({ factor, enabled: v!.Enabled, preferred: v!.PreferredMfa }));
}

/** Exactly one of AccessToken and Session (Cognito refuses both, and neither). */
function oneOf(i: { AccessToken?: string | undefined; Session?: string | undefined }): void {
  if ((i.AccessToken === undefined) === (i.Session === undefined)) throw apiException('InvalidParameterException', 'Exactly one of AccessToken and Session is required.');
}

/** What GetUserAuthFactors answers: the MFA settings and the ways the user can sign in first. */
function authFactors(user: User) {
  return { Username: user.username, ...mfaSettingsShape(user), ConfiguredUserAuthFactors: [...(user.passwordHash ? ['PASSWORD'] : []), ...(user.attributes.email_verified === 'true' ? ['EMAIL_OTP'] : []), ...(user.attributes.phone_number_verified === 'true' ? ['SMS_OTP'] : [])] };
}

export const associateSoftwareToken = defineAction({
  name: 'AssociateSoftwareToken', summary: "Starts enrolling an authenticator app: a new TOTP secret (SecretCode), with an access token or an MFA_SETUP Session.", state: 'supported',
  notes: 'The secret is kept sealed and pending until VerifySoftwareToken proves a code of it; an app already in use stays until then.',
  errors: ['NotAuthorizedException', 'InvalidParameterException', 'SoftwareTokenMFANotFoundException'],
  input: z.object({ AccessToken: Token.optional(), Session: Session.optional() }),
  async handle(call, i) {
    oneOf(i);
    if (i.Session !== undefined) {
      const r = await associateInSetup(call.s, i.Session);
      return { SecretCode: r.secret, Session: r.session };
    }
    const { pool, user } = await callerOf(call.s, i.AccessToken!);
    return { SecretCode: await call.s.secondFactors.associateTotp(pool, user) };
  },
});

export const verifySoftwareToken = defineAction({
  name: 'VerifySoftwareToken', summary: 'Proves a code of the pending authenticator secret: the app becomes the user’s (RFC 6238, one step either side, each code once).', state: 'supported',
  notes: 'With an MFA_SETUP Session the app is also enabled and preferred, and the new Session answers MFA_SETUP. A wrong code is EnableSoftwareTokenMFAException.',
  errors: ['NotAuthorizedException', 'InvalidParameterException', 'EnableSoftwareTokenMFAException', 'SoftwareTokenMFANotFoundException', 'TooManyFailedAttemptsException', 'CodeMismatchException'],
  input: z.object({ AccessToken: Token.optional(), Session: Session.optional(), UserCode, FriendlyDeviceName }),
  async handle(call, i) {
    oneOf(i);
    if (i.Session !== undefined) return { Status: 'SUCCESS', ...(await verifyInSetup(call.s, i.Session, i.UserCode, i.FriendlyDeviceName)) };
    const { pool, user } = await callerOf(call.s, i.AccessToken!);
    await call.s.secondFactors.verifyTotp(pool, user, i.UserCode, i.FriendlyDeviceName);
    return { Status: 'SUCCESS' };
  },
});

export const setUserMfaPreference = defineAction({
  name: 'SetUserMFAPreference', summary: "Turns the signed-in user's SMS, authenticator-app and e-mail MFA on or off, and which is preferred.", state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidParameterException'],
  input: z.object({ AccessToken: Token, ...preferenceInput }),
  async handle(call, i) {
    const { pool, user } = await callerOf(call.s, i.AccessToken);
    await call.s.secondFactors.setPreferences(pool, user, preferences(i), 'user');
    return {};
  },
});

export const adminSetUserMfaPreference = defineAction({
  name: 'AdminSetUserMFAPreference', summary: "Sets a user's MFA methods and preference, as SetUserMFAPreference does for the user.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException', 'NotAuthorizedException'],
  input: z.object({ UserPoolId, Username, ...preferenceInput }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await call.s.secondFactors.setPreferences(pool, user, preferences(i), 'admin');
    return {};
  },
});

export const getUserAuthFactors = defineAction({
  name: 'GetUserAuthFactors', summary: "The signed-in user's MFA settings and the first factors they can sign in with.", state: 'supported',
  errors: ['NotAuthorizedException'],
  input: z.object({ AccessToken: Token }),
  async handle(call, i) {
    return authFactors((await callerOf(call.s, i.AccessToken)).user);
  },
});

export const adminGetUserAuthFactors = defineAction({
  name: 'AdminGetUserAuthFactors', summary: "A user's MFA settings and first factors.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Username }),
  async handle(call, i) {
    return authFactors((await poolAndUser(call.s, i)).user);
  },
});

export const MFA_ACTIONS = [associateSoftwareToken, verifySoftwareToken, setUserMfaPreference, adminSetUserMfaPreference, getUserAuthFactors, adminGetUserAuthFactors];
