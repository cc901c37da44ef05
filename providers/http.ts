// Outbound calls to providers: a 10-second timeout, a clear error, and endpoints that default to the
// real providers' and may be overridden in ProviderDetails (how tests point a provider at a stand-in).
import { isAllowedEndpointUrl } from '../src/shared/urls.js';
import { ProviderError, type AdapterDeps } from './provider.js';

export const TIMEOUT_MS = 10_000;
export const USER_AGENT = 'identity-broker';

/** `details[key]`, else the default; always https (or loopback http). */
export function endpoint(details: Record<string, string>, key: string, fallback: string): string {
  const url = details[key] || fallback;
  if (!isAllowedEndpointUrl(url)) throw new ProviderError('misconfigured', `${key} must be https (http only on a loopback host)`);
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
