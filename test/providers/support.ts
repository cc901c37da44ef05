// What the OAuth adapter tests (Facebook, Login with Amazon) share: a fresh flow, the browser's trip
// through the provider's dialog, the whole sign-in, the refusal check, and the fetches that stand in
// for the network.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProviderError, type ExternalIdentity, type FlowState, type ProviderAdapter } from '../../providers/provider.js';

export const REDIRECT = 'https://auth.example.test/oauth2/idpresponse';

/** What every fake's beforeEach puts back: normal behaviour, the default user, no requests seen. */
export function resetFake<U>(fake: { setBehaviour(b: 'normal'): void; setUser(u: U): void; requests: unknown[] }, user: U): void {
  fake.setBehaviour('normal');
  fake.setUser(user);
  fake.requests.length = 0;
}

export function newFlow(): FlowState {
  const r = (n: number) => randomBytes(n).toString('base64url');
  return { state: r(16), nonce: r(16), codeVerifier: r(32), kept: {} };
}

/** begin, then what a browser does: GET the provider's dialog and read where it sends us back. */
export async function authorize(a: ProviderAdapter, flow: FlowState): Promise<Record<string, string>> {
  const { redirect, kept } = await a.begin({ redirectUri: REDIRECT, state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
  flow.kept = kept;
  const res = await fetch(redirect, { redirect: 'manual' });
  assert.equal(res.status, 302, await res.text());
  const back = new URL(res.headers.get('location')!);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  assert.equal(back.searchParams.get('state'), flow.state);
  return Object.fromEntries(back.searchParams);
}

/** The whole flow; `between` runs after the dialog, before complete (to misbehave server-to-server, or tamper with the flow). */
export async function signInWith(a: ProviderAdapter, between: (flow: FlowState) => void): Promise<ExternalIdentity> {
  const flow = newFlow();
  const params = await authorize(a, flow);
  between(flow);
  return a.complete({ method: 'GET', params, redirectUri: REDIRECT }, flow);
}

/** Rejected with `kind`, and the message carries none of `secrets()` (read once the promise has settled). */
export async function refusedWithout(p: Promise<unknown>, kind: ProviderError['kind'], secrets: () => (string | undefined)[]): Promise<ProviderError> {
  const err = await p.then(
    () => assert.fail(`expected ProviderError(${kind})`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProviderError, String(err));
  assert.equal(err.kind, kind, err.message);
  const sensitive = secrets().filter((s): s is string => !!s);
  for (const s of sensitive) assert.ok(!err.message.includes(s), `message leaks a secret: ${err.message}`);
  return err;
}

/** A fetch that gives up after `ms` (a TimeoutError, as the adapter's own 10 s timeout gives), so "slow" tests do not wait 10 s. */
export function quickFetch(ms: number): typeof fetch {
  return (input, init) => {
    const signals = [AbortSignal.timeout(ms), ...(init?.signal ? [init.signal] : [])];
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
}

/** A fetch that records each call and fails it like a network error: nothing leaves the machine. */
export function recordingFetch(): { fetch: typeof fetch; seen: { url: string; method: string }[] } {
  const seen: { url: string; method: string }[] = [];
  const recording: typeof fetch = async (input, init) => {
    seen.push({ url: String(input), method: init?.method ?? 'GET' });
    throw new TypeError('fetch failed');
  };
  return { fetch: recording, seen };
}
