// A stand-in OpenID Provider on 127.0.0.1 speaking the real protocol: discovery, an auto-approving
// /authorize (redirect, or an auto-submitting form for response_mode=form_post), /token with client
// authentication, single-use codes and PKCE, /userinfo and /jwks, with RS256 ID tokens signed by a
// real key. With `apple` it serves Sign in with Apple's paths instead: /auth/authorize, /auth/token
// (which requires the ES256 client-secret JWT) and /auth/keys, and posts the `user` field on a user's
// first authorization only. Misbehaviour on demand, one at a time, for the refusal tests.
import { createHash, createPublicKey, randomBytes, type JsonWebKey } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ExternalIdentity, FlowState, ProviderAdapter } from '../../providers/provider.js';
import { ecP256Pems } from '../support/keys.js';
import { startFakeServer, type FakeRequest, type ParsedRequest } from './http.js';

export type { FakeRequest } from './http.js';

export type OidcBehaviour =
  | 'normal'
  | 'deny' // /authorize sends the user back with error=access_denied (Apple: user_cancelled_authorize)
  | 'wrong-audience' // ID token aud is another client
  | 'wrong-issuer' // ID token iss is another issuer
  | 'wrong-nonce' // ID token nonce is not the one asked for
  | 'no-nonce' // ID token carries no nonce
  | 'expired' // ID token exp an hour ago
  | 'iat-in-future' // ID token issued an hour from now
  | 'unknown-key' // signed with a key the JWKS does not hold
  | 'bad-signature' // payload altered after signing
  | 'alg-none' // unsigned, alg: none
  | 'hs256-public-key' // HS256 with the public key (PEM) as the HMAC secret
  | 'wrong-azp' // aud [client, other] and azp other
  | 'multi-aud-no-azp' // aud [client, other] and no azp
  | 'userinfo-other-sub' // /userinfo answers about another subject
  | 'mix-up' // the callback's iss names another issuer (RFC 9207)
  | 'discovery-issuer-mismatch' // discovery names another issuer
  | 'token-500' // /token answers 500
  | 'slow' // server-to-server endpoints answer after slowMs (/authorize stays fast)
  | 'down'; // server-to-server endpoints drop the connection

export interface OidcFakeOptions {
  /** Path of the issuer under the origin (e.g. '/realms/test'); default ''. */
  issuerPath?: string;
  /** The issuer it names (discovery, iss, callback iss); default origin + issuerPath. */
  issuer?: string;
  clientId?: string;
  /** null: a public client (no client authentication). Ignored with `apple`. */
  clientSecret?: string | null;
  /** Sign in with Apple's flavour; the fake makes the app's ES256 key (keys.apple). */
  apple?: { teamId?: string; keyId?: string };
  slowMs?: number;
  /** The fake's clock (ms), to sign tokens as of a shifted time. */
  now?: () => number;
}

export interface OidcFake {
  issuer: string;
  /** http://127.0.0.1:<port> */
  url: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Absent in the Apple flavour. */
  userinfoUrl: string | undefined;
  jwksUri: string;
  clientId: string;
  clientSecret: string | null;
  keys: {
    /** The ID token signing key, published in the JWKS. */
    signing: { kid: string; privateKey: CryptoKey; publicJwk: JWK };
    /** A key the JWKS does not hold. */
    unknown: { kid: string; privateKey: CryptoKey };
    /** Apple flavour: the app's key (what ProviderDetails.private_key holds). */
    apple?: { teamId: string; keyId: string; privateKeyPem: string };
  };
  /** The user /authorize signs in next: `sub` plus any claims. */
  setUser(claims: FakeUser): void;
  setBehaviour(b: OidcBehaviour): void;
  /** ProviderDetails pointing at the fake (OIDC type, or SignInWithApple in the Apple flavour). */
  details(): Record<string, string>;
  /** Every request received, oldest first. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

export type FakeUser = { sub: string } & Record<string, unknown>;

export const DEFAULT_OIDC_USER: FakeUser = {
  sub: '248289761001',
  email: 'jane@example.com',
  email_verified: true,
  name: 'Jane Doe',
  given_name: 'Jane',
  family_name: 'Doe',
  picture: 'https://pictures.example/jane.jpg',
};

/** Claims given by /userinfo only, as providers keeping ID tokens small do (shows the merge). */
const USERINFO_ONLY = ['picture', 'locale', 'zoneinfo', 'phone_number', 'address'];
/** Apple never puts a name in its ID token; it comes once, in the `user` form field. */
const APPLE_NOT_IN_TOKEN = ['name', 'given_name', 'family_name', 'picture'];

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string | undefined;
  challenge: string | undefined;
  user: FakeUser;
}

