// The Facebook adapter against a real-HTTP stand-in: begin → the dialog's redirect → complete, and
// every way Facebook can fail or lie refused with the right ProviderError kind.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { appsecretProof, createFacebookAdapter } from '../../providers/facebook.js';
import { ProviderError, type AdapterDeps, type ExternalIdentity, type ProviderAdapter } from '../../providers/provider.js';
import { DEFAULT_FACEBOOK_USER, startFacebookFake, type FacebookBehaviour, type FacebookFake } from '../fakes/facebook.js';
import { authorize, newFlow, quickFetch, recordingFetch, REDIRECT, refusedWithout, resetFake, signInWith } from './support.js';

const CLIENT_ID = '1234567890123456';
const SECRET = 'fb-secret-' + randomBytes(12).toString('hex');

let fake: FacebookFake;
before(async () => {
  fake = await startFacebookFake();
});
after(() => fake.close());
beforeEach(() => resetFake(fake, DEFAULT_FACEBOOK_USER));

function adapter(extra: Record<string, string> = {}, deps: AdapterDeps = {}): ProviderAdapter {
  return createFacebookAdapter({ name: 'Facebook', type: 'Facebook', details: { ...fake.details(CLIENT_ID, SECRET), ...extra } }, deps);
}

/** The whole flow; `then` is the behaviour switched on after the dialog, for the server-to-server leg. */
function signIn(a: ProviderAdapter, then?: FacebookBehaviour): Promise<ExternalIdentity> {
  return signInWith(a, () => {
    if (then) fake.setBehaviour(then);
  });
}

/** Rejected with `kind`, and the message carries no secret, token or code. */
function refused(p: Promise<unknown>, kind: ProviderError['kind']): Promise<ProviderError> {
  return refusedWithout(p, kind, () => [SECRET, ...fake.requests.flatMap((r) => [r.query.code, r.query.access_token, r.query.input_token])]);
}

