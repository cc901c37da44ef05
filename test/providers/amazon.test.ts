// The Login with Amazon adapter against a real-HTTP stand-in: begin → /ap/oa's redirect → complete,
// and every way Amazon can fail or hand us someone else's token refused with the right ProviderError kind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createAmazonAdapter } from '../../providers/amazon.js';
import { ProviderError, type AdapterDeps, type ExternalIdentity, type FlowState, type ProviderAdapter } from '../../providers/provider.js';
import { DEFAULT_AMAZON_USER, startAmazonFake, type AmazonBehaviour, type AmazonFake } from '../fakes/amazon.js';
import { authorize, newFlow, quickFetch, recordingFetch, REDIRECT, refusedWithout, resetFake, signInWith } from './support.js';

const CLIENT_ID = 'amzn1.application-oa2-client.0123456789abcdef';
const SECRET = 'amzn-secret-' + randomBytes(12).toString('hex');

let fake: AmazonFake;
before(async () => {
  fake = await startAmazonFake();
});
after(() => fake.close());
beforeEach(() => resetFake(fake, DEFAULT_AMAZON_USER));

function adapter(extra: Record<string, string> = {}, deps: AdapterDeps = {}): ProviderAdapter {
  return createAmazonAdapter({ name: 'LoginWithAmazon', type: 'LoginWithAmazon', details: { ...fake.details(CLIENT_ID, SECRET), ...extra } }, deps);
}

/** The whole flow; `then` is the behaviour switched on after /ap/oa, for the server-to-server leg. */
function signIn(a: ProviderAdapter, then?: AmazonBehaviour, tamper: (flow: FlowState) => void = () => {}): Promise<ExternalIdentity> {
  return signInWith(a, (flow) => {
    if (then) fake.setBehaviour(then);
    tamper(flow);
  });
}

/** Rejected with `kind`, and the message carries no secret, token or code. */
function refused(p: Promise<unknown>, kind: ProviderError['kind']): Promise<ProviderError> {
  return refusedWithout(p, kind, () => [SECRET, ...fake.requests.flatMap((r) => [r.form.code, r.form.code_verifier, r.query.access_token])]);
}

const paths = () => fake.requests.map((r) => `${r.method} ${r.path}`);

