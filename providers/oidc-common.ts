// The OpenID Connect relying party shared by the OIDC, Google and Apple adapters: authorization URL
// with nonce and PKCE, code exchange, full ID token verification (docs/security.md, "Upstream
// providers" — even over the back channel), and the userinfo merge. Written on jose and
// providers/http.ts rather than openid-client so that every outbound call goes through `call()` (one
// timeout, one error mapping), Google's two issuer spellings can be accepted, and the signature is
// always checked.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { isAllowedEndpointUrl } from '../src/shared/urls.js';
import { call, json, TIMEOUT_MS } from './http.js';
import { ProviderError, type AdapterDeps, type BeginRequest, type CallbackRequest, type Claims, type ExternalIdentity, type FlowState, type ProviderAdapter, requireFlow } from './provider.js';

export type TokenAuth = 'client_secret_post' | 'client_secret_basic' | 'none';

export interface OidcSettings {
  /** ProviderConfig.name: ExternalIdentity.provider and the prefix of every error message. */
  provider: string;
  clientId: string;
  /** The secret for the token endpoint (Apple's is minted on demand); absent for a public client. */
  clientSecret?: () => Promise<string>;
  /** Explicit choice; otherwise post, or basic when discovery offers only basic. */
  tokenAuth?: TokenAuth;
  /** Expected `iss` (exactly), the discovery issuer, and ExternalIdentity.issuer. */
  issuer: string;
  /** Other spellings of the same issuer that `iss` may carry (Google's `accounts.google.com`). */
  issuerAliases?: string[];
  scope: string;
  /** Explicit endpoints win; discovery on `issuer` fills the missing ones (only if one is missing). */
  authorizeUrl?: string;
  tokenUrl?: string;
  jwksUri?: string;
  /** Userinfo: explicit URL, else the discovered one; `false` for none (Apple). */
  userinfoUrl?: string | false;
  userinfoMethod?: 'GET' | 'POST';
  /** Extra authorization parameters (Apple's response_mode=form_post). */
  authorizeParams?: Record<string, string>;
  /** Provider-specific claim clean-up after verification (boolean strings, Apple's `user` field). */
  adjustClaims?: (claims: Claims, cb: CallbackRequest) => Claims;
}

interface Endpoints {
  authorize: string;
  token: string;
  jwks: string;
  userinfo?: string;
  tokenAuthMethods?: string[];
  issParameter: boolean;
}

/**
 * Signature algorithms accepted when the JWKS key declares no `alg` (docs/security.md, "Upstream
 * providers": never none/HS*).
 */
const DEFAULT_ALGS = new Set(['RS256', 'ES256']);
/** The asymmetric algorithms a key may declare for itself. */
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const CLOCK_TOLERANCE_S = 30;
const IAT_SKEW_S = 300;
/** ID token claims that a userinfo answer may not replace. */
const TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'azp', 'exp', 'iat', 'nbf', 'nonce', 'auth_time', 'at_hash', 'c_hash'];

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Space- or comma-separated scopes, deduplicated, with `openid` first when `withOpenid`. */
export function scopes(value: string | undefined, fallback: string, withOpenid: boolean): string {
  const list = [...new Set((value || fallback).split(/[\s,]+/).filter(Boolean))];
  if (withOpenid && !list.includes('openid')) list.unshift('openid');
  return list.join(' ');
}

/** `true`/`false` as booleans or the strings Apple sometimes sends; anything else is dropped, never truthy. */
export function normaliseBooleans(claims: Claims, names: string[]): Claims {
  const out = { ...claims };
  for (const n of names) {
    const v = out[n];
    if (v === undefined) continue;
    if (v === true || v === 'true') out[n] = true;
    else if (v === false || v === 'false') out[n] = false;
    else delete out[n];
  }
  return out;
}

/** A ProviderDetails value that must be present. */
export function required(details: Record<string, string>, key: string, provider: string): string {
  const v = details[key];
  if (!v) throw new ProviderError('misconfigured', `${provider}: ${key} is required`);
  return v;
}

