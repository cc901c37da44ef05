// Facebook Login, the manual OAuth 2.0 code flow. Facebook gives an access token and no ID token, so
// the identity is Graph's /me, and only after /debug_token proves the token is valid, is ours and
// belongs to the same user /me answers for (docs/security.md, "Upstream providers": token substitution).
//
// Plain fetch through providers/http.ts rather than arctic: arctic's clients call the global fetch
// with no timeout and always POST, and we need deps.fetch, the 10 s timeout and a GET token request.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { besideTokenUrl, call, endpoint, json, optionalChoice, optionalDetail, optionalEndpoint, requiredDetail, scopeList } from './http.js';
import { ProviderError, type AdapterDeps, type Claims, type ProviderAdapter, type ProviderConfig, requireFlow } from './provider.js';

export const FACEBOOK_API_VERSION = 'v17.0';
const DEFAULT_SCOPES = 'public_profile, email';
const DEFAULT_FIELDS = 'id,name,email,first_name,last_name,picture';
const VERSION = /^v\d+\.\d+$/;

/** What the adapter reads from ProviderDetails (Cognito's attributes_url_add_attributes is ignored). */
export const facebookDetailsSchema = z.object({
  client_id: requiredDetail,
  client_secret: requiredDetail,
  authorize_scopes: scopeList(),
  api_version: optionalDetail.refine((v) => !v || VERSION.test(v), 'must look like v17.0'),
  authorize_url: optionalEndpoint,
  token_url: optionalEndpoint,
  attributes_url: optionalEndpoint,
  token_request_method: optionalChoice(['GET', 'POST'], true),
});