describe('Login with Amazon adapter: begin', () => {
  it('redirects to /ap/oa with client_id, a space-separated scope, redirect_uri, state and an S256 challenge', async () => {
    const flow = newFlow();
    const { redirect, kept } = await adapter().begin({ redirectUri: REDIRECT, state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
    const url = new URL(redirect);
    assert.equal(`${url.origin}${url.pathname}`, `${fake.url}/ap/oa`);
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      client_id: CLIENT_ID,
      scope: 'profile postal_code',
      response_type: 'code',
      redirect_uri: REDIRECT,
      state: flow.state,
      code_challenge: createHash('sha256').update(flow.codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    assert.deepEqual(kept, {});
  });

  it('defaults to the real endpoints: www.amazon.com/ap/oa, and a POST to api.amazon.com/auth/o2/token', async () => {
    // Records the call and fails it like a network error: nothing leaves the machine.
    const { fetch: recording, seen } = recordingFetch();
    const a = createAmazonAdapter({ name: 'LoginWithAmazon', type: 'LoginWithAmazon', details: { client_id: CLIENT_ID, client_secret: SECRET } }, { fetch: recording });
    const { redirect } = await a.begin({ redirectUri: REDIRECT, ...newFlow() });
    assert.ok(redirect.startsWith('https://www.amazon.com/ap/oa?'), redirect);
    await refused(a.complete({ method: 'GET', params: { code: 'c', state: 's' }, redirectUri: REDIRECT }, newFlow()), 'unavailable');
    assert.deepEqual(seen, [{ url: 'https://api.amazon.com/auth/o2/token', method: 'POST' }]);
  });

  it('refuses bad settings as misconfigured', () => {
    const make = (details: Record<string, string>) => () => createAmazonAdapter({ name: 'LoginWithAmazon', type: 'LoginWithAmazon', details });
    const bad: Record<string, string>[] = [{ client_id: CLIENT_ID }, { client_id: CLIENT_ID, client_secret: SECRET, attributes_url: 'http://api.example.com/user/profile' }];
    for (const details of bad)
      assert.throws(make(details), (e: unknown) => e instanceof ProviderError && e.kind === 'misconfigured', JSON.stringify(details));
  });
});

describe('Login with Amazon adapter: complete', () => {
  it('signs in: token, then tokeninfo, then the profile with a bearer token', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => ((calls += 1), fetch(input, init));
    const identity = await signIn(adapter({}, { fetch: counting }));

    assert.deepEqual(identity, { provider: 'LoginWithAmazon', subject: DEFAULT_AMAZON_USER.user_id, issuer: null, claims: { ...DEFAULT_AMAZON_USER } });
    assert.equal(calls, 3, 'every call goes through deps.fetch');
    assert.deepEqual(paths(), ['GET /ap/oa', 'POST /auth/o2/token', 'GET /auth/o2/tokeninfo', 'GET /user/profile']);
    const [, token, info, profile] = fake.requests;
    assert.deepEqual(Object.keys(token!.form).sort(), ['client_id', 'client_secret', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
    assert.deepEqual([token!.form.grant_type, token!.form.client_id, token!.form.client_secret, token!.form.redirect_uri], ['authorization_code', CLIENT_ID, SECRET, REDIRECT]);
    const access = info!.query.access_token!;
    assert.ok(access.startsWith('Atza|'));
    assert.equal(profile!.headers.authorization, `Bearer ${access}`);
    assert.deepEqual(profile!.query, {}, 'the token is not put in the profile URL');
  });

  it('gives only what the scopes grant: no postal_code for "profile", no email made up', async () => {
    const identity = await signIn(adapter({ authorize_scopes: 'profile' }));
    assert.deepEqual(identity.claims, { user_id: DEFAULT_AMAZON_USER.user_id, name: 'Ama Zon', email: 'ama@example.com' });

    fake.setUser({ user_id: 'amzn1.account.NOEMAIL', name: 'No Mail' });
    assert.deepEqual((await signIn(adapter())).claims, { user_id: 'amzn1.account.NOEMAIL', name: 'No Mail' });
  });

  it('a refusal at /ap/oa is denied, with the provider error', async () => {
    fake.setBehaviour('deny');
    const err = await refused(signIn(adapter()), 'denied');
    assert.equal(err.providerError, 'access_denied');
    assert.deepEqual(paths(), ['GET /ap/oa'], 'nothing is called after a refusal');
  });

  it('a callback without a code is invalid', async () => {
    await refused(adapter().complete({ method: 'GET', params: { state: 's' }, redirectUri: REDIRECT }, newFlow()), 'invalid');
    assert.equal(fake.requests.length, 0);
  });

  it('a code used twice, or exchanged with another PKCE verifier, is invalid', async () => {
    const a = adapter();
    const flow = newFlow();
    const params = await authorize(a, flow);
    await a.complete({ method: 'GET', params, redirectUri: REDIRECT }, flow);
    await refused(a.complete({ method: 'GET', params, redirectUri: REDIRECT }, flow), 'invalid');

    await refused(signIn(adapter(), undefined, (f) => (f.codeVerifier = randomBytes(32).toString('base64url'))), 'invalid');
  });

  it('a wrong client secret (invalid_client) is misconfigured: our settings, not the user', async () => {
    // adapter() registers the real secret with the fake, then overrides ours.
    await refused(signIn(adapter({ client_secret: 'not-the-secret' })), 'misconfigured');
  });

  it('refuses a token issued to another client as invalid, before reading the profile', async () => {
    await refused(signIn(adapter(), 'other-client'), 'invalid');
    assert.deepEqual(paths(), ['GET /ap/oa', 'POST /auth/o2/token', 'GET /auth/o2/tokeninfo']);
  });

  it("refuses a profile for another user than the token's as invalid", async () => {
    await refused(signIn(adapter(), 'other-user'), 'invalid');
  });

  for (const [behaviour, why] of [
    ['token-500', 'a 500 from the token endpoint'],
    ['not-json', 'a token endpoint answering HTML'],
    ['down', 'an Amazon that drops the connection'],
  ] as const) {
    it(`treats ${why} as unavailable`, async () => {
      await refused(signIn(adapter(), behaviour), 'unavailable');
    });
  }

  it('treats a slow Amazon as unavailable (with a short timeout standing in for the 10 s one)', async () => {
    // Had the adapter waited, the stand-in's late answer would have signed the user in.
    const err = await refused(signIn(adapter({}, { fetch: quickFetch(300) }), 'slow'), 'unavailable');
    assert.match(err.message, /no answer within/, 'the timeout, not a failed connection');
  });

  it('treats an unreachable Amazon as unavailable', async () => {
    const gone = await startAmazonFake();
    const details = gone.details(CLIENT_ID, SECRET);
    await gone.close();
    await refused(signIn(adapter({ token_url: details.token_url! })), 'unavailable');
  });
});
