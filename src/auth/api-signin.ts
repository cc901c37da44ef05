// The JSON API's entrances: InitiateAuth (USER_PASSWORD_AUTH, USER_SRP_AUTH) and RespondToAuthChallenge
// (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER); the second
// factor's answers are api-mfa.ts's. The password checks, lockout and account states are the native
// accounts' (the same as the hosted pages'); the MFA step is mfa.ts's; admission and tokens are admit.ts's. A challenge's
// Session is an opaque single-use handle bound to its client and user, alive for the client's
// AuthSessionValidity minutes.
import { randomBytes } from 'node:crypto';
import type { BrokerError } from '../shared/errors.js';
import type { AppClient, Device, Pool, User } from '../directory/types.js';
import { confirmationDestination } from '../native/codes.js';
import { deviceNotFound, isDeviceNotFound } from '../native/devices.js';
import { NotAuthorizedException, UserNotFoundException, InvalidParameterException } from '../native/errors.js';
import { isValidA, srpPoolName, type SrpVerifier } from '../native/srp.js';
import { srpMath } from '../native/srp-math.js';
import { admitAndIssue, type Entrance, type SignInFacts } from './admit.js';
import { mfaStep } from '../native/mfa.js';
import { secondFactorChallenge } from './mfa.js';
import type { AuthDeps } from './deps.js';
import { newHandle, saveFlow, takeFlow, type FlowData } from './flows.js';
import { accountContext } from './password.js';
import { failed, isRefusal, type AuthResult, type ChallengeName } from './results.js';

export interface ApiSignIn {
  pool: Pool;
  client: AppClient;
  ip: string | null;
  /** The DEVICE_KEY the app signs in from, if it has one. */
  deviceKey?: string;
  /** The call's ClientMetadata, for the triggers it fires. */
  clientMetadata?: Record<string, string>;
}

/** Checked against when there is no real verifier to check: a proof costs the same either way. */
let dummy: Promise<SrpVerifier> | undefined;
const dummyVerifier = () => (dummy ??= srpMath.makeVerifier('dummy', 'dummy', randomBytes(16).toString('hex')));

export const sessionExpired = () => new NotAuthorizedException('Invalid session for the user, session is expired.');

const contextOf = (i: ApiSignIn) => ({ ...accountContext(i.client, i.ip), ...(i.clientMetadata ? { clientMetadata: i.clientMetadata } : {}) });

/** A new challenge Session for this client: saved, single use, alive for the client's AuthSessionValidity. */
export async function newSession(d: AuthDeps, i: Omit<ApiSignIn, 'deviceKey'>, name: ChallengeName, data: Omit<FlowData['challenge'], 'name' | 'clientId'>): Promise<string> {
  const session = newHandle() + newHandle(); // 86 characters: within Cognito's 20–2048
  await saveFlow(d, 'challenge', i.pool.id, session, { ...data, name, clientId: i.client.clientId }, d.now() + i.client.settings.AuthSessionValidity * 60_000);
  return session;
}

export async function challenge(d: AuthDeps, i: ApiSignIn, name: ChallengeName, user: User | null, data: Omit<FlowData['challenge'], 'name' | 'clientId'>, parameters: Record<string, string>): Promise<AuthResult> {
  return { kind: 'challenge', name, session: await newSession(d, i, name, data), user, parameters };
}

/** The challenge a session answers, for this client and this challenge only; NotAuthorized when it is unknown, used or expired. */
export async function takeChallenge(d: AuthDeps, i: ApiSignIn, session: string, name: ChallengeName): Promise<(FlowData['challenge'] & { expiresAt: number }) | null> {
  const flow = await takeFlow(d, 'challenge', i.pool.id, session);
  return flow && flow.name === name && flow.clientId === i.client.clientId ? flow : null;
}

/** Whether the USERNAME an answer carries names this user: the username, or a sign-in alias of theirs. */
export async function namesUser(d: AuthDeps, pool: Pool, typed: string, user: User): Promise<boolean> {
  return typed === user.username || (await d.accounts.findUser(pool, typed))?.id === user.id;
}

