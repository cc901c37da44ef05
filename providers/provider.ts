// The provider adapter seam: an adapter turns one provider's protocol into one verified identity and
// knows nothing else (no Koa, no store). The federation core keeps the flow, checks the state and
// the browser binding, and maps the identity onto a user.
import type { ProviderType } from '../src/shared/provider-types.js';

export type ClaimValue = string | number | boolean | null | ClaimValue[] | { [name: string]: ClaimValue };
export type Claims = Record<string, ClaimValue>;

/** A provider as configured on a pool; secrets in `details` are already unsealed. */
export interface ProviderConfig {
  name: string;
  type: ProviderType;
  details: Record<string, string>;
}

export interface BeginRequest {
  /** Where the provider sends the browser back: `ISS/oauth2/idpresponse`. */
  redirectUri: string;
  state: string;
  nonce: string;
  /** PKCE verifier (43+ characters); adapters send its S256 challenge where the provider takes one. */
  codeVerifier: string;
}

export interface BeginResult {
  /** Where to send the browser. */
  redirect: string;
  /** Anything the adapter needs back at the callback (kept in the flow, server-side). */
  kept: Record<string, string>;
}

export interface CallbackRequest {
  method: 'GET' | 'POST';
  /** Query parameters (GET) and form fields (POST, e.g. Apple's form_post), as strings. */
  params: Record<string, string>;
  redirectUri: string;
}

export interface FlowState {
  state: string;
  nonce: string;
  codeVerifier: string;
  kept: Record<string, string>;
}

export interface ExternalIdentity {
  provider: string;
  /** The provider's user id: Google/Apple/OIDC `sub`, Facebook `id`, Amazon `user_id`. */
  subject: string;
  /** OIDC issuer; null for Facebook and Amazon (as Cognito's `identities`). */
  issuer: string | null;
  /** Every claim the provider gave (ID token claims merged with the userinfo/profile answer). */
  claims: Claims;
}

export interface ProviderAdapter {
  begin(req: BeginRequest): Promise<BeginResult>;
  /** Verified identity, or a ProviderError. The state was already matched by the caller. */
  complete(cb: CallbackRequest, flow: FlowState): Promise<ExternalIdentity>;
}

/**
 * Why a federated sign-in failed. `denied`: the user or provider said no (`error` in the callback);
 * `invalid`: the answer failed a check (signature, issuer, audience, nonce, token owner…);
 * `unavailable`: the provider is down, slow (10 s) or answered garbage; `misconfigured`: our settings.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'denied' | 'invalid' | 'unavailable' | 'misconfigured',
    message: string,
    /** The provider's own error code, for `denied` (e.g. access_denied). */
    readonly providerError?: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface AdapterDeps {
  /** Defaults to global fetch; every call carries a 10-second timeout. */
  fetch?: typeof fetch;
  now?: () => number;
}