export function createFacebookAdapter(config: ProviderConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const d = config.details;
  const name = config.name;
  const clientId = d.client_id ?? '';
  const clientSecret = d.client_secret ?? '';
  if (!clientId || !clientSecret) throw new ProviderError('misconfigured', `${name}: client_id and client_secret are required`);
  const v = d.api_version || FACEBOOK_API_VERSION;
  if (!VERSION.test(v)) throw new ProviderError('misconfigured', `${name}: api_version must look like v17.0`);

  const authorizeUrl = endpoint(d, 'authorize_url', `https://www.facebook.com/${v}/dialog/oauth`);
  const tokenUrl = endpoint(d, 'token_url', `https://graph.facebook.com/${v}/oauth/access_token`);
  const attributesUrl = endpoint(d, 'attributes_url', `https://graph.facebook.com/${v}/me?fields=`);
  const tokenMethod = (d.token_request_method || 'GET').toUpperCase();
  if (tokenMethod !== 'GET' && tokenMethod !== 'POST') throw new ProviderError('misconfigured', `${name}: token_request_method must be GET or POST`);
  const debugTokenUrl = debugTokenUrlFor(tokenUrl);
  // Facebook takes a comma-separated scope; Cognito's default is written "public_profile, email".
  const scope = (d.authorize_scopes || DEFAULT_SCOPES).split(/[\s,]+/).filter(Boolean).join(',');
  const fields = fieldList(d.fields || DEFAULT_FIELDS, new URL(attributesUrl).searchParams.get('fields') ?? '');
  const now = deps.now ?? Date.now;
  const appToken = `${clientId}|${clientSecret}`;

  /** A Graph GET with `access_token` as Facebook documents it, and the appsecret_proof for that token. */
  async function graph(url: URL, what: string, accessToken: string): Promise<Record<string, unknown>> {
    url.searchParams.set('access_token', accessToken);
    url.searchParams.set('appsecret_proof', appsecretProof(clientSecret, accessToken));
    return answer(await call(deps, name, url.toString()), what);
  }

  /** Graph errors are `{error:{message,type,code}}`: 4xx is 'invalid' and 5xx 'unavailable' whatever the
   * body, and the message names only type and code, never Facebook's text (it may quote what we sent). */
  async function answer(res: Response, what: string): Promise<Record<string, unknown>> {
    if (res.status >= 400) {
      const body = (await res.json().catch(() => null)) as { error?: { type?: unknown; code?: unknown } | string } | null;
      const e = body?.error;
      const code = typeof e === 'string' ? ` ${short(e)}` : e ? ` ${short(`${String(e.type ?? 'error')} ${String(e.code ?? '')}`)}` : '';
      throw new ProviderError(res.status < 500 ? 'invalid' : 'unavailable', `${name}: ${what} refused (${res.status}${code})`);
    }
    return json(res, name, what);
  }

  return {
    async begin(req) {
      const url = new URL(authorizeUrl);
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('redirect_uri', req.redirectUri);
      url.searchParams.set('state', req.state);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', scope);
      return { redirect: url.toString(), kept: {} };
    },

    async complete(cb, flow) {
      requireFlow(flow); // the state was matched by the caller; Facebook's answer has nothing more of it to check
      const p = cb.params;
      // A refusal comes back as error=access_denied&error_reason=user_denied (or error_code/error_message).
      const refusal = p.error || p.error_reason || p.error_code;
      if (refusal) {
        const codes = [p.error, p.error_reason, p.error_code].filter((c): c is string => !!c).map(short).join('/');
        throw new ProviderError('denied', `${name}: sign-in refused (${codes})`, short(refusal));
      }
      if (!p.code) throw new ProviderError('invalid', `${name}: the callback has no code`);

      // 1. The code for a user access token.
      const form = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, redirect_uri: cb.redirectUri, code: p.code });
      const res =
        tokenMethod === 'GET'
          ? await call(deps, name, withQuery(tokenUrl, form))
          : await call(deps, name, tokenUrl, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const token = await answer(res, 'the token endpoint');
      const accessToken = token.access_token;
      if (typeof accessToken !== 'string' || !accessToken) throw new ProviderError('unavailable', `${name}: the token endpoint gave no access_token`);

      // 2. The token is valid, issued to this app, and not expired; its user is the one /me must name.
      const debugUrl = new URL(debugTokenUrl);
      debugUrl.searchParams.set('input_token', accessToken);
      const debug = (await graph(debugUrl, 'debug_token', appToken)).data as Record<string, unknown> | undefined;
      if (!debug || typeof debug !== 'object') throw new ProviderError('unavailable', `${name}: debug_token answered an unexpected body`);
      if (debug.is_valid !== true) throw new ProviderError('invalid', `${name}: the access token is not valid`);
      if (String(debug.app_id) !== clientId) throw new ProviderError('invalid', `${name}: the access token was issued to another app`);
      // expires_at is epoch seconds; 0 means a token that does not expire.
      const expiresAt = Number(debug.expires_at ?? 0);
      if (!Number.isFinite(expiresAt) || (expiresAt !== 0 && expiresAt * 1000 <= now())) throw new ProviderError('invalid', `${name}: the access token has expired`);
      const userId = debug.user_id === undefined || debug.user_id === null ? '' : String(debug.user_id);
      if (!userId) throw new ProviderError('invalid', `${name}: debug_token names no user`);

      // 3. The profile, for the same user.
      const meUrl = new URL(attributesUrl);
      meUrl.searchParams.set('fields', fields);
      const me = await graph(meUrl, '/me', accessToken);
      if (typeof me.id !== 'string' || me.id !== userId) throw new ProviderError('invalid', `${name}: /me answered for another user than the token's`);

      // Graph's answer is JSON, so every value is already a ClaimValue; nested objects (picture.data.url) stay nested.
      return { provider: name, subject: me.id, issuer: null, claims: me as Claims };
    },
  };
}

/** HMAC-SHA256(key = app secret, message = access token), hex: Graph's proof that the caller holds the secret. */
export function appsecretProof(appSecret: string, accessToken: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/**
 * debug_token has no ProviderDetails key: it is taken beside token_url, with token_url's version segment
 * (`/v17.0/debug_token`), or unversioned (`/debug_token`, Graph's default version) when token_url has none.
 */
export function debugTokenUrlFor(tokenUrl: string): string {
  const first = new URL(tokenUrl).pathname.split('/')[1] ?? '';
  return besideTokenUrl(tokenUrl, VERSION.test(first) ? `/${first}/debug_token` : '/debug_token');
}

/** `id` first, then our fields, then any already written into attributes_url (Cognito appends to `fields=`). */
function fieldList(ours: string, configured: string): string {
  const all = ['id', ...ours.split(','), ...configured.split(',')].map((f) => f.trim()).filter(Boolean);
  return [...new Set(all)].join(',');
}

function withQuery(url: string, params: URLSearchParams): string {
  const u = new URL(url);
  for (const [k, v] of params) u.searchParams.set(k, v);
  return u.toString();
}

/** A provider's error code, cut short and to safe characters before it goes into a message. */
function short(value: string): string {
  return value.replace(/[^\w .-]/g, '').trim().slice(0, 40);
}
