// Validating an authorization request (RFC 6749 §4.1.1, RFC 7636, OIDC Core §3.1.2.1) the way
// Cognito does. Errors before the client and redirect URI are known never redirect (an error page);
// later errors go back to the app's redirect URI.
import type { AppClient } from '../directory/types.js';

export interface AuthorizeParams {
  response_type: string;
  client_id: string;
  redirect_uri: string;
  state?: string;
  scope?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  prompt?: string;
  identity_provider?: string;
  idp_identifier?: string;
  login_hint?: string;
  /** Seconds: a hosted session older than this is not reused (OIDC Core §3.1.2.1); 0 always asks. */
  max_age?: string;
}

/** Picked parameters, plus the names that came more than once (refused: RFC 6749 §3.1). */
export type PickedParams = Partial<AuthorizeParams> & { repeated?: string[] };

export const AUTHORIZE_KEYS: (keyof AuthorizeParams)[] = [
  'response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'nonce', 'code_challenge', 'code_challenge_method',
  'prompt', 'identity_provider', 'idp_identifier', 'login_hint', 'max_age',
];

export interface ValidRequest {
  params: AuthorizeParams;
  client: AppClient;
  scopes: string[];
}

export type Validation =
  | { ok: true; request: ValidRequest }
  | { ok: false; redirect: false; message: string }
  | { ok: false; redirect: true; params: AuthorizeParams; error: string; description: string };

const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const OIDC_SCOPES = new Set(['email', 'phone', 'profile']);

/** Picks the authorize parameters from a query or form, as single strings; repeated ones are named. */
export function pickParams(source: Record<string, unknown>): PickedParams {
  const out: PickedParams = {};
  for (const key of AUTHORIZE_KEYS) {
    const v = source[key];
    if (typeof v === 'string' && v.length <= 2048) out[key] = v;
    else if (Array.isArray(v)) (out.repeated ??= []).push(key);
  }
  return out;
}

export async function validateAuthorize(picked: PickedParams, findClient: (id: string) => Promise<AppClient | null>): Promise<Validation> {
  const { repeated = [], ...raw } = picked;
  // A repeated client_id or redirect_uri leaves no URI to trust: an error page, never a redirect.
  for (const key of ['client_id', 'redirect_uri'] as const)
    if (repeated.includes(key)) return { ok: false, redirect: false, message: `The request has more than one ${key}.` };
  if (!raw.client_id) return { ok: false, redirect: false, message: 'The request has no client_id.' };
  const client = await findClient(raw.client_id);
  if (!client) return { ok: false, redirect: false, message: 'The app (client_id) is not known to this pool.' };
  if (!raw.redirect_uri) return { ok: false, redirect: false, message: 'The request has no redirect_uri.' };
  if (!client.settings.CallbackURLs.includes(raw.redirect_uri))
    return { ok: false, redirect: false, message: 'The redirect_uri is not registered for this app.' };
  const params = { ...raw, client_id: raw.client_id, redirect_uri: raw.redirect_uri, response_type: raw.response_type ?? '' } as AuthorizeParams;
  const refuse = (error: string, description: string): Validation => ({ ok: false, redirect: true, params, error, description });

  if (repeated.length) return refuse('invalid_request', `${repeated.join(', ')} must not be repeated`);
  if (!raw.response_type) return refuse('invalid_request', 'response_type is required');
  if (raw.response_type !== 'code') return refuse('unsupported_response_type', 'only response_type=code is supported');
  if (!client.settings.AllowedOAuthFlowsUserPoolClient || !client.settings.AllowedOAuthFlows.includes('code'))
    return refuse('unauthorized_client', 'the code flow is not enabled for this client');

  if (raw.code_challenge_method !== undefined && raw.code_challenge_method !== 'S256')
    return refuse('invalid_request', 'code_challenge_method must be S256');
  if (raw.code_challenge !== undefined && !PKCE_CHALLENGE.test(raw.code_challenge))
    return refuse('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
  if (raw.code_challenge_method !== undefined && raw.code_challenge === undefined)
    return refuse('invalid_request', 'code_challenge is required with code_challenge_method');
  if (raw.code_challenge !== undefined && raw.code_challenge_method === undefined)
    return refuse('invalid_request', 'code_challenge_method=S256 is required with code_challenge');
  if (client.secretHash === null && raw.code_challenge === undefined)
    return refuse('invalid_request', 'public clients must use PKCE (code_challenge with S256)');

  if (raw.prompt !== undefined && !raw.prompt.split(' ').every((p) => ['none', 'login', 'consent', 'select_account'].includes(p)))
    return refuse('invalid_request', 'unsupported prompt value');
  if (raw.prompt?.split(' ').includes('none') && raw.prompt !== 'none')
    return refuse('invalid_request', 'prompt=none cannot be combined with other values');

  if (raw.max_age !== undefined && !/^\d{1,10}$/.test(raw.max_age)) return refuse('invalid_request', 'max_age must be a number of seconds');

  // Unknown or not-allowed scopes are ignored, as Cognito does; email/phone/profile need openid.
  const allowed = client.settings.AllowedOAuthScopes;
  const requested = raw.scope ? raw.scope.split(' ').filter(Boolean) : allowed;
  let scopes = [...new Set(requested.filter((s) => allowed.includes(s)))];
  if (!scopes.includes('openid')) scopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
  if (scopes.length === 0) return refuse('invalid_scope', 'none of the requested scopes is allowed for this client');

  return { ok: true, request: { params, client, scopes } };
}

/** `redirect_uri?error=…&error_description=…&state=…` (or `?code=…&state=…`). */
export function redirectWith(redirectUri: string, values: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}
