// The typed pending flows of a browser sign-in. Each kind has one shape, is kept under the hash of
// its handle (which only the browser or the provider carries), and is taken once, only as its kind
// and only for its own pool.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../shared/hashing.js';
import type { Store } from '../directory/store.js';
import type { FlowKind } from '../directory/types.js';
import type { MfaFlow } from './mfa.js';
import type { ChallengeName } from './results.js';

/** What the app asked for, kept until the provider answers (the client is looked up again then). */
export interface AppRequest {
  params: Record<string, string>;
  scopes: string[];
}

export interface FlowData {
  /** A sign-in at an identity provider, until its answer comes back (10 minutes). */
  federation: {
    providerName: string;
    protocol: 'oauth' | 'saml';
    /** Hash of this browser's binding cookie. */
    browserHash: string;
    nonce: string;
    codeVerifier: string;
    /** What the adapter asked to get back (e.g. the SAML request id). */
    kept: Record<string, string>;
    app: AppRequest;
  };
  /** A provider's cross-site POST, kept for the top-level GET that carries the browser's cookies (2 minutes). */
  continuation: { fields: Record<string, string>; flow: FlowData['federation']; flowExpiresAt: number };
  /**
   * A sign-in stopped at a challenge; the handle answers it. `userId` null: no user proven yet (an SRP
   * challenge for a name that may not exist). The JSON API's challenges are bound to their client.
   */
  challenge: {
    name: ChallengeName;
    userId: string | null;
    clientId?: string;
    /** The name as typed, which the lockout counts. */
    typedName?: string;
    /** How the password was proven, for the audit of the sign-in a device challenge finishes. */
    entrance?: string;
    /** The tracked device a DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER challenge is for. */
    deviceKey?: string;
    /**
     * An SRP challenge's server state; b is sealed (with B it would give away the verifier). `poolName`
     * is what the proof binds besides userIdForSrp: the pool's SRP name, or a device's group key.
     */
    srp?: { userIdForSrp: string; poolName?: string; A: string; B: string; sealedB: string; secretBlock: string };
    /** The second factor a challenge asks for (auth/mfa.ts). */
    mfa?: MfaFlow;
    /** A WEB_AUTHN challenge's WebAuthn challenge, which the passkey's signature must cover. */
    webauthn?: { challenge: string };
  };
  /** Our LogoutRequest to a SAML IdP, until its LogoutResponse comes back. */
  logout: { providerName: string; logoutRequestId: string; logoutUri: string };
}

export const FLOW_MS = 10 * 60_000;
export const CONTINUATION_MS = 2 * 60_000;
/** As long as a confirmation code is worth waiting for in the same browser. */
export const CHALLENGE_MS = 60 * 60_000;

export const newHandle = () => randomBytes(32).toString('base64url');

interface FlowDeps {
  store: Store;
  now(): number;
}

export async function saveFlow<K extends FlowKind>(d: FlowDeps, kind: K, poolId: string, handle: string, data: FlowData[K], expiresAt: number): Promise<void> {
  await d.store.flows.saveFlow({ kind, stateHash: sha256(handle), poolId, data: data as unknown as Record<string, unknown>, createdAt: d.now(), expiresAt });
}

/** The flow of that kind the handle names in this pool, once; null when unknown, used, expired, of another kind or pool. */
export async function takeFlow<K extends FlowKind>(d: FlowDeps, kind: K, poolId: string, handle: unknown): Promise<(FlowData[K] & { expiresAt: number }) | null> {
  if (typeof handle !== 'string' || !handle || handle.length > 512) return null;
  const flow = await d.store.flows.consumeFlow(kind, sha256(handle), d.now());
  if (!flow || flow.poolId !== poolId) return null;
  return { ...(flow.data as unknown as FlowData[K]), expiresAt: flow.expiresAt };
}

/** A flow of that kind whatever its pool, once, for handles that come without one (an MFA_SETUP Session alone). */
export async function takeFlowAnywhere<K extends FlowKind>(d: FlowDeps, kind: K, handle: unknown): Promise<(FlowData[K] & { expiresAt: number; poolId: string }) | null> {
  if (typeof handle !== 'string' || !handle || handle.length > 2048) return null;
  const flow = await d.store.flows.consumeFlow(kind, sha256(handle), d.now());
  if (!flow?.poolId) return null;
  return { ...(flow.data as unknown as FlowData[K]), expiresAt: flow.expiresAt, poolId: flow.poolId };
}
