// Sign in with Google: the OIDC relying party with Google's defaults. Endpoints come from discovery
// unless overridden; an overridden token_url (a stand-in, or Cognito's Describe defaults) also gives
// the JWKS, beside it, so no call reaches accounts.google.com.
import { z } from 'zod';
import { besideTokenUrl, endpoint, optionalEndpoint, optionalIssuer, requiredDetail, scopeList } from './http.js';
import { createOidcRelyingParty, normaliseBooleans, required, scopes } from './oidc-common.js';
import type { AdapterDeps, ProviderAdapter, ProviderConfig } from './provider.js';

export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** What the adapter reads from ProviderDetails (other keys, e.g. Cognito's attributes_url_add_attributes, are ignored). */
export const googleDetailsSchema = z.object({
  client_id: requiredDetail,
  // The adapter could run as a public client, but Google web clients (and Cognito) always have a secret.
  client_secret: requiredDetail,
  authorize_scopes: scopeList(),
  oidc_issuer: optionalIssuer,
  authorize_url: optionalEndpoint,
  token_url: optionalEndpoint,
  attributes_url: optionalEndpoint,
  jwks_uri: optionalEndpoint,
});

export function createGoogleAdapter(config: ProviderConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const d = config.details;
  const p = config.name;
  const optional = (key: string) => (d[key] ? endpoint(d, key, '') : undefined);
  const issuer = endpoint(d, 'oidc_issuer', GOOGLE_ISSUER);
  const tokenUrl = optional('token_url');
  const jwksUri = optional('jwks_uri') ?? (tokenUrl && !d.oidc_issuer ? besideTokenUrl(tokenUrl, '/oauth2/v3/certs') : undefined);
  // Cognito's Describe default is the People API, which has no `sub`: the ID token (and discovered
  // userinfo) already carry the profile, so it is not used as userinfo.
  const attributes = optional('attributes_url');
  const userinfoUrl = attributes && !attributes.startsWith('https://people.googleapis.com/') ? attributes : undefined;
  const secret = d.client_secret;
  return createOidcRelyingParty(
    {
      provider: p,
      clientId: required(d, 'client_id', p),
      clientSecret: secret ? async () => secret : undefined,
      issuer,
      // Google's ID tokens carry either spelling (Google "Verify the integrity of the ID token").
      issuerAliases: issuer === GOOGLE_ISSUER ? ['accounts.google.com'] : [],
      scope: scopes(d.authorize_scopes, 'openid email profile', true),
      authorizeUrl: optional('authorize_url'),
      tokenUrl,
      jwksUri,
      userinfoUrl,
      adjustClaims: (claims) => normaliseBooleans(claims, ['email_verified']),
    },
    deps,
  );
}
