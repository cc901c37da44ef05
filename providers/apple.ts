// Sign in with Apple: code flow with response_mode=form_post (Apple requires it when name or email
// is asked, so the callback is a cross-site POST whose fields arrive as `params`), an ES256 JWT as the
// client secret, and the `user` form field that Apple sends on the first authorization only.
import { createPrivateKey } from 'node:crypto';
import { importPKCS8, SignJWT, type CryptoKey } from 'jose';
import { z } from 'zod';
import { besideTokenUrl, endpoint, optionalEndpoint, optionalIssuer, requiredDetail, scopeList } from './http.js';
import { createOidcRelyingParty, normaliseBooleans, required, scopes } from './oidc-common.js';
import { ProviderError, type AdapterDeps, type CallbackRequest, type Claims, type ProviderAdapter, type ProviderConfig } from './provider.js';

export const APPLE_ISSUER = 'https://appleid.apple.com';
/** Apple refuses a client secret living longer than 15,777,000 s (six months); ours lives ~5. */
const SECRET_LIFETIME_S = 150 * 86_400;
/** Renewed this long before it expires, so no sign-in presents a secret about to lapse. */
const SECRET_RENEW_S = 86_400;
/** Apple's Team ID and Key ID: ten upper-case letters and digits. */
const APPLE_ID = /^[A-Z0-9]{10}$/;

/** A .p8 pasted into a JSON or env value often keeps its newlines as literal "\n". */
function privateKeyPem(value: string): string {
  return value.replace(/\\n/g, '\n').trim();
}

/**
 * What jose's importPKCS8(pem, 'ES256') will accept at the first sign-in, checked synchronously: a PEM
 * "PRIVATE KEY" (PKCS#8) whose key is EC on P-256.
 */
export function isApplePrivateKey(value: string): boolean {
  const pem = privateKeyPem(value);
  if (!pem.startsWith('-----BEGIN PRIVATE KEY-----')) return false;
  const body = pem.replace(/(?:-----(?:BEGIN|END) PRIVATE KEY-----|\s)/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return false;
  try {
    const key = createPrivateKey({ key: Buffer.from(body, 'base64'), format: 'der', type: 'pkcs8' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
}

/** What the adapter reads from ProviderDetails. */
export const appleDetailsSchema = z.object({
  client_id: requiredDetail,
  team_id: requiredDetail.regex(APPLE_ID, 'must be the 10-character Team ID (upper-case letters and digits)'),
  key_id: requiredDetail.regex(APPLE_ID, 'must be the 10-character Key ID (upper-case letters and digits)'),
  private_key: requiredDetail.refine(isApplePrivateKey, 'must be the PKCS#8 P-256 key Apple gave (the .p8 file, -----BEGIN PRIVATE KEY-----)'),
  // Apple knows only name and email (openid is tolerated); anything else it refuses at sign-in.
  authorize_scopes: scopeList(['name', 'email', 'openid']),
  oidc_issuer: optionalIssuer,
  authorize_url: optionalEndpoint,
  token_url: optionalEndpoint,
  jwks_uri: optionalEndpoint,
});

export function createAppleAdapter(config: ProviderConfig, deps: AdapterDeps = {}): ProviderAdapter {
  const d = config.details;
  const p = config.name;
  const clientId = required(d, 'client_id', p);
  const teamId = required(d, 'team_id', p);
  const keyId = required(d, 'key_id', p);
  const pem = privateKeyPem(required(d, 'private_key', p));
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
  // Also under Apple's own names, as Cognito offers them to attribute mapping (`given_name: firstName`).
  if (given) out.given_name = out.firstName = given;
  if (family) out.family_name = out.lastName = family;
  if (given || family) out.name = [given, family].filter(Boolean).join(' ');
  return out;
}
