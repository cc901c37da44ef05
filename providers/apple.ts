// Sign in with Apple: code flow with response_mode=form_post (Apple requires it when name or email
// is asked, so the callback is a cross-site POST whose fields arrive as `params`), an ES256 JWT as the
// client secret, and the `user` form field that Apple sends on the first authorization only.
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { besideTokenUrl, endpoint } from './http.js';
import { createOidcRelyingParty, normaliseBooleans, required, scopes } from './oidc-common.js';
import { ProviderError, type AdapterDeps, type CallbackRequest, type Claims, type ProviderAdapter, type ProviderConfig } from './provider.js';

export const APPLE_ISSUER = 'https://appleid.apple.com';
/** Apple refuses a client secret living longer than 15,777,000 s (six months); ours lives ~5. */
const SECRET_LIFETIME_S = 150 * 86_400;
/** Renewed this long before it expires, so no sign-in presents a secret about to lapse. */
const SECRET_RENEW_S = 86_400;

export function createAppleAdapter(config: ProviderConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const d = config.details;
  const p = config.name;
  const clientId = required(d, 'client_id', p);
  const teamId = required(d, 'team_id', p);
  const keyId = required(d, 'key_id', p);
  // A .p8 pasted into a JSON or env value often keeps its newlines as literal "\n".
  const pem = required(d, 'private_key', p).replace(/\\n/g, '\n').trim();
  const issuer = endpoint(d, 'oidc_issuer', APPLE_ISSUER);
  const tokenUrl = endpoint(d, 'token_url', 'https://appleid.apple.com/auth/token');
  const now = () => deps.now?.() ?? Date.now();

  let key: Promise<CryptoKey> | undefined;
  let secret: { jwt: string; exp: number } | undefined;
  async function clientSecret(): Promise<string> {
    const iat = Math.floor(now() / 1000);
    if (secret && secret.exp - iat > SECRET_RENEW_S) return secret.jwt;
    key ??= importPKCS8(pem, 'ES256').catch(() => {
      key = undefined;
      throw new ProviderError('misconfigured', `${p}: private_key is not a PKCS#8 P-256 key`);
    });
    const exp = iat + SECRET_LIFETIME_S;
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: keyId })
      .setIssuer(teamId)
      .setSubject(clientId)
      .setAudience(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await key);
    secret = { jwt, exp };
    return jwt;
  }

  return createOidcRelyingParty(
    {
      provider: p,
      clientId,
      clientSecret,
      tokenAuth: 'client_secret_post',
      issuer,
      scope: scopes(d.authorize_scopes, 'email name', false),
      authorizeUrl: endpoint(d, 'authorize_url', 'https://appleid.apple.com/auth/authorize'),
      tokenUrl,
      jwksUri: d.jwks_uri ? endpoint(d, 'jwks_uri', '') : besideTokenUrl(tokenUrl, '/auth/keys'),
      userinfoUrl: false,
      authorizeParams: { response_mode: 'form_post' },
      adjustClaims: (claims, cb) => ({ ...firstAuthorizationName(cb), ...normaliseBooleans(claims, ['email_verified', 'is_private_email']) }),
    },
    deps,
  );
}

/**
 * The name from Apple's unsigned `user` field ({"name":{"firstName","lastName"},"email"}): used for
 * the name only — the email and subject come from the verified ID token. Ignored when malformed.
 */
function firstAuthorizationName(cb: CallbackRequest): Claims {
  let user: unknown;
  try {
    user = JSON.parse(cb.params.user ?? '');
  } catch {
    return {};
  }
  const name = (user as { name?: { firstName?: unknown; lastName?: unknown } } | null)?.name;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 256) : undefined);
  const given = text(name?.firstName);
  const family = text(name?.lastName);
  const out: Claims = {};
  if (given) out.given_name = given;
  if (family) out.family_name = family;
  if (given || family) out.name = [given, family].filter(Boolean).join(' ');
  return out;
}