export function createOidcRelyingParty(s: OidcSettings, deps: AdapterDeps = {}): ProviderAdapter {
  const p = s.provider;
  const issuers = [s.issuer, ...(s.issuerAliases ?? [])];
  const now = () => deps.now?.() ?? Date.now();
  let endpoints: Promise<Endpoints> | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  function allowed(url: unknown, what: string): string {
    if (typeof url !== 'string' || !isAllowedEndpointUrl(url)) throw new ProviderError('misconfigured', `${p}: discovery gave no usable ${what}`);
    return url;
  }

  async function discover(): Promise<Endpoints> {
    const explicit = s.authorizeUrl && s.tokenUrl && s.jwksUri;
    let doc: Record<string, unknown> = {};
    if (!explicit) {
      const url = `${s.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      doc = await json(await call(deps, p, url), p, 'discovery');
      // A document naming another issuer is a mix-up or a wrong setting (oidcc discovery-issuer-mismatch).
      if (doc.issuer !== s.issuer) throw new ProviderError('misconfigured', `${p}: discovery names another issuer than oidc_issuer`);
    }
    const userinfo = s.userinfoUrl === false ? undefined : (s.userinfoUrl ?? (doc.userinfo_endpoint === undefined ? undefined : allowed(doc.userinfo_endpoint, 'userinfo_endpoint')));
    const methods = doc.token_endpoint_auth_methods_supported;
    return {
      authorize: s.authorizeUrl ?? allowed(doc.authorization_endpoint, 'authorization_endpoint'),
      token: s.tokenUrl ?? allowed(doc.token_endpoint, 'token_endpoint'),
      jwks: s.jwksUri ?? allowed(doc.jwks_uri, 'jwks_uri'),
      userinfo,
      tokenAuthMethods: Array.isArray(methods) ? methods.filter((m): m is string => typeof m === 'string') : undefined,
      issParameter: doc.authorization_response_iss_parameter_supported === true,
    };
  }

  /** Discovery once per adapter; a failure is not cached, so the next sign-in tries again. */
  function resolve(): Promise<Endpoints> {
    endpoints ??= discover().catch((err) => {
      endpoints = undefined;
      throw err;
    });
    return endpoints;
  }

  function keySet(uri: string) {
    // jose caches the keys (10 min) and refetches once for an unknown kid (30 s cooldown).
    jwks ??= createRemoteJWKSet(new URL(uri), {
      timeoutDuration: TIMEOUT_MS,
      [customFetch]: (url: string) => call(deps, p, url),
    });
    return jwks;
  }

  async function exchange(ep: Endpoints, code: string, redirectUri: string, verifier: string): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const secret = s.clientSecret ? await s.clientSecret() : undefined;
    const method = !secret ? 'none' : (s.tokenAuth ?? (ep.tokenAuthMethods && !ep.tokenAuthMethods.includes('client_secret_post') && ep.tokenAuthMethods.includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post'));
    if (method === 'client_secret_basic') {
      // RFC 6749 §2.3.1: each part form-encoded before base64.
      const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
      headers.authorization = `Basic ${Buffer.from(`${enc(s.clientId)}:${enc(secret!)}`).toString('base64')}`;
    } else {
      form.set('client_id', s.clientId);
      if (method === 'client_secret_post') form.set('client_secret', secret!);
    }
    const res = await call(deps, p, ep.token, { method: 'POST', headers, body: form.toString() });
    try {
      return await json(res.clone(), p, 'the token endpoint');
    } catch (err) {
      // Our credentials refused (e.g. Apple's expired client secret) is a settings problem, not the user's.
      const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
      if (err instanceof ProviderError && err.kind === 'invalid' && body?.error === 'invalid_client')
        throw new ProviderError('misconfigured', `${p}: the token endpoint refused our client credentials (invalid_client)`);
      throw err;
    }
  }

  async function verifyIdToken(idToken: string, ep: Endpoints, nonce: string): Promise<JWTPayload> {
    const remote = keySet(ep.jwks);
    // The key's own `alg` pins the algorithm (jose enforces the match); without one, RS256/ES256 only.
    const getKey = async (header: JWTHeaderParameters, token: Parameters<typeof remote>[1]) => {
      const key = await remote(header, token);
      const declared = remote.jwks()?.keys.some((k) => k.alg === header.alg && (header.kid === undefined || k.kid === header.kid));
      if (!declared && !DEFAULT_ALGS.has(header.alg)) throw new ProviderError('invalid', `${p}: ID token algorithm ${header.alg} is not allowed`);
      return key;
    };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, getKey, {
        algorithms: ASYMMETRIC_ALGS,
        issuer: issuers,
        audience: s.clientId,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
        currentDate: new Date(now()),
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      throw idTokenRefusal(p, err);
    }
    const refuse = (why: string) => new ProviderError('invalid', `${p}: ID token refused (${why})`);
    if (typeof payload.sub !== 'string' || !payload.sub) throw refuse('no subject');
    if (payload.iat! > now() / 1000 + IAT_SKEW_S) throw refuse('issued in the future');
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (payload.azp !== undefined && payload.azp !== s.clientId) throw refuse('azp is another client');
    if (audiences.length > 1 && payload.azp === undefined) throw refuse('several audiences and no azp');
    if (payload.nonce !== nonce) throw refuse('nonce mismatch');
    return payload;
  }

  async function userinfo(url: string, accessToken: unknown, sub: string): Promise<Claims> {
    if (typeof accessToken !== 'string' || !accessToken) throw new ProviderError('invalid', `${p}: the token endpoint gave no access token`);
    const res = await call(deps, p, url, { method: s.userinfoMethod ?? 'GET', headers: { authorization: `Bearer ${accessToken}` } });
    const info = await json(res, p, 'userinfo');
    // oidcc userinfo-invalid-sub: another user's answer must never be merged.
    if (info.sub !== sub) throw new ProviderError('invalid', `${p}: userinfo is about another subject`);
    return info as Claims;
  }

  return {
    async begin(req: BeginRequest) {
      const ep = await resolve();
      const url = new URL(ep.authorize);
      const params = {
        response_type: 'code',
        client_id: s.clientId,
        redirect_uri: req.redirectUri,
        scope: s.scope,
        state: req.state,
        nonce: req.nonce,
        code_challenge: pkceChallenge(req.codeVerifier),
        code_challenge_method: 'S256',
        ...s.authorizeParams,
      };
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return { redirect: url.toString(), kept: {} };
    },

    async complete(cb: CallbackRequest, solicited: FlowState | null): Promise<ExternalIdentity> {
      const flow = requireFlow(solicited);
      const q = cb.params;
      if (q.error) throw new ProviderError('denied', `${p}: sign-in was not granted (${safeCode(q.error)})`, safeCode(q.error));
      if (!q.code) throw new ProviderError('invalid', `${p}: the callback carries no code`);
      const ep = await resolve();
      // RFC 9207: an `iss` naming another server is a mix-up; required when the provider announces it.
      if (q.iss !== undefined ? !issuers.includes(q.iss) : ep.issParameter) throw new ProviderError('invalid', `${p}: the callback's iss is not this provider`);
      const tokens = await exchange(ep, q.code, cb.redirectUri, flow.codeVerifier);
      if (typeof tokens.id_token !== 'string') throw new ProviderError('invalid', `${p}: the token endpoint gave no ID token`);
      const payload = await verifyIdToken(tokens.id_token, ep, flow.nonce);
      const sub = payload.sub!;
      let claims = payload as Claims;
      if (ep.userinfo) {
        const info = await userinfo(ep.userinfo, tokens.access_token, sub);
        claims = { ...claims, ...info };
        for (const k of TOKEN_CLAIMS) if (payload[k] !== undefined) claims[k] = payload[k] as Claims[string];
      }
      if (s.adjustClaims) claims = s.adjustClaims(claims, cb);
      return { provider: p, subject: sub, issuer: s.issuer, claims };
    },
  };
}

/** A provider's error code, cut to a safe token (it is echoed in messages and pages). */
function safeCode(v: string): string {
  return v.replace(/[^\w.-]/g, '').slice(0, 64) || 'error';
}

function idTokenRefusal(p: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  // Keys we could not fetch or read: the provider is unavailable, not the answer invalid.
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC'))
    return new ProviderError('unavailable', `${p}: its signing keys could not be fetched`);
  if (err instanceof errors.JWKSNoMatchingKey) return new ProviderError('invalid', `${p}: ID token signed with an unknown key`);
  if (err instanceof errors.JOSEError) return new ProviderError('invalid', `${p}: ID token refused (${err.message})`);
  return new ProviderError('invalid', `${p}: ID token refused`);
}
