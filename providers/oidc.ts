// Any OpenID Connect provider (ProviderType OIDC): discovery on `oidc_issuer`, or the explicit
// `authorize_url`, `token_url`, `attributes_url` (userinfo) and `jwks_uri`, which win over discovery.
import { z } from 'zod';
import { endpoint, optionalChoice, optionalDetail, optionalEndpoint, requiredDetail, requiredIssuer, scopeList } from './http.js';
import { createOidcRelyingParty, required, scopes, type TokenAuth } from './oidc-common.js';
import { ProviderError, type AdapterDeps, type ProviderAdapter, type ProviderConfig } from './provider.js';

const AUTH_METHODS: TokenAuth[] = ['client_secret_post', 'client_secret_basic'];

/** What the adapter reads from ProviderDetails. */
export const oidcDetailsSchema = z
  .object({
    client_id: requiredDetail,
    client_secret: optionalDetail,
    oidc_issuer: requiredIssuer,
    authorize_scopes: scopeList().refine((v) => scopes(v, 'openid', false).split(' ').includes('openid'), 'must include openid'),
    authorize_url: optionalEndpoint,
    token_url: optionalEndpoint,
    attributes_url: optionalEndpoint,
    jwks_uri: optionalEndpoint,
    attributes_request_method: optionalChoice(['GET', 'POST']),
    token_endpoint_auth_method: optionalChoice(AUTH_METHODS),
  })
  .superRefine((d, ctx) => {
    // Without a secret the adapter authenticates as a public client, whatever the method says.
    if (d.token_endpoint_auth_method && !d.client_secret)
      ctx.addIssue({ code: 'custom', path: ['token_endpoint_auth_method'], message: `${d.token_endpoint_auth_method} needs a client_secret` });
  });

export function createOidcAdapter(config: ProviderConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const d = config.details;
  const p = config.name;
  const optional = (key: string) => (d[key] ? endpoint(d, key, '') : undefined);
  const scope = scopes(d.authorize_scopes, 'openid', false);
  // Without openid the provider answers plain OAuth 2.0: no ID token, nothing to verify.
  if (!scope.split(' ').includes('openid')) throw new ProviderError('misconfigured', `${p}: authorize_scopes must include openid`);
  const method = d.token_endpoint_auth_method as TokenAuth | undefined;
  const secret = d.client_secret;
  return createOidcRelyingParty(
    {
      provider: p,
      clientId: required(d, 'client_id', p),
      clientSecret: secret ? async () => secret : undefined,
      tokenAuth: method && AUTH_METHODS.includes(method) ? method : undefined,
      issuer: endpoint(d, 'oidc_issuer', required(d, 'oidc_issuer', p)),
      scope,
      authorizeUrl: optional('authorize_url'),
      tokenUrl: optional('token_url'),
      jwksUri: optional('jwks_uri'),
      userinfoUrl: optional('attributes_url'),
      userinfoMethod: d.attributes_request_method === 'POST' ? 'POST' : 'GET',
    },
    deps,
  );
}
