// InitiateAuth, RespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken: sign-in through the
// sign-in core (src/auth), and the same refresh tokens as /oauth2/token's.
import { z } from 'zod';
import { answerMfaCode, answerMfaSetup, answerSelectMfaType } from '../../auth/api-mfa.js';
import { answerSelectChallenge, answerWebAuthn, initiateUserAuth } from '../../auth/choice.js';
import { answerDevicePasswordVerifier, answerDeviceSrp, answerNewPassword, answerPasswordVerifier, initiatePasswordAuth, initiateSrpAuth } from '../../auth/index.js';
import { matchesClientSecret } from '../../directory/client-secrets.js';
import type { AppClient } from '../../directory/types.js';
import { issueFromRefresh, RefreshRefused, type IssuedTokens } from '../../tokens/issue.js';
import { defineAction, type ApiCall } from '../action.js';
import { checkAuthFlow } from '../clients.js';
import { apiException } from '../errors.js';
import { CLIENT_EXTRAS, ClientId, ClientSecret, Session, StringMap, Token } from '../fields.js';
import { authenticationResult, authResponse, forClient, type ClientCall } from './common.js';
import { UserPoolId } from '../admin/common.js';

/** The DEVICE_KEY an app signs in from (checked once the user is proven). */
const device = (map: Record<string, string> | undefined) => (map?.DEVICE_KEY ? { deviceKey: map.DEVICE_KEY.slice(0, 55) } : {});

/** The call's ClientMetadata, handed to the triggers the sign-in fires. */
const metadata = (m: Record<string, string> | undefined) => (m ? { clientMetadata: m } : {});

const param = (map: Record<string, string> | undefined, name: string): string => {
  const v = map?.[name];
  if (!v) throw apiException('InvalidParameterException', `Missing required parameter ${name}`);
  return v;
};

const srpAOf = (map: Record<string, string> | undefined): string => {
  const srpA = param(map, 'SRP_A');
  if (!/^[0-9a-fA-F]{1,1024}$/.test(srpA)) throw apiException('InvalidParameterException', 'SRP_A is not a hexadecimal number');
  return srpA;
};

/** A refresh token's new tokens; `reuse` is how a rotated token presented again answers (the family is revoked either way). */
async function refreshed(
  call: ApiCall, c: Pick<ClientCall, 'pool' | 'client'>, token: string, reuse: 'RefreshTokenReuseException' | 'NotAuthorizedException', clientMetadata?: Record<string, string>,
): Promise<IssuedTokens> {
  checkAuthFlow(c.client, 'ALLOW_REFRESH_TOKEN_AUTH');
  try {
    return (await issueFromRefresh(call.s, { pool: c.pool, client: c.client, token, ...metadata(clientMetadata) })).tokens;
  } catch (err) {
    if (!(err instanceof RefreshRefused)) throw err;
    if (err.reason === 'reused') {
      call.s.log.warn({ poolId: c.pool.id, clientId: c.client.clientId }, 'rotated refresh token reused: family revoked');
      await call.s.store.audit.record({ poolId: c.pool.id, time: call.s.now(), type: 'refresh.reuse_detected', userId: null, clientId: c.client.clientId, ip: call.ip, detail: {} });
      throw apiException(reuse, reuse === 'RefreshTokenReuseException' ? 'Refresh token has been reused.' : 'Invalid Refresh Token');
    }
    if (err.reason === 'user') throw apiException('NotAuthorizedException', 'User is disabled.');
    throw apiException('NotAuthorizedException', 'Invalid Refresh Token');
  }
}

/** A confidential client proves itself with its secret where Cognito takes ClientSecret. */
function checkClientSecret(client: AppClient, secret: string | undefined): void {
  if (client.secretHash !== null && (!secret || !matchesClientSecret(client, secret)))
    throw apiException('NotAuthorizedException', `Client ${client.clientId} is configured with secret but SECRET_HASH was not received`);
}

const initiateInput = { AuthFlow: z.string({ error: 'Member must not be null' }), ClientId, AuthParameters: StringMap.optional(), Session: Session.optional() };
const respondInput = { ClientId, ChallengeName: z.string({ error: 'Member must not be null' }), Session, ChallengeResponses: StringMap.optional() };

/**
 * The client a sign-in names; for the Admin* variants it must be of the pool the call names (the
 * access key's policy was checked on that pool).
 */
