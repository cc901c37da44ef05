// The provider adapter seam: an adapter turns one provider's protocol (OAuth 2.0, OpenID Connect,
// SAML 2.0) into one verified identity and knows nothing else (no Koa, no store). src/auth keeps the
// flow, checks the state and the browser binding; src/federation maps the identity onto a user and
// keeps what must be single use.
import { BrokerError } from '../src/shared/errors.js';
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
  /** Where the provider sends the browser back: `ISS/oauth2/idpresponse` (SAML: the ACS, `ISS/saml2/idpresponse`). */
  redirectUri: string;
  /** OAuth `state`; SAML RelayState. */
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
  /** Query parameters (GET) and form fields (POST: Apple's form_post, a SAML IdP's SAMLResponse), as strings. */
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
  /** Every claim the provider gave (ID token claims merged with the userinfo/profile answer; SAML attributes). */
  claims: Claims;
  /** What the provider's single logout needs of this sign-in (SAML NameID, its format, SessionIndex): kept in the session. */
  session?: Record<string, string | null>;
  /** The answer is single use: the caller remembers `key` in `namespace` until `until` (ms) and refuses it a second time. */
  once?: { namespace: string; key: string; until: number };
}

export interface ProviderAdapter {
  begin(req: BeginRequest): Promise<BeginResult>;
  /**
   * Verified identity, or a ProviderError. The state was already matched by the caller. `flow` is null
   * for an answer no flow of ours asked for (a SAML IdP-initiated response): only adapters that are
   * configured to accept one do; the others refuse it.
   */
  complete(cb: CallbackRequest, flow: FlowState | null): Promise<ExternalIdentity>;
  /** Single logout, for providers that have it (a SAML IdP with IDPSignout). */
  readonly logout?: SingleLogout;
}

/** A sign-out message from the provider, its signature verified. */
export type LogoutMessage =
  | { kind: 'LogoutRequest'; id: string; nameId: string | null; relayState: string | null }
  | { kind: 'LogoutResponse'; inResponseTo: string | null; relayState: string | null };

export interface SingleLogout {
  /** Where to send the browser with our signed LogoutRequest for a session this provider began (`session`: ExternalIdentity.session). */
  request(o: { session: Record<string, string | null>; relayState: string }): Promise<{ redirect: string; requestId: string }>;
  /** The provider's LogoutRequest or LogoutResponse from a redirect's query; ProviderError('invalid') when it is not the provider's. */
  read(query: Record<string, string>, rawQuery: string): Promise<LogoutMessage>;
  /** Where to send the browser with our LogoutResponse to the provider's LogoutRequest. */
  respond(o: { inResponseTo: string; relayState: string | null }): Promise<string>;
}

/**
 * Why a federated sign-in failed. `denied`: the user or provider said no (`error` in the callback);
 * `invalid`: the answer failed a check (signature, issuer, audience, nonce, token owner…);
 * `unavailable`: the provider is down, slow (10 s) or answered garbage; `misconfigured`: our settings.
 */
export class ProviderError extends BrokerError {
  constructor(
    readonly kind: 'denied' | 'invalid' | 'unavailable' | 'misconfigured',
    message: string,
    /** The provider's own error code, for `denied` (e.g. access_denied). */
    readonly providerError?: string,
  ) {
    super('ProviderError', message);
  }
}

export interface AdapterDeps {
  /** Defaults to global fetch; every call carries a 10-second timeout. */
  fetch?: typeof fetch;
  now?: () => number;
}

/** The flow an answer must belong to: an adapter that takes no unsolicited answers refuses one without. */
export function requireFlow(flow: FlowState | null): FlowState {
  if (!flow) throw new ProviderError('invalid', 'an answer no sign-in of ours asked for');
  return flow;
}
