// Login with Amazon, the authorization code grant. Amazon gives an access token and no ID token, and
// an access token is a bearer token any app can present, so before reading /user/profile we ask
// tokeninfo whom it was issued to and require our client_id (docs/security.md, "Upstream providers").
//
// Plain fetch through providers/http.ts rather than arctic: arctic's clients call the global fetch
// with no timeout, and we need deps.fetch and the 10 s timeout on every call.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { besideTokenUrl, call, endpoint, json, optionalEndpoint, requiredDetail, scopeList } from './http.js';
import { ProviderError, type AdapterDeps, type Claims, type ProviderAdapter, type ProviderConfig, requireFlow } from './provider.js';

const DEFAULT_SCOPES = 'profile postal_code';

/** What the adapter reads from ProviderDetails (token_request_method is always POST for Amazon, and not read). */
export const amazonDetailsSchema = z.object({
  client_id: requiredDetail,
  client_secret: requiredDetail,
  authorize_scopes: scopeList(),
  authorize_url: optionalEndpoint,
  token_url: optionalEndpoint,
  attributes_url: optionalEndpoint,
});

export function createAmazonAdapter(config: ProviderConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const d = config.details;
  const name = config.name;
  const clientId = d.client_id ?? '';
  const clientSecret = d.client_secret ?? '';
  if (!clientId || !clientSecret) throw new ProviderError('misconfigured', `${name}: client_id and client_secret are required`);

  const authorizeUrl = endpoint(d, 'authorize_url', 'https://www.amazon.com/ap/oa');
  // Amazon's token endpoint takes POST only, so token_request_method (always POST for Amazon) is not read.
  const tokenUrl = endpoint(d, 'token_url', 'https://api.amazon.com/auth/o2/token');
  const profileUrl = endpoint(d, 'attributes_url', 'https://api.amazon.com/user/profile');
  const tokenInfoUrl = besideTokenUrl(tokenUrl, '/auth/o2/tokeninfo');
  // Amazon takes a space-separated scope; accept commas in the setting too.
  const scope = (d.authorize_scopes || DEFAULT_SCOPES).split(/[\s,]+/).filter(Boolean).join(' ');

  /** 4xx is 'invalid' and 5xx 'unavailable' whatever the body; the message names only Amazon's error code. */
  async function answer(res: Response, what: string): Promise<Record<string, unknown>> {
    if (res.status >= 400) {
      const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
      const error = typeof body?.error === 'string' ? short(body.error) : '';
      // invalid_client: our client_id/client_secret are wrong, a settings problem rather than the user's.
      const kind = error === 'invalid_client' ? 'misconfigured' : res.status < 500 ? 'invalid' : 'unavailable';
      throw new ProviderError(kind, `${name}: ${what} refused (${res.status}${error ? ` ${error}` : ''})`);
    }
    return json(res, name, what);
  }

  return {
    async begin(req) {
      const url = new URL(authorizeUrl);
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('scope', scope);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', req.redirectUri);
      url.searchParams.set('state', req.state);
      // Login with Amazon takes PKCE (code_challenge is "recommended" in its authorization code grant).
      url.searchParams.set('code_challenge', createHash('sha256').update(req.codeVerifier).digest('base64url'));
      url.searchParams.set('code_challenge_method', 'S256');
      return { redirect: url.toString(), kept: {} };
    },

    async complete(cb, solicited) {
      const flow = requireFlow(solicited);
      const p = cb.params;
      if (p.error) throw new ProviderError('denied', `${name}: sign-in refused (${short(p.error)})`, short(p.error));
      if (!p.code) throw new ProviderError('invalid', `${name}: the callback has no code`);

      // 1. The code for an access token.
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code: p.code,
        redirect_uri: cb.redirectUri,
        client_id: clientId,
        client_secret: clientSecret,
        code_verifier: flow.codeVerifier,
      });
      const res = await call(deps, name, tokenUrl, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      const accessToken = (await answer(res, 'the token endpoint')).access_token;
      if (typeof accessToken !== 'string' || !accessToken) throw new ProviderError('unavailable', `${name}: the token endpoint gave no access_token`);

      // 2. The token was issued to us, not to another app whose token was slipped in.
      const infoUrl = new URL(tokenInfoUrl);
      infoUrl.searchParams.set('access_token', accessToken);
      const info = await answer(await call(deps, name, infoUrl.toString()), 'tokeninfo');
      if (info.aud !== clientId) throw new ProviderError('invalid', `${name}: the access token was issued to another client`);

      // 3. The profile, for the user tokeninfo names.
      const profile = await answer(await call(deps, name, profileUrl, { headers: { authorization: `Bearer ${accessToken}` } }), 'user/profile');
      if (typeof profile.user_id !== 'string' || !profile.user_id) throw new ProviderError('invalid', `${name}: the profile has no user_id`);
      if (info.user_id !== undefined && info.user_id !== profile.user_id)
        throw new ProviderError('invalid', `${name}: the profile is for another user than the token's`);

      // The profile is JSON, so every value is already a ClaimValue.
      return { provider: name, subject: profile.user_id, issuer: null, claims: profile as Claims };
    },
  };
}

/** A provider's error code, cut short and to safe characters before it goes into a message. */
function short(value: string): string {
  return value.replace(/[^\w .-]/g, '').trim().slice(0, 40);
}