export async function startOidcFake(o: OidcFakeOptions = {}): Promise<OidcFake> {
  const issuerPath = o.issuerPath ?? '';
  const clientId = o.clientId ?? 'fake-client';
  const apple = o.apple ? makeAppleKey(o.apple) : undefined;
  const clientSecret = apple ? null : o.clientSecret === undefined ? 'fake-secret' : o.clientSecret;
  const slowMs = o.slowMs ?? 2_000;
  const nowS = () => Math.floor((o.now?.() ?? Date.now()) / 1000);

  const signing = { kid: 'fake-key-1', ...(await rsaKey()) };
  const unknown = { kid: 'rotated-out', ...(await rsaKey()) };
  const signingPem = spkiPem(signing.publicJwk);
  let user: FakeUser = { ...DEFAULT_OIDC_USER };
  let behaviour: OidcBehaviour = 'normal';
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, FakeUser>();
  const authorizedSubs = new Set<string>();

  const server = await startFakeServer({
    form: 'urlencoded',
    handle,
    onError: (res, err) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    },
  });
  const { url, requests } = server;
  const issuer = o.issuer ?? url + issuerPath;
  const paths = apple
    ? { authorize: '/auth/authorize', token: '/auth/token', jwks: '/auth/keys', userinfo: undefined }
    : { authorize: `${issuerPath}/authorize`, token: `${issuerPath}/token`, jwks: `${issuerPath}/jwks`, userinfo: `${issuerPath}/userinfo` };

  async function handle(req: IncomingMessage, res: ServerResponse, { url: u, form }: ParsedRequest) {
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(json));

    if (u.pathname === paths.authorize) return authorize(u.searchParams, res);
    // Everything else is server to server: this is where slowness and outages bite.
    if (behaviour === 'down') return void req.socket.destroy();
    if (behaviour === 'slow') await server.sleep(slowMs);

    if (u.pathname === `${issuerPath}/.well-known/openid-configuration`) {
      return send(200, {
        issuer: behaviour === 'discovery-issuer-mismatch' ? 'https://other-issuer.example' : issuer,
        authorization_endpoint: url + paths.authorize,
        token_endpoint: url + paths.token,
        ...(paths.userinfo ? { userinfo_endpoint: url + paths.userinfo } : {}),
        jwks_uri: url + paths.jwks,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'form_post'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: apple ? ['client_secret_post'] : ['client_secret_post', 'client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: !apple,
      });
    }
    if (u.pathname === paths.jwks || u.pathname === '/oauth2/v3/certs') return send(200, { keys: [{ ...signing.publicJwk, kid: signing.kid, alg: 'RS256', use: 'sig' }] });
    if (u.pathname === paths.token && req.method === 'POST') return token(form, req.headers, send);
    if (paths.userinfo && u.pathname === paths.userinfo) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const owner = bearer ? accessTokens.get(bearer) : undefined;
      if (!owner) return send(401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return send(200, { ...owner, ...(behaviour === 'userinfo-other-sub' ? { sub: 'someone-else' } : {}) });
    }
    send(404, { error: 'not_found' });
  }

  function authorize(q: URLSearchParams, res: ServerResponse) {
    const redirectUri = q.get('redirect_uri');
    const scope = (q.get('scope') ?? '').split(' ');
    const bad = (why: string) => res.writeHead(400, { 'content-type': 'text/plain' }).end(why);
    if (q.get('client_id') !== clientId) return bad('unknown client_id');
    if (!redirectUri) return bad('redirect_uri missing');
    if (q.get('response_type') !== 'code') return bad('unsupported response_type');
    if (q.get('code_challenge') && q.get('code_challenge_method') !== 'S256') return bad('only S256 challenges');
    if (!apple && !scope.includes('openid')) return bad('scope must include openid');
    // Apple: "response_mode must be form_post when name or email scope is requested".
    const formPost = q.get('response_mode') === 'form_post';
    if (apple && (scope.includes('name') || scope.includes('email')) && !formPost) return bad('response_mode must be form_post');

    const answer: Record<string, string> = {};
    if (behaviour === 'deny') answer.error = apple ? 'user_cancelled_authorize' : 'access_denied';
    else {
      const code = randomBytes(16).toString('base64url');
      grants.set(code, { clientId, redirectUri, nonce: q.get('nonce') ?? undefined, challenge: q.get('code_challenge') ?? undefined, user: { ...user } });
      answer.code = code;
    }
    if (q.get('state') !== null) answer.state = q.get('state')!;
    if (!apple) answer.iss = behaviour === 'mix-up' ? 'https://evil.example' : issuer;
    // Apple posts the name and email once, on the user's first authorization of this app.
    if (apple && answer.code && !authorizedSubs.has(user.sub)) {
      authorizedSubs.add(user.sub);
      answer.user = JSON.stringify({ name: { firstName: user.given_name, lastName: user.family_name }, email: user.email });
    }
    if (formPost) {
      const inputs = Object.entries(answer).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${esc(redirectUri)}">${inputs}</form></body></html>`);
    }
    const to = new URL(redirectUri);
    for (const [k, v] of Object.entries(answer)) to.searchParams.set(k, v);
    res.writeHead(302, { location: to.toString() }).end();
  }

  async function token(form: Record<string, string>, headers: IncomingHttpHeaders, send: (s: number, j: unknown) => void) {
    if (behaviour === 'token-500') return send(500, { error: 'server_error' });
    if (!(await clientAuthenticated(form, headers))) return send(apple ? 400 : 401, { error: 'invalid_client' });
    if (form.grant_type !== 'authorization_code') return send(400, { error: 'unsupported_grant_type' });
    const grant = grants.get(form.code ?? '');
    grants.delete(form.code ?? ''); // single use
    if (!grant || grant.redirectUri !== form.redirect_uri) return send(400, { error: 'invalid_grant' });
    const verifier = form.code_verifier;
    if (grant.challenge ? !verifier || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge : verifier !== undefined)
      return send(400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    const accessToken = randomBytes(24).toString('base64url');
    accessTokens.set(accessToken, grant.user);
    send(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, id_token: await idToken(grant), ...(apple ? { refresh_token: randomBytes(16).toString('hex') } : {}) });
  }

  async function clientAuthenticated(form: Record<string, string>, headers: IncomingHttpHeaders): Promise<boolean> {
    if (apple) {
      if (form.client_id !== clientId || !form.client_secret) return false;
      try {
        // Apple's rules for the client secret: ES256 with the key's kid, iss team, sub client, aud Apple, ≤ 6 months.
        const { payload, protectedHeader } = await jwtVerify(form.client_secret, await apple.publicKey, { algorithms: ['ES256'], issuer: apple.teamId, subject: clientId, audience: issuer, currentDate: new Date(nowS() * 1000), requiredClaims: ['iat', 'exp'] });
        return protectedHeader.kid === apple.keyId && payload.exp! - payload.iat! <= 15_777_000;
      } catch {
        return false;
      }
    }
    const basic = /^Basic (.+)$/.exec(headers.authorization ?? '')?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map((s) => decodeURIComponent(s.replace(/\+/g, ' ')));
      return id === clientId && secret === clientSecret && !form.client_secret;
    }
    if (form.client_id !== clientId) return false;
    return clientSecret === null ? form.client_secret === undefined : form.client_secret === clientSecret;
  }

  async function idToken(grant: Grant): Promise<string> {
    const now = nowS();
    const hidden = apple ? APPLE_NOT_IN_TOKEN : USERINFO_ONLY;
    const claims: Record<string, unknown> = Object.fromEntries(Object.entries(grant.user).filter(([k]) => !hidden.includes(k)));
    Object.assign(claims, { iss: issuer, aud: grant.clientId, iat: now, exp: now + 600, auth_time: now });
    if (grant.nonce !== undefined) claims.nonce = grant.nonce;
    if (apple) claims.nonce_supported = true;
    else claims.azp = grant.clientId;
    switch (behaviour) {
      case 'wrong-audience': claims.aud = 'another-client'; delete claims.azp; break;
      case 'wrong-issuer': claims.iss = 'https://other-issuer.example'; break;
      case 'wrong-nonce': claims.nonce = 'not-the-nonce'; break;
      case 'no-nonce': delete claims.nonce; break;
      case 'expired': Object.assign(claims, { iat: now - 7200, exp: now - 3600 }); break;
      case 'iat-in-future': Object.assign(claims, { iat: now + 3600, exp: now + 7200 }); break;
      case 'wrong-azp': Object.assign(claims, { aud: [grant.clientId, 'another-client'], azp: 'another-client' }); break;
      case 'multi-aud-no-azp': claims.aud = [grant.clientId, 'another-client']; delete claims.azp; break;
    }
    const sign = (key: CryptoKey | Uint8Array, alg: string, kid: string) => new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
    switch (behaviour) {
      case 'unknown-key': return sign(unknown.privateKey, 'RS256', unknown.kid);
      case 'hs256-public-key': return sign(new TextEncoder().encode(signingPem), 'HS256', signing.kid);
      case 'alg-none': return `${b64json({ alg: 'none', kid: signing.kid, typ: 'JWT' })}.${b64json(claims)}.`;
      case 'bad-signature': {
        const [h, , sig] = (await sign(signing.privateKey, 'RS256', signing.kid)).split('.');
        return `${h}.${b64json({ ...claims, sub: 'someone-else' })}.${sig}`;
      }
      default: return sign(signing.privateKey, 'RS256', signing.kid);
    }
  }

  return {
    issuer,
    url,
    authorizeUrl: url + paths.authorize,
    tokenUrl: url + paths.token,
    userinfoUrl: paths.userinfo && url + paths.userinfo,
    jwksUri: url + paths.jwks,
    clientId,
    clientSecret,
    keys: { signing, unknown, ...(apple ? { apple: { teamId: apple.teamId, keyId: apple.keyId, privateKeyPem: apple.privateKeyPem } } : {}) },
    setUser: (claims) => void (user = { ...claims }),
    setBehaviour: (b) => void (behaviour = b),
    details: (): Record<string, string> =>
      apple
        ? { client_id: clientId, team_id: apple.teamId, key_id: apple.keyId, private_key: apple.privateKeyPem, authorize_url: url + paths.authorize, token_url: url + paths.token, oidc_issuer: issuer }
        : { client_id: clientId, oidc_issuer: issuer, authorize_scopes: 'openid email profile', ...(clientSecret === null ? {} : { client_secret: clientSecret }) },
    requests,
    close: server.close,
  };
}

