// The JSON API's entrances: InitiateAuth (USER_PASSWORD_AUTH, USER_SRP_AUTH) and RespondToAuthChallenge
// (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED). The password checks, lockout and account states are the
// native accounts' (the same as the hosted pages'); admission and tokens are admit.ts's. A challenge's
// Session is an opaque single-use handle bound to its client and user, alive for the client's
// AuthSessionValidity minutes.
import { randomBytes } from 'node:crypto';
import type { AppClient, Pool, User } from '../directory/types.js';
import { NotAuthorizedException, UserNotFoundException, InvalidParameterException } from '../native/errors.js';
import { makeVerifier, serverChallenge, srpPoolName, verifyPasswordClaim, type SrpVerifier } from '../native/srp.js';
import { admitAndIssue, type Entrance } from './admit.js';
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
}

/** Checked against when there is no real verifier to check: a proof costs the same either way. */
let dummy: SrpVerifier | undefined;
const dummyVerifier = () => (dummy ??= makeVerifier('dummy', 'dummy', randomBytes(16).toString('hex')));

const sessionExpired = () => new NotAuthorizedException('Invalid session for the user, session is expired.');

const contextOf = (i: ApiSignIn) => accountContext(i.client, i.ip);

async function challenge(d: AuthDeps, i: ApiSignIn, name: ChallengeName, user: User | null, data: Omit<FlowData['challenge'], 'name' | 'clientId'>, parameters: Record<string, string>): Promise<AuthResult> {
  const session = newHandle() + newHandle(); // 86 characters: within Cognito's 20–2048
  await saveFlow(d, 'challenge', i.pool.id, session, { ...data, name, clientId: i.client.clientId }, d.now() + i.client.settings.AuthSessionValidity * 60_000);
  return { kind: 'challenge', name, session, user, parameters };
}

/** The challenge a session answers, for this client and this challenge only; NotAuthorized when it is unknown, used or expired. */
async function takeChallenge(d: AuthDeps, i: ApiSignIn, session: string, name: ChallengeName): Promise<FlowData['challenge'] | null> {
  const flow = await takeFlow(d, 'challenge', i.pool.id, session);
  return flow && flow.name === name && flow.clientId === i.client.clientId ? flow : null;
}

/** NEW_PASSWORD_REQUIRED's parameters: the required attributes the user lacks, and the ones it has. */
function newPasswordParameters(pool: Pool, user: User): Record<string, string> {
  const required = pool.settings.Schema.filter((a) => a.Required && !user.attributes[a.Name]).map((a) => `userAttributes.${a.Name}`);
  const { sub: _sub, identities: _identities, ...shown } = user.attributes;
  return { USER_ID_FOR_SRP: user.username, requiredAttributes: JSON.stringify(required), userAttributes: JSON.stringify(shown) };
}

/** A proven password: a temporary one must be replaced first, else the user is admitted and gets tokens. */
function proven(d: AuthDeps, i: ApiSignIn, user: User, entrance: Entrance): Promise<AuthResult> {
  if (user.status === 'FORCE_CHANGE_PASSWORD') return challenge(d, i, 'NEW_PASSWORD_REQUIRED', user, { userId: user.id }, newPasswordParameters(i.pool, user));
  return admitAndIssue(d, { pool: i.pool, request: { client: i.client }, user, via: 'COGNITO', entrance, ip: i.ip, ...(i.deviceKey ? { deviceKey: i.deviceKey } : {}) });
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
 * like any other (a fake verifier), and fails at the answer as a wrong password does.
 */
export async function initiateSrpAuth(d: AuthDeps, i: ApiSignIn & { username: string; srpA: string }): Promise<AuthResult> {
  const { userId, userIdForSrp, verifier } = await d.accounts.srpChallengeFor(i.pool, i.username);
  const { b, B } = serverChallenge(verifier);
  const secretBlock = randomBytes(64).toString('base64');
  return challenge(d, i, 'PASSWORD_VERIFIER', null, {
    userId, typedName: i.username, srp: { userIdForSrp, A: i.srpA, B, sealedB: d.sealer.seal(b), secretBlock },
  }, { SALT: verifier.salt, SRP_B: B, SECRET_BLOCK: secretBlock, USERNAME: userIdForSrp, USER_ID_FOR_SRP: userIdForSrp });
}

/** RespondToAuthChallenge PASSWORD_VERIFIER: the client's proof, counted against the lockout like a typed password. */
export async function answerPasswordVerifier(
  d: AuthDeps, i: ApiSignIn & { session: string; username: string; secretBlock: string; timestamp: string; signature: string },
): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, i.session, 'PASSWORD_VERIFIER');
  const srp = flow?.srp;
  if (!flow || !srp) return failed(sessionExpired());
  if (i.username !== srp.userIdForSrp && i.username !== flow.typedName) return failed(new InvalidParameterException('The USERNAME does not match the challenge.'));
  const poolName = srpPoolName(i.pool.id);
  const claim = (verifier: SrpVerifier) => i.secretBlock === srp.secretBlock && verifyPasswordClaim({
    poolName, userIdForSrp: srp.userIdForSrp, verifier, A: srp.A, b: d.sealer.unseal(srp.sealedB), B: srp.B,
    secretBlock: i.secretBlock, timestamp: i.timestamp, signature: i.signature, now: d.now(),
  });
  try {
    const user = await d.accounts.signInWithSrp(i.pool, flow.typedName ?? srp.userIdForSrp, flow.userId, claim, () => void claim(dummyVerifier()), contextOf(i));
    return await proven(d, i, user, 'api-srp');
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}

/** RespondToAuthChallenge NEW_PASSWORD_REQUIRED: the user's own password (policy-checked) and the required attributes. */
export async function answerNewPassword(
  d: AuthDeps, i: ApiSignIn & { session: string; username: string; newPassword: string; attributes: Record<string, string> },
): Promise<AuthResult> {
  const flow = await takeChallenge(d, i, i.session, 'NEW_PASSWORD_REQUIRED');
  const user = flow?.userId ? await d.store.users.getUser(i.pool.id, flow.userId) : null;
  if (!flow || !user || user.status !== 'FORCE_CHANGE_PASSWORD') return failed(sessionExpired());
  if (i.username !== user.username && (await d.accounts.findUser(i.pool, i.username))?.id !== user.id) return failed(new UserNotFoundException());
  const missing = i.pool.settings.Schema.filter((a) => a.Required && !user.attributes[a.Name] && !i.attributes[a.Name]).map((a) => a.Name);
  if (missing.length) return failed(new InvalidParameterException(`Missing required attributes: ${missing.join(', ')}`));
  try {
    const updated = await d.accounts.completeNewPassword(i.pool, user, i.newPassword, i.attributes, contextOf(i));
    return await admitAndIssue(d, { pool: i.pool, request: { client: i.client }, user: updated, via: 'COGNITO', entrance: 'api-new-password', ip: i.ip, ...(i.deviceKey ? { deviceKey: i.deviceKey } : {}) });
  } catch (err) {
    if (isRefusal(err)) return failed(err);
    throw err;
  }
}