async function signInClient(call: ApiCall, i: { ClientId: string; UserPoolId?: string }, username: string | null, secretHash: string | undefined) {
  const c = await forClient(call, i.ClientId, username, secretHash);
  if (i.UserPoolId !== undefined && c.pool.id !== i.UserPoolId) throw apiException('ResourceNotFoundException', `User pool client ${i.ClientId} does not exist.`);
  return c;
}

/** InitiateAuth and AdminInitiateAuth: one road; the password flow is USER_PASSWORD_AUTH for apps, ADMIN_USER_PASSWORD_AUTH for back ends. */
async function initiate(call: ApiCall, i: { AuthFlow: string; ClientId: string; UserPoolId?: string; AuthParameters?: Record<string, string> | undefined; Session?: string | undefined; ClientMetadata?: Record<string, string> | undefined }) {
  const p = i.AuthParameters;
  const admin = i.UserPoolId !== undefined;
  const flow = admin && i.AuthFlow === 'ADMIN_NO_SRP_AUTH' ? 'ADMIN_USER_PASSWORD_AUTH' : i.AuthFlow; // the legacy name of the same flow
  switch (flow) {
    case admin ? 'ADMIN_USER_PASSWORD_AUTH' : 'USER_PASSWORD_AUTH': {
      const username = param(p, 'USERNAME');
      const c = await signInClient(call, i, username, p?.SECRET_HASH);
      checkAuthFlow(c.client, admin ? 'ALLOW_ADMIN_USER_PASSWORD_AUTH' : 'ALLOW_USER_PASSWORD_AUTH');
      return authResponse(await initiatePasswordAuth(call.s, { pool: c.pool, client: c.client, ip: call.ip, username, password: param(p, 'PASSWORD'), ...device(p), ...metadata(i.ClientMetadata) }));
    }
    case 'USER_SRP_AUTH': {
      const username = param(p, 'USERNAME');
      const c = await signInClient(call, i, username, p?.SECRET_HASH);
      checkAuthFlow(c.client, 'ALLOW_USER_SRP_AUTH');
      return authResponse(await initiateSrpAuth(call.s, { pool: c.pool, client: c.client, ip: call.ip, username, srpA: srpAOf(p), ...metadata(i.ClientMetadata) }));
    }
    case 'REFRESH_TOKEN_AUTH':
    case 'REFRESH_TOKEN': {
      const token = param(p, 'REFRESH_TOKEN');
      const c = await signInClient(call, i, p?.USERNAME ?? null, p?.SECRET_HASH);
      if (c.client.secretHash !== null && !p?.USERNAME) throw apiException('NotAuthorizedException', `Unable to verify secret hash for client ${c.client.clientId}`);
      const t = await refreshed(call, c, token, 'NotAuthorizedException', i.ClientMetadata);
      // InitiateAuth gives back no refresh token: the one presented stays the client's.
      return { ChallengeParameters: {}, AuthenticationResult: authenticationResult({ ...t, refreshToken: undefined }) };
    }
    case 'USER_AUTH': {
      const username = param(p, 'USERNAME');
      const c = await signInClient(call, i, username, p?.SECRET_HASH);
      checkAuthFlow(c.client, 'ALLOW_USER_AUTH');
      return authResponse(await initiateUserAuth(call.s, {
        pool: c.pool, client: c.client, ip: call.ip, username, choice: p?.PREFERRED_CHALLENGE, password: p?.PASSWORD, srpA: p?.SRP_A ? srpAOf(p) : undefined, session: i.Session, ...device(p), ...metadata(i.ClientMetadata),
      }));
    }
    default:
      throw apiException('InvalidParameterException', `Unsupported or not yet served AuthFlow: ${i.AuthFlow.slice(0, 64)}`);
  }
}

/** The ChallengeResponses member that carries each factor's code. */
const MFA_CODES = { SOFTWARE_TOKEN_MFA: 'SOFTWARE_TOKEN_MFA_CODE', SMS_MFA: 'SMS_MFA_CODE', EMAIL_OTP: 'EMAIL_OTP_CODE', SMS_OTP: 'SMS_OTP_CODE' } as const;
const isMfaChallenge = (name: string): name is keyof typeof MFA_CODES => Object.hasOwn(MFA_CODES, name);