/** NEW_PASSWORD_REQUIRED's parameters: the required attributes the user lacks, and the ones it has. */
function newPasswordParameters(pool: Pool, user: User): Record<string, string> {
  const required = pool.settings.Schema.filter((a) => a.Required && !user.attributes[a.Name]).map((a) => `userAttributes.${a.Name}`);
  const { sub: _sub, identities: _identities, ...shown } = user.attributes;
  return { USER_ID_FOR_SRP: user.username, requiredAttributes: JSON.stringify(required), userAttributes: JSON.stringify(shown) };
}

/** A proven password: a temporary one must be replaced first, else on to the device step. */
function proven(d: AuthDeps, i: ApiSignIn, user: User, entrance: Entrance): Promise<AuthResult> {
  if (user.status === 'FORCE_CHANGE_PASSWORD') return challenge(d, i, 'NEW_PASSWORD_REQUIRED', user, { userId: user.id, entrance }, newPasswordParameters(i.pool, user));
  return viaDevice(d, i, user, entrance);
}

/**
 * The user is proven; the app's DEVICE_KEY, when it sends one, must be the user's device. A confirmed
 * device (one with its SRP verifier) proves its own secret next, as Cognito asks (DEVICE_SRP_AUTH);
 * an unconfirmed one, or none, goes on to the second factor.
 */
async function viaDevice(d: AuthDeps, i: ApiSignIn, user: User, entrance: Entrance): Promise<AuthResult> {
  if (i.deviceKey) {
    const device = await d.store.devices.getDevice(i.pool.id, user.id, i.deviceKey);
    if (!device) return failed(deviceNotFound());
    if (device.verifier) return challenge(d, i, 'DEVICE_SRP_AUTH', user, { userId: user.id, entrance, deviceKey: device.deviceKey }, {});
  }
  return viaSecondFactor(d, i, user, entrance);
}

