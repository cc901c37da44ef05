// Passkeys (WebAuthn), with @simplewebauthn/server doing every ceremony check (origin, RP id,
// challenge, signature, signature counter, user verification). The RP id is the pool's
// WebAuthnConfiguration.RelyingPartyId or the host of PUBLIC_URL; the allowed origins are PUBLIC_URL's
// and those of the pool's clients' callback URLs. A ceremony's challenge is kept as a single-use flow
// under its own value, bound to the pool and user; a credential is kept with its public key and counter.
import { randomBytes } from 'node:crypto';
import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Passkey, Pool, User } from '../directory/types.js';
import { InvalidParameterException, NotAuthorizedException } from '../native/errors.js';
import { mfaOf } from '../native/mfa.js';
import { BrokerError } from '../shared/errors.js';
import type { AuthDeps } from './deps.js';
import { saveFlow, takeFlow } from './flows.js';

/** How long a passkey ceremony waits for the authenticator. */
const CEREMONY_MS = 5 * 60_000;
/** Cognito's limit of passkeys a user. */
export const MAX_PASSKEYS = 20;

export class WebAuthnException extends BrokerError {
  constructor(code: 'WebAuthnChallengeNotFoundException' | 'WebAuthnRelyingPartyMismatchException' | 'WebAuthnOriginNotAllowedException' | 'WebAuthnCredentialNotSupportedException', message: string) {
    super(code, message);
  }
}

export const rpIdOf = (d: Pick<AuthDeps, 'publicUrl'>, pool: Pool): string => pool.settings.WebAuthnConfiguration?.RelyingPartyId ?? new URL(d.publicUrl).hostname;
const userVerification = (pool: Pool) => pool.settings.WebAuthnConfiguration?.UserVerification ?? 'preferred';

/** PUBLIC_URL's origin and the origins of the pool's clients' callback URLs (web ones). */
async function originsOf(d: AuthDeps, pool: Pool): Promise<string[]> {
  const origins = new Set([new URL(d.publicUrl).origin]);
  for (const c of await d.store.pools.listClients(pool.id)) {
    for (const u of c.settings.CallbackURLs) {
      const o = new URL(u);
      if (o.protocol === 'https:' || o.protocol === 'http:') origins.add(o.origin);
    }
  }
  return [...origins];
}

/** The challenge a response answers, from its clientDataJSON (the flow is kept under it). */
function challengeOf(response: { response?: { clientDataJSON?: unknown } }): string {
  try {
    const json = JSON.parse(Buffer.from(String(response.response?.clientDataJSON ?? ''), 'base64url').toString('utf8')) as { challenge?: unknown };
    if (typeof json.challenge === 'string' && json.challenge.length <= 512) return json.challenge;
  } catch {
    // answered below
  }
  throw new InvalidParameterException('The credential is not a WebAuthn response (clientDataJSON).');
}

/** Why a ceremony failed, as Cognito names it. */
function ceremonyError(err: unknown): BrokerError {
  const message = err instanceof Error ? err.message : String(err);
  if (/origin/i.test(message)) return new WebAuthnException('WebAuthnOriginNotAllowedException', 'The credential was made for an origin this pool does not allow.');
  if (/RP ID|rpID/i.test(message)) return new WebAuthnException('WebAuthnRelyingPartyMismatchException', 'The credential was made for another relying party.');
  return new NotAuthorizedException('The passkey could not be verified.');
}

/** StartWebAuthnRegistration: the creation options (a JSON document) for the browser's navigator.credentials.create. */
export async function startRegistration(d: AuthDeps, pool: Pool, user: User): Promise<Record<string, unknown>> {
  const mine = mfaOf(user).passkeys ?? [];
  if (mine.length >= MAX_PASSKEYS) throw new BrokerError('LimitExceededException', `A user can have at most ${MAX_PASSKEYS} passkeys.`);
  const options = await generateRegistrationOptions({
    rpName: pool.settings.PoolName, rpID: rpIdOf(d, pool), userName: user.attributes.email ?? user.username, userDisplayName: user.attributes.name ?? user.attributes.email ?? user.username,
    userID: Buffer.from(user.sub), attestationType: 'none', timeout: CEREMONY_MS,
    excludeCredentials: mine.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: userVerification(pool) },
  });
  await saveFlow(d, 'challenge', pool.id, options.challenge, { name: 'WEB_AUTHN_REGISTRATION', userId: user.id }, d.now() + CEREMONY_MS);
  return options as unknown as Record<string, unknown>;
}