/** RespondToAuthChallenge and AdminRespondToAuthChallenge. */
async function respond(call: ApiCall, i: { ClientId: string; UserPoolId?: string; ChallengeName: string; Session: string; ChallengeResponses?: Record<string, string> | undefined; ClientMetadata?: Record<string, string> | undefined }) {
  const r = i.ChallengeResponses;
  const username = param(r, 'USERNAME');
  const c = await signInClient(call, i, username, r?.SECRET_HASH);
  const base = { pool: c.pool, client: c.client, ip: call.ip, session: i.Session, username, ...device(r), ...metadata(i.ClientMetadata) };
  const claim = () => ({ secretBlock: param(r, 'PASSWORD_CLAIM_SECRET_BLOCK'), timestamp: param(r, 'TIMESTAMP'), signature: param(r, 'PASSWORD_CLAIM_SIGNATURE') });
  if (i.ChallengeName === 'PASSWORD_VERIFIER') return authResponse(await answerPasswordVerifier(call.s, { ...base, ...claim() }));
  if (i.ChallengeName === 'DEVICE_SRP_AUTH') {
    param(r, 'DEVICE_KEY');
    return authResponse(await answerDeviceSrp(call.s, { ...base, srpA: srpAOf(r) }));
  }
  if (i.ChallengeName === 'DEVICE_PASSWORD_VERIFIER') {
    param(r, 'DEVICE_KEY');
    return authResponse(await answerDevicePasswordVerifier(call.s, { ...base, ...claim() }));
  }
  if (i.ChallengeName === 'NEW_PASSWORD_REQUIRED') {
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(r ?? {})) if (k.startsWith('userAttributes.')) attributes[k.slice('userAttributes.'.length)] = v;
    return authResponse(await answerNewPassword(call.s, { ...base, newPassword: param(r, 'NEW_PASSWORD'), attributes }));
  }
  const name = i.ChallengeName;
  if (isMfaChallenge(name)) return authResponse(await answerMfaCode(call.s, { ...base, name, code: param(r, MFA_CODES[name]) }));
  if (i.ChallengeName === 'SELECT_CHALLENGE')
    return authResponse(await answerSelectChallenge(call.s, { ...base, choice: param(r, 'ANSWER'), password: r?.PASSWORD, srpA: r?.SRP_A ? srpAOf(r) : undefined }));
  if (i.ChallengeName === 'WEB_AUTHN') return authResponse(await answerWebAuthn(call.s, { ...base, credential: param(r, 'CREDENTIAL') }));
  if (i.ChallengeName === 'SELECT_MFA_TYPE') return authResponse(await answerSelectMfaType(call.s, { ...base, answer: param(r, 'ANSWER') }));
  if (i.ChallengeName === 'MFA_SETUP') return authResponse(await answerMfaSetup(call.s, { ...base, email: r?.EMAIL }));
  throw apiException('InvalidParameterException', `Unsupported or not yet served ChallengeName: ${i.ChallengeName.slice(0, 64)}`);
}

const TRIGGER_ERRORS = ['UserLambdaValidationException', 'InvalidLambdaResponseException', 'UnexpectedLambdaException'] as const;
const SIGN_IN_ERRORS = [
  'NotAuthorizedException', 'UserNotFoundException', 'UserNotConfirmedException', 'PasswordResetRequiredException', 'InvalidParameterException', 'TooManyRequestsException', 'ResourceNotFoundException',
  ...TRIGGER_ERRORS,
] as const;
const CHALLENGE_ERRORS = [
  'NotAuthorizedException', 'InvalidPasswordException', 'InvalidParameterException', 'UserNotFoundException', 'UserNotConfirmedException', 'PasswordResetRequiredException',
  'ResourceNotFoundException', 'CodeMismatchException', 'ExpiredCodeException', 'TooManyFailedAttemptsException', 'LimitExceededException', 'AliasExistsException',
  'WebAuthnRelyingPartyMismatchException', 'WebAuthnOriginNotAllowedException', ...TRIGGER_ERRORS,
] as const;

export const initiateAuth = defineAction({
  name: 'InitiateAuth', summary: 'Starts a sign-in: USER_SRP_AUTH, USER_PASSWORD_AUTH, USER_AUTH (choice-based: PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, WEB_AUTHN), or a refresh (REFRESH_TOKEN_AUTH).', state: 'partial',
  notes: 'CUSTOM_AUTH is not served yet. USER_AUTH with ConfirmSignUp’s Session signs the new user in without a second code. A DEVICE_KEY must be the user’s; a confirmed device is asked for its own proof (DEVICE_SRP_AUTH).',
  errors: [...SIGN_IN_ERRORS],
  input: z.object({ ...initiateInput, ...CLIENT_EXTRAS }),
  handle: (call, i) => initiate(call, i),
});