/**
 * What a browser does with the authorization URL: GET it, then follow the redirect or read the
 * auto-submitting form, returning what would reach the callback (without calling it).
 */
export async function authorizeLikeABrowser(authorizationUrl: string): Promise<{ method: 'GET' | 'POST'; to: string; params: Record<string, string> }> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  const text = await res.text();
  if (res.status === 302) {
    const to = new URL(res.headers.get('location')!);
    const params = Object.fromEntries(to.searchParams);
    to.search = '';
    return { method: 'GET', to: to.toString(), params };
  }
  const form = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(text);
  if (res.status !== 200 || !form) throw new Error(`authorize answered ${res.status}: ${text.slice(0, 300)}`);
  const params: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) params[unesc(m[1]!)] = unesc(m[2]!);
  return { method: 'POST', to: unesc(form[1]!), params };
}

async function rsaKey(): Promise<{ privateKey: CryptoKey; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

function spkiPem(jwk: JWK): string {
  return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}

function makeAppleKey(a: { teamId?: string; keyId?: string }) {
  const { privateKey, publicKey } = ecP256Pems();
  return {
    teamId: a.teamId ?? 'TEAM123456',
    keyId: a.keyId ?? 'KEY1234567',
    privateKeyPem: privateKey,
    publicKey: importSPKI(publicKey, 'ES256'),
  };
}

const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
const unesc = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => Object.keys(ENTITIES).find((k) => ENTITIES[k] === m)!);