/** CompleteWebAuthnRegistration: the browser's credential, checked against the challenge this user was given. */
export async function completeRegistration(d: AuthDeps, pool: Pool, user: User, credential: unknown): Promise<Passkey> {
  const response = credential as RegistrationResponseJSON;
  const challenge = challengeOf(response);
  const flow = await takeFlow(d, 'challenge', pool.id, challenge);
  if (!flow || flow.name !== 'WEB_AUTHN_REGISTRATION' || flow.userId !== user.id)
    throw new WebAuthnException('WebAuthnChallengeNotFoundException', 'The registration challenge is unknown, used or expired. Start the registration again.');
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response, expectedChallenge: challenge, expectedOrigin: await originsOf(d, pool), expectedRPID: rpIdOf(d, pool),
      requireUserVerification: userVerification(pool) === 'required',
    });
  } catch (err) {
    throw ceremonyError(err);
  }
  if (!verified.verified) throw new NotAuthorizedException('The passkey could not be verified.');
  const c = verified.registrationInfo.credential;
  const passkey: Passkey = {
    id: c.id, publicKey: Buffer.from(c.publicKey).toString('base64url'), counter: c.counter, transports: c.transports ?? response.response.transports ?? [],
    rpId: rpIdOf(d, pool), name: null, attachment: response.authenticatorAttachment ?? null, createdAt: d.now(),
  };
  await d.secondFactors.updateMfa(pool, user, (m) => {
    if ((m.passkeys ?? []).some((p) => p.id === c.id)) throw new InvalidParameterException('This passkey is already registered.');
    return { ...m, passkeys: [...(m.passkeys ?? []), passkey] };
  });
  await d.store.audit.record({ poolId: pool.id, time: d.now(), type: 'passkey.registered', userId: user.id, clientId: null, ip: null, detail: { credential: c.id.slice(0, 16) } });
  return passkey;
}

/** DeleteWebAuthnCredential. */
export async function deletePasskey(d: AuthDeps, pool: Pool, user: User, id: string): Promise<void> {
  await d.secondFactors.updateMfa(pool, user, (m) => {
    const left = (m.passkeys ?? []).filter((p) => p.id !== id);
    if (left.length === (m.passkeys ?? []).length) throw new BrokerError('ResourceNotFoundException', 'The passkey does not exist.');
    return { ...m, passkeys: left };
  });
  await d.store.audit.record({ poolId: pool.id, time: d.now(), type: 'passkey.deleted', userId: user.id, clientId: null, ip: null, detail: { credential: id.slice(0, 16) } });
}

/**
 * The WEB_AUTHN challenge's request options (CREDENTIAL_REQUEST_OPTIONS, a JSON string), for the user's
 * passkeys; a name with none gets options as plausible, which no credential will answer.
 */
export async function requestOptions(d: AuthDeps, pool: Pool, user: User | null): Promise<{ options: string; challenge: string }> {
  const mine = user ? mfaOf(user).passkeys ?? [] : [];
  const allow = mine.length ? mine.map((p) => ({ id: p.id, transports: p.transports })) : [{ id: randomBytes(32).toString('base64url'), transports: ['internal', 'hybrid'] }];
  const options = await generateAuthenticationOptions({ rpID: rpIdOf(d, pool), allowCredentials: allow, userVerification: userVerification(pool), timeout: CEREMONY_MS });
  return { options: JSON.stringify(options), challenge: options.challenge };
}

/** The WEB_AUTHN answer (CREDENTIAL, a JSON string): a signature by one of the user's passkeys over this challenge; its counter moves on. */
export async function verifyAssertion(d: AuthDeps, pool: Pool, user: User, challenge: string, credentialJson: string): Promise<{ user: User; secondFactor?: 'PASSKEY_WITH_USER_VERIFICATION' }> {
  let response: AuthenticationResponseJSON;
  try {
    response = JSON.parse(credentialJson) as AuthenticationResponseJSON;
  } catch {
    throw new InvalidParameterException('CREDENTIAL is not JSON.');
  }
  const m = mfaOf(user);
  const passkey = (m.passkeys ?? []).find((p) => p.id === response.id);
  if (!passkey) throw new NotAuthorizedException('The passkey is not registered for this user.');
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response, expectedChallenge: challenge, expectedOrigin: await originsOf(d, pool), expectedRPID: passkey.rpId,
      credential: { id: passkey.id, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: passkey.transports },
      requireUserVerification: userVerification(pool) === 'required',
    });
  } catch (err) {
    throw ceremonyError(err);
  }
  if (!verified.verified) throw new NotAuthorizedException('The passkey could not be verified.');
  const updated = await d.secondFactors.updateMfa(pool, user, (m) => ({
    ...m, passkeys: (m.passkeys ?? []).map((p) => (p.id === passkey.id ? { ...p, counter: verified.authenticationInfo.newCounter } : p)),
  }));
  // A passkey that verified its user counts as both factors where the pool says so.
  const both = pool.settings.WebAuthnConfiguration?.FactorConfiguration === 'MULTI_FACTOR_WITH_USER_VERIFICATION' && verified.authenticationInfo.userVerified;
  return { user: updated, ...(both ? { secondFactor: 'PASSKEY_WITH_USER_VERIFICATION' as const } : {}) };
}