export const respondToAuthChallenge = defineAction({
  name: 'RespondToAuthChallenge', summary: 'Answers a sign-in challenge: PASSWORD_VERIFIER (SRP), NEW_PASSWORD_REQUIRED, the device ones, MFA (SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE, MFA_SETUP), and USER_AUTH’s (SELECT_CHALLENGE, EMAIL_OTP, SMS_OTP, WEB_AUTHN).', state: 'partial',
  notes: 'A recovery code (the broker’s own) answers any MFA challenge in place of the code. A wrong MFA code keeps the Session for another try, within the user’s limit of wrong answers. Custom challenges are not served yet.',
  errors: [...CHALLENGE_ERRORS],
  input: z.object({ ...respondInput, ...CLIENT_EXTRAS }),
  handle: (call, i) => respond(call, i),
});

const ADMIN_EXTRAS = { ClientMetadata: StringMap.optional(), AnalyticsMetadata: CLIENT_EXTRAS.AnalyticsMetadata, ContextData: CLIENT_EXTRAS.UserContextData };

export const adminInitiateAuth = defineAction({
  name: 'AdminInitiateAuth', summary: "A back end's sign-in for a user: ADMIN_USER_PASSWORD_AUTH (or ADMIN_NO_SRP_AUTH), USER_SRP_AUTH, REFRESH_TOKEN_AUTH.", state: 'partial', access: 'sigv4',
  notes: 'The client must allow ALLOW_ADMIN_USER_PASSWORD_AUTH for the password flow and be of the pool named; the same lockout, account states and challenges as InitiateAuth. CUSTOM_AUTH and USER_AUTH are not served yet.',
  errors: [...SIGN_IN_ERRORS],
  input: z.object({ UserPoolId, ...initiateInput, ...ADMIN_EXTRAS }),
  handle: (call, i) => initiate(call, i),
});

export const adminRespondToAuthChallenge = defineAction({
  name: 'AdminRespondToAuthChallenge', summary: "Answers a challenge of AdminInitiateAuth (NEW_PASSWORD_REQUIRED, PASSWORD_VERIFIER, the device ones, MFA).", state: 'partial', access: 'sigv4',
  notes: 'Custom challenges are not served yet.',
  errors: [...CHALLENGE_ERRORS],
  input: z.object({ UserPoolId, ...respondInput, ...ADMIN_EXTRAS }),
  handle: (call, i) => respond(call, i),
});

export const getTokensFromRefreshToken = defineAction({
  name: 'GetTokensFromRefreshToken', summary: "New tokens from a refresh token, rotating it when the client's RefreshTokenRotation is on.", state: 'partial',
  notes: 'DeviceKey is ignored (no device tracking yet).',
  errors: ['NotAuthorizedException', 'RefreshTokenReuseException', 'ResourceNotFoundException', ...TRIGGER_ERRORS],
  input: z.object({ RefreshToken: Token, ClientId, ClientSecret: ClientSecret.optional(), DeviceKey: z.string().max(55).optional(), ...CLIENT_EXTRAS }),
  async handle(call, i) {
    const c = await forClient(call, i.ClientId, null, undefined);
    checkClientSecret(c.client, i.ClientSecret);
    return { AuthenticationResult: authenticationResult(await refreshed(call, c, i.RefreshToken, 'RefreshTokenReuseException', i.ClientMetadata)) };
  },
});

export const revokeToken = defineAction({
  name: 'RevokeToken', summary: 'Revokes a refresh token and every token issued from its sign-in.', state: 'supported',
  errors: ['UnsupportedOperationException', 'NotAuthorizedException', 'ResourceNotFoundException'],
  input: z.object({ Token, ClientId, ClientSecret: ClientSecret.optional(), ...CLIENT_EXTRAS }),
  async handle(call, i) {
    const c = await forClient(call, i.ClientId, null, undefined);
    checkClientSecret(c.client, i.ClientSecret);
    if (!c.client.settings.EnableTokenRevocation) throw apiException('UnsupportedOperationException', 'Token revocation is not enabled for this client.');
    await call.s.refresh.revoke(i.Token, c.client.clientId, call.s.now(), c.pool.id);
    return {};
  },
});