/** The pool's MFA for a proven user: the challenge it asks for, or tokens when it asks for none. */
export async function viaSecondFactor(d: AuthDeps, i: ApiSignIn, user: User, entrance: Entrance): Promise<AuthResult> {
  try {
    const c = await secondFactorChallenge(d, i.pool, user);
    if (!c) return await issue(d, i, user, entrance);
    return await challenge(d, i, c.name, user, { userId: user.id, entrance, mfa: c.mfa }, c.parameters);
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

export const issue = (d: AuthDeps, i: ApiSignIn, user: User, entrance: Entrance, secondFactor?: SignInFacts['secondFactor']): Promise<AuthResult> =>
  admitAndIssue(d, {
    pool: i.pool, request: { client: i.client }, user, via: 'COGNITO', entrance, ip: i.ip, ...(i.deviceKey ? { deviceKey: i.deviceKey } : {}), ...(secondFactor ? { secondFactor } : {}),
    ...(i.clientMetadata ? { clientMetadata: i.clientMetadata } : {}),
  });

/** The SRP answer's three fields. */
interface SrpClaim { secretBlock: string; timestamp: string; signature: string }

/** Whether a PASSWORD_CLAIM proves the verifier, for the SRP state a challenge kept. */
async function proves(d: AuthDeps, srp: NonNullable<FlowData['challenge']['srp']>, poolName: string, claim: SrpClaim, verifier: SrpVerifier): Promise<boolean> {
  return claim.secretBlock === srp.secretBlock && srpMath.verifyPasswordClaim({
    poolName, userIdForSrp: srp.userIdForSrp, verifier, A: srp.A, b: d.sealer.unseal(srp.sealedB), B: srp.B, ...claim, now: d.now(),
  });
}

/** InitiateAuth USER_PASSWORD_AUTH. */
export async function initiatePasswordAuth(d: AuthDeps, i: ApiSignIn & { username: string; password: string }): Promise<AuthResult> {
  try {
    return await proven(d, i, await d.accounts.signIn(i.pool, i.username, i.password, contextOf(i)), 'api-password');
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/**
 * InitiateAuth USER_SRP_AUTH: the PASSWORD_VERIFIER challenge (SALT, SRP_B, SECRET_BLOCK and
 * USER_ID_FOR_SRP, the real username even when an alias was typed). An unknown name gets a challenge
 * like any other (a fake verifier), and fails at the answer as a wrong password does; a LEGACY client
 * is told UserNotFoundException at once, as Cognito tells it.
 */
export async function initiateSrpAuth(d: AuthDeps, i: ApiSignIn & { username: string; srpA: string }): Promise<AuthResult> {
  if (!isValidA(i.srpA)) return failed(new InvalidParameterException('SRP_A is not a valid SRP value.'));
  let found: Awaited<ReturnType<AuthDeps['accounts']['srpChallengeFor']>>;
  try {
    found = await d.accounts.srpChallengeFor(i.pool, i.username, contextOf(i));
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
  const { userId, userIdForSrp, verifier } = found;
  const { b, B } = await srpMath.serverChallenge(verifier);
  const secretBlock = randomBytes(64).toString('base64');
  return challenge(d, i, 'PASSWORD_VERIFIER', null, {
    userId, typedName: i.username, srp: { userIdForSrp, A: i.srpA, B, sealedB: d.sealer.seal(b), secretBlock },
  }, { SALT: verifier.salt, SRP_B: B, SECRET_BLOCK: secretBlock, USERNAME: userIdForSrp, USER_ID_FOR_SRP: userIdForSrp });
}

/**
 * RespondToAuthChallenge PASSWORD_VERIFIER: the client's proof, counted against the lockout like a
 * typed password. A DEVICE_KEY the server does not know leaves the challenge open: the clients answer
 * "Device does not exist." by forgetting the device and answering again without it, with the same Session.
 */
export async function answerPasswordVerifier(d: AuthDeps, i: ApiSignIn & SrpClaim & { session: string; username: string }): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, i.session, 'PASSWORD_VERIFIER');
  const srp = flow?.srp;
  if (!flow || !srp) return failed(sessionExpired());
  if (i.username !== srp.userIdForSrp && i.username !== flow.typedName) return failed(new InvalidParameterException('The USERNAME does not match the challenge.'));
  const claim = (verifier: SrpVerifier) => proves(d, srp, srpPoolName(i.pool.id), i, verifier);
  try {
    const user = await d.accounts.signInWithSrp(i.pool, flow.typedName ?? srp.userIdForSrp, flow.userId, claim, async () => void (await claim(await dummyVerifier())), contextOf(i));
    const result = await proven(d, i, user, 'api-srp');
    if (result.kind === 'failed' && isDeviceNotFound(result.error))
      await saveFlow(d, 'challenge', i.pool.id, i.session, withoutExpiry(flow), flow.expiresAt);
    return result;
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

export const withoutExpiry = ({ expiresAt: _e, ...flow }: FlowData['challenge'] & { expiresAt: number }): FlowData['challenge'] => flow;

/** The user a device challenge is for, when the answer names them (by username or alias) and the device is the one challenged. */
async function deviceChallenge(
  d: AuthDeps, i: ApiSignIn & { session: string; username: string }, name: 'DEVICE_SRP_AUTH' | 'DEVICE_PASSWORD_VERIFIER',
): Promise<{ refused: BrokerError } | { flow: FlowData['challenge']; user: User; device: Device; verifier: SrpVerifier; entrance: Entrance }> {
  const flow = await takeChallenge(d, i, i.session, name);
  const user = flow?.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!flow || !user || !flow.deviceKey) return { refused: sessionExpired() };
  if (i.deviceKey !== flow.deviceKey) return { refused: new InvalidParameterException('The DEVICE_KEY does not match the challenge.') };
  if (!(await namesUser(d, i.pool, i.username, user))) return { refused: new UserNotFoundException() };
  const device = await d.store.devices.getDevice(i.pool.id, user.id, flow.deviceKey);
  if (!device?.verifier) return { refused: deviceNotFound() };
  const verifier = JSON.parse(d.sealer.unseal(device.verifier)) as SrpVerifier;
  return { flow, user, device, verifier, entrance: (flow.entrance ?? 'api-srp') as Entrance };
}

/**
 * RespondToAuthChallenge DEVICE_SRP_AUTH: the device's SRP_A; answered with DEVICE_PASSWORD_VERIFIER,
 * SRP as the user's (COGNITO.md §5) with the device's group key for the pool name and its key for the user.
 */
export async function answerDeviceSrp(d: AuthDeps, i: ApiSignIn & { session: string; username: string; srpA: string }): Promise<AuthResult> {
  if (!isValidA(i.srpA)) return failed(new InvalidParameterException('SRP_A is not a valid SRP value.'));
  const c = await deviceChallenge(d, i, 'DEVICE_SRP_AUTH');
  if ('refused' in c) return failed(c.refused);
  const { b, B } = await srpMath.serverChallenge(c.verifier);
  const secretBlock = randomBytes(64).toString('base64');
  return challenge(d, i, 'DEVICE_PASSWORD_VERIFIER', c.user, {
    userId: c.user.id, entrance: c.entrance, deviceKey: c.device.deviceKey,
    srp: { userIdForSrp: c.device.deviceKey, poolName: c.device.deviceGroupKey, A: i.srpA, B, sealedB: d.sealer.seal(b), secretBlock },
  }, { SALT: c.verifier.salt, SRP_B: B, SECRET_BLOCK: secretBlock, USERNAME: c.user.username });
}

/** RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER: the device's proof; then the user is admitted and gets tokens. */
export async function answerDevicePasswordVerifier(d: AuthDeps, i: ApiSignIn & SrpClaim & { session: string; username: string }): Promise<AuthResult> {
  const c = await deviceChallenge(d, i, 'DEVICE_PASSWORD_VERIFIER');
  if ('refused' in c) return failed(c.refused);
  const srp = c.flow.srp!;
  if (!(await proves(d, srp, srp.poolName ?? '', i, c.verifier))) {
    await d.store.audit.record({ poolId: i.pool.id, time: d.now(), type: 'sign_in.failure', userId: c.user.id, clientId: i.client.clientId, ip: i.ip, detail: { reason: 'device_proof', device: c.device.deviceKey } });
    return failed(new NotAuthorizedException());
  }
  // A remembered device stands in for the second factor, as in Cognito; any other goes on to it.
  if (c.device.status === 'remembered' && mfaStep(i.pool.settings, c.user).kind !== 'none') return issue(d, i, c.user, c.entrance, 'REMEMBERED_DEVICE');
  return viaSecondFactor(d, i, c.user, c.entrance);
}

/** RespondToAuthChallenge NEW_PASSWORD_REQUIRED: the user's own password (policy-checked) and the required attributes. */
export async function answerNewPassword(
  d: AuthDeps, i: ApiSignIn & { session: string; username: string; newPassword: string; attributes: Record<string, string> },
): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, i.session, 'NEW_PASSWORD_REQUIRED');
  const user = flow?.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!flow || !user || user.status !== 'FORCE_CHANGE_PASSWORD') return failed(sessionExpired());
  if (!(await namesUser(d, i.pool, i.username, user))) return failed(new UserNotFoundException());
  const missing = i.pool.settings.Schema.filter((a) => a.Required && !user.attributes[a.Name] && !i.attributes[a.Name]).map((a) => a.Name);
  if (missing.length) return failed(new InvalidParameterException(`Missing required attributes: ${missing.join(', ')}`));
  try {
    const updated = await d.accounts.completeNewPassword(i.pool, user, i.newPassword, i.attributes, contextOf(i));
    return await viaDevice(d, i, updated, 'api-new-password');
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/**
 * SignUp's Session: the new account awaiting its code (CONFIRM_SIGN_UP), bound to the client and user,
 * for ConfirmSignUp to hand on.
 */
export async function signUpSession(d: AuthDeps, i: Omit<ApiSignIn, 'deviceKey'>, user: User): Promise<string> {
  return newSession(d, i, 'CONFIRM_SIGN_UP', { userId: user.id });
}

/**
 * ConfirmSignUp's Session, for InitiateAuth USER_AUTH to sign the confirmed user in without a second
 * code: when the call carried the sign-up's own Session (same client, same user, unexpired, once), or
 * when the code just proven is itself a way in here (the pool allows that code-only first factor,
 * EMAIL_OTP or SMS_OTP, for the address it went to). Otherwise none: the account is confirmed all the same.
 */
export async function confirmedSignUpSession(d: AuthDeps, i: Omit<ApiSignIn, 'deviceKey'>, session: string | undefined, user: User): Promise<string | undefined> {
  if (session) {
    const flow = await takeChallenge(d, i, session, 'CONFIRM_SIGN_UP');
    if (flow?.userId !== user.id) return undefined;
  } else {
    const dest = confirmationDestination(i.pool.settings, user.attributes);
    const factor = dest?.attribute === 'email' ? 'EMAIL_OTP' : dest?.attribute === 'phone_number' ? 'SMS_OTP' : null;
    if (!factor || !i.pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.includes(factor)) return undefined;
  }
  return newSession(d, i, 'SIGNED_UP', { userId: user.id });
}
