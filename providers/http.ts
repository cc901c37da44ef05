// Outbound calls to providers: a 10-second timeout, a clear error, and endpoints that default to the
// real providers' and may be overridden in ProviderDetails (how tests point a provider at a stand-in).
import { z } from 'zod';
import { isAllowedEndpointUrl } from '../src/shared/urls.js';
import { ProviderError, type AdapterDeps } from './provider.js';

export const TIMEOUT_MS = 10_000;
export const USER_AGENT = 'identity-broker';

/** `details[key]`, else the default; always https (or loopback http). */
export function endpoint(details: Record<string, string>, key: string, fallback: string): string {
  const url = details[key] || fallback;
  if (!isAllowedEndpointUrl(url)) throw new ProviderError('misconfigured', `${key} ${ENDPOINT_RULE}`);
  return url;
}

/**
 * An endpoint Cognito has no key for (Facebook's debug_token, Amazon's tokeninfo, Apple's keys…),
 * taken from the same origin as the token URL: overriding the documented keys is enough for a stand-in.
 */
export function besideTokenUrl(tokenUrl: string, path: string): string {
  return new URL(path, new URL(tokenUrl).origin).toString();
}

/** fetch with the timeout; network failures and timeouts become ProviderError('unavailable'). */
export async function call(deps: AdapterDeps, provider: string, url: string, init: RequestInit = {}): Promise<Response> {
  const f = deps.fetch ?? fetch;
  try {
    return await f(url, {
      ...init,
      redirect: 'error',
      headers: { 'user-agent': USER_AGENT, accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    throw new ProviderError('unavailable', `${provider}: ${timedOut ? 'no answer within 10 s' : 'cannot be reached'} (${new URL(url).host})`);
  }
}

/** The JSON body of a 2xx answer, or ProviderError('unavailable') naming the status. */
export async function json(res: Response, provider: string, what: string): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ProviderError('unavailable', `${provider}: ${what} answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const error = (body as { error?: unknown })?.error;
    const code = typeof error === 'string' ? error : typeof error === 'object' && error ? JSON.stringify(error).slice(0, 200) : String(res.status);
    throw new ProviderError(res.status >= 500 ? 'unavailable' : 'invalid', `${provider}: ${what} refused (${code})`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ProviderError('unavailable', `${provider}: ${what} answered an unexpected body`);
  return body as Record<string, unknown>;
}

// ProviderDetails checks, shared by the adapters' schemas (checked when a provider is registered, so a
// bad value stops the start instead of the first sign-in). Every value is a string, as Cognito takes
// them; an empty string is an absent value, as the adapters read it. Messages never quote the value.

export const ENDPOINT_RULE = 'must be https (http only on a loopback host)';

/** A value the adapter cannot do without. */
export const requiredDetail = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).min(1, { error: 'is required', abort: true });

/** A value the adapter may do without. */
export const optionalDetail = z.string({ error: 'must be a string' }).optional();

/** An endpoint `endpoint()` will accept: absent or empty (the default is used), else https or loopback http. */
export const optionalEndpoint = optionalDetail.refine((v) => !v || isAllowedEndpointUrl(v), ENDPOINT_RULE);

/** An issuer identifier (OpenID Connect Discovery §2: no query or fragment). */
const isIssuerUrl = (v: string) => isAllowedEndpointUrl(v) && !/[?#]/.test(v);
const ISSUER_RULE = `${ENDPOINT_RULE}, with no query or fragment`;
export const requiredIssuer = requiredDetail.refine(isIssuerUrl, ISSUER_RULE);
export const optionalIssuer = optionalDetail.refine((v) => !v || isIssuerUrl(v), ISSUER_RULE);

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Space- or comma-separated scopes (how the adapters split authorize_scopes); empty: the adapter's default. */
export function scopeList(allowed?: readonly string[]) {
  return optionalDetail.superRefine((v, ctx) => {
    const list = (v ?? '').split(/[\s,]+/).filter(Boolean);
    const bad = list.find((s) => !SCOPE_TOKEN.test(s));
    if (bad !== undefined) ctx.addIssue({ code: 'custom', message: 'must be scopes separated by spaces or commas (no quotes or backslashes)' });
    else if (allowed && list.some((s) => !allowed.includes(s))) ctx.addIssue({ code: 'custom', message: `may only hold ${allowed.join(', ')}` });
  });
}

/** Absent, empty, or one of `values` (compared as written unless `caseInsensitive`). */
export function optionalChoice(values: readonly string[], caseInsensitive = false) {
  return optionalDetail.refine((v) => !v || values.includes(caseInsensitive ? v.toUpperCase() : v), `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`);
}