export const REDIRECT_URI = 'https://broker.example/oauth2/idpresponse';

/** A fresh flow as the federation core would keep it. */
export function newFlow(): FlowState {
  const r = () => randomBytes(32).toString('base64url');
  return { state: r(), nonce: r(), codeVerifier: r(), kept: {} };
}

/**
 * begin → the browser at the provider → complete, as the federation core and a browser do together.
 * `beforeCallback` runs once the provider has answered (to misbehave server-to-server, or to alter
 * what the browser brings back).
 */
export async function signInThrough(
  adapter: ProviderAdapter,
  o: { flow?: FlowState; beforeCallback?: (params: Record<string, string>) => void | Promise<void> } = {},
): Promise<ExternalIdentity> {
  const flow = o.flow ?? newFlow();
  const { redirect, kept } = await adapter.begin({ redirectUri: REDIRECT_URI, state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
  const cb = await authorizeLikeABrowser(redirect);
  if (cb.to !== REDIRECT_URI) throw new Error(`the provider sent the browser to ${cb.to}`);
  if (cb.params.state !== flow.state) throw new Error('the provider did not return the state');
  await o.beforeCallback?.(cb.params);
  return adapter.complete({ method: cb.method, params: cb.params, redirectUri: REDIRECT_URI }, { ...flow, kept });
}