describe('Facebook adapter: begin', () => {
  it('redirects to the dialog with client_id, redirect_uri, state, response_type and a comma-separated scope', async () => {
    const flow = newFlow();
    const { redirect, kept } = await adapter().begin({ redirectUri: REDIRECT, state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
    const url = new URL(redirect);
    assert.equal(`${url.origin}${url.pathname}`, `${fake.url}/v17.0/dialog/oauth`);
    assert.deepEqual(Object.fromEntries(url.searchParams), { client_id: CLIENT_ID, redirect_uri: REDIRECT, state: flow.state, response_type: 'code', scope: 'public_profile,email' });
    assert.deepEqual(kept, {});
  });

  it('defaults to the real endpoints for api_version, and exchanges the code by GET at graph.facebook.com', async () => {
    // Records the call and fails it like a network error: nothing leaves the machine.
    const { fetch: recording, seen } = recordingFetch();
    const a = createFacebookAdapter({ name: 'Facebook', type: 'Facebook', details: { client_id: CLIENT_ID, client_secret: SECRET, api_version: 'v19.0' } }, { fetch: recording });
    const { redirect } = await a.begin({ redirectUri: REDIRECT, ...newFlow() });
    assert.ok(redirect.startsWith('https://www.facebook.com/v19.0/dialog/oauth?'), redirect);
    await refused(a.complete({ method: 'GET', params: { code: 'c', state: 's' }, redirectUri: REDIRECT }, newFlow()), 'unavailable');
    assert.equal(seen.length, 1);
    assert.ok(seen[0]!.url.startsWith('https://graph.facebook.com/v19.0/oauth/access_token?'), seen[0]!.url);
    assert.equal(seen[0]!.method, 'GET');

    const plain = createFacebookAdapter({ name: 'Facebook', type: 'Facebook', details: { client_id: CLIENT_ID, client_secret: SECRET } });
    assert.ok((await plain.begin({ redirectUri: REDIRECT, ...newFlow() })).redirect.startsWith('https://www.facebook.com/v17.0/dialog/oauth?'));
  });

  it('refuses bad settings as misconfigured', () => {
    const make = (details: Record<string, string>) => () => createFacebookAdapter({ name: 'Facebook', type: 'Facebook', details });
    const base = { client_id: CLIENT_ID, client_secret: SECRET };
    const bad: Record<string, string>[] = [{ client_id: CLIENT_ID }, { ...base, api_version: 'latest/../x' }, { ...base, token_url: 'http://graph.example.com/oauth/access_token' }, { ...base, token_request_method: 'PUT' }];
    for (const details of bad)
      assert.throws(make(details), (e: unknown) => e instanceof ProviderError && e.kind === 'misconfigured', JSON.stringify(details));
  });
});

describe('Facebook adapter: complete', () => {
  it('signs in: token, then debug_token, then /me, each Graph call with its appsecret_proof', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => ((calls += 1), fetch(input, init));
    const identity = await signIn(adapter({}, { fetch: counting }));

    assert.deepEqual(identity, { provider: 'Facebook', subject: DEFAULT_FACEBOOK_USER.id, issuer: null, claims: DEFAULT_FACEBOOK_USER });
    assert.equal((identity.claims.picture as { data: { url: string } }).data.url, 'https://platform-lookaside.example/fay.jpg');
    assert.equal(calls, 3, 'every call goes through deps.fetch');

    const [, token, debug, me] = fake.requests;
    assert.deepEqual(fake.requests.map((r) => `${r.method} ${r.path}`), ['GET /v17.0/dialog/oauth', 'GET /v17.0/oauth/access_token', 'GET /v17.0/debug_token', 'GET /v17.0/me']);
    assert.deepEqual(Object.keys(token!.query).sort(), ['client_id', 'client_secret', 'code', 'redirect_uri']);
    assert.deepEqual([token!.query.client_id, token!.query.client_secret, token!.query.redirect_uri], [CLIENT_ID, SECRET, REDIRECT]);
    const userToken = debug!.query.input_token!;
    assert.equal(debug!.query.access_token, `${CLIENT_ID}|${SECRET}`);
    assert.equal(debug!.query.appsecret_proof, appsecretProof(SECRET, `${CLIENT_ID}|${SECRET}`));
    assert.equal(me!.query.access_token, userToken);
    assert.equal(me!.query.appsecret_proof, appsecretProof(SECRET, userToken));
    assert.equal(me!.query.fields, 'id,name,email,first_name,last_name,picture');
  });

  it('never makes up an email: not granted, or the user has none', async () => {
    const noScope = await signIn(adapter({ authorize_scopes: 'public_profile' }));
    assert.equal(noScope.claims.email, undefined);
    assert.equal(noScope.claims.name, 'Fay Book');

    const { email: _, ...noEmail } = DEFAULT_FACEBOOK_USER;
    fake.setUser(noEmail as typeof DEFAULT_FACEBOOK_USER);
    const identity = await signIn(adapter());
    assert.deepEqual(identity.claims, noEmail);
  });

  it('exchanges the code by POST when token_request_method says so', async () => {
    await signIn(adapter({ token_request_method: 'POST' }));
    const token = fake.requests.find((r) => r.path.endsWith('/oauth/access_token'))!;
    assert.equal(token.method, 'POST');
    assert.equal(token.form.client_secret, SECRET);
    assert.deepEqual(token.query, {});
  });

  it('calls /debug_token unversioned when token_url has no version, and takes a fields setting', async () => {
    const identity = await signIn(adapter({ token_url: `${fake.url}/oauth/access_token`, attributes_url: `${fake.url}/me?fields=`, fields: 'name' }));
    assert.deepEqual(identity.claims, { id: DEFAULT_FACEBOOK_USER.id, name: 'Fay Book' });
    assert.deepEqual(fake.requests.slice(1).map((r) => r.path), ['/oauth/access_token', '/debug_token', '/me']);
    assert.equal(fake.requests[3]!.query.fields, 'id,name');
  });

  it('the fake refuses /me without the right appsecret_proof (so the adapter test above means something)', async () => {
    await signIn(adapter());
    const token = fake.requests.find((r) => r.path.endsWith('/me'))!.query.access_token!;
    for (const proof of ['', appsecretProof('wrong-secret', token)]) {
      const res = await fetch(`${fake.url}/v17.0/me?${new URLSearchParams({ access_token: token, appsecret_proof: proof })}`);
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'GraphMethodException');
    }
  });

  it('a refusal at the dialog is denied, with the provider error', async () => {
    fake.setBehaviour('deny');
    const err = await refused(signIn(adapter()), 'denied');
    assert.equal(err.providerError, 'access_denied');
    assert.equal(fake.requests.length, 1, 'nothing is called after a refusal');
    const reasonOnly = await refused(adapter().complete({ method: 'GET', params: { error_reason: 'user_denied', state: 's' }, redirectUri: REDIRECT }, newFlow()), 'denied');
    assert.equal(reasonOnly.providerError, 'user_denied');
  });

  it('a callback without a code is invalid', async () => {
    await refused(adapter().complete({ method: 'GET', params: { state: 's' }, redirectUri: REDIRECT }, newFlow()), 'invalid');
    assert.equal(fake.requests.length, 0);
  });

  it('a code used twice, or exchanged with the wrong secret, is invalid', async () => {
    const a = adapter();
    const flow = newFlow();
    const params = await authorize(a, flow);
    await a.complete({ method: 'GET', params, redirectUri: REDIRECT }, flow);
    await refused(a.complete({ method: 'GET', params, redirectUri: REDIRECT }, flow), 'invalid');

    // adapter() registers the real secret with the fake, then overrides ours.
    await refused(signIn(adapter({ client_secret: 'not-the-secret' })), 'invalid');
  });

  for (const [behaviour, why] of [
    ['other-app', 'a token issued to another app'],
    ['invalid-token', 'debug_token says is_valid false'],
    ['expired', 'debug_token says the token has expired'],
    ['other-user', "/me answers for another user than the token's"],
  ] as const) {
    it(`refuses ${why} as invalid`, async () => {
      await refused(signIn(adapter(), behaviour), 'invalid');
      if (behaviour !== 'other-user') assert.ok(!fake.requests.some((r) => r.path.endsWith('/me')), '/me is not called for a token that failed debug_token');
    });
  }

  for (const [behaviour, why] of [
    ['token-500', 'a 500 from the token endpoint'],
    ['not-json', 'a token endpoint answering HTML'],
    ['down', 'a Graph API that drops the connection'],
  ] as const) {
    it(`treats ${why} as unavailable`, async () => {
      await refused(signIn(adapter(), behaviour), 'unavailable');
    });
  }

  it('treats a slow Graph API as unavailable (with a short timeout standing in for the 10 s one)', async () => {
    // Had the adapter waited, the stand-in's late answer would have signed the user in.
    const err = await refused(signIn(adapter({}, { fetch: quickFetch(300) }), 'slow'), 'unavailable');
    assert.match(err.message, /no answer within/, 'the timeout, not a failed connection');
  });

  it('treats an unreachable Graph API as unavailable', async () => {
    const gone = await startFacebookFake();
    const details = gone.details(CLIENT_ID, SECRET);
    await gone.close();
    const a = createFacebookAdapter({ name: 'Facebook', type: 'Facebook', details: { ...fake.details(CLIENT_ID, SECRET), token_url: details.token_url! } });
    await refused(signIn(a), 'unavailable');
  });
});
