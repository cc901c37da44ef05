// The generic OIDC adapter against a stand-in OpenID Provider: discovery or explicit endpoints, PKCE
// and nonce, the back-channel ID token verified in full, userinfo merged — and every bad answer refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createOidcAdapter } from '../../providers/oidc.js';
import { ProviderError, type AdapterDeps, type ProviderAdapter } from '../../providers/provider.js';
import { DEFAULT_OIDC_USER, newFlow, REDIRECT_URI, signInThrough, startOidcFake, type OidcBehaviour, type OidcFake } from '../fakes/oidc-provider.js';
import { quickFetch } from './support.js';

const refusedAs = (kind: ProviderError['kind'], why?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProviderError, String(err));
  assert.equal(err.kind, kind, err.message);
  if (why) assert.match(err.message, why);
  return true;
};

describe('OIDC adapter', () => {
  let fake: OidcFake;
  const adapter = (details: Record<string, string> = {}, deps?: AdapterDeps): ProviderAdapter =>
    createOidcAdapter({ name: 'Corp', type: 'OIDC', details: { ...fake.details(), ...details } }, deps);

  before(async () => {
    fake = await startOidcFake({ issuerPath: '/realms/test' });
  });
  after(() => fake.close());

  it('signs in through discovery: PKCE, nonce, client_secret_post, userinfo merged over the ID token', async () => {
    fake.setBehaviour('normal');
    const flow = newFlow();
    const id = await signInThrough(adapter(), { flow });
    assert.equal(id.provider, 'Corp');
    assert.equal(id.subject, DEFAULT_OIDC_USER.sub);
    assert.equal(id.issuer, fake.issuer);
    assert.equal(id.claims.email, 'jane@example.com');
    assert.equal(id.claims.email_verified, true);
    assert.equal(id.claims.picture, DEFAULT_OIDC_USER.picture, 'from userinfo');
    assert.equal(id.claims.nonce, flow.nonce);

    const authz = fake.requests.findLast((r) => r.path === '/realms/test/authorize')!;
    assert.equal(authz.query.response_type, 'code');
    assert.equal(authz.query.client_id, fake.clientId);
    assert.equal(authz.query.redirect_uri, REDIRECT_URI);
    assert.equal(authz.query.scope, 'openid email profile');
    assert.equal(authz.query.nonce, flow.nonce);
    assert.equal(authz.query.code_challenge_method, 'S256');
    assert.equal(authz.query.code_challenge, createHash('sha256').update(flow.codeVerifier).digest('base64url'));
    const tok = fake.requests.findLast((r) => r.path === '/realms/test/token')!;
    assert.equal(tok.form.client_secret, fake.clientSecret);
    assert.equal(tok.form.code_verifier, flow.codeVerifier);
    assert.equal(tok.headers.authorization, undefined);
  });

  it('discovers and fetches the keys once per adapter instance', async () => {
    fake.setBehaviour('normal');
    const a = adapter();
    const count = (path: string) => fake.requests.filter((r) => r.path === path).length;
    const [disc, keys] = [count('/realms/test/.well-known/openid-configuration'), count('/realms/test/jwks')];
    await signInThrough(a);
    await signInThrough(a);
    assert.equal(count('/realms/test/.well-known/openid-configuration') - disc, 1);
    assert.equal(count('/realms/test/jwks') - keys, 1);
  });

  it('uses explicit endpoints without discovery: basic auth, userinfo by POST', async () => {
    fake.setBehaviour('normal');
    const before = fake.requests.length;
    const a = adapter({
      authorize_url: fake.authorizeUrl,
      token_url: fake.tokenUrl,
      attributes_url: fake.userinfoUrl!,
      jwks_uri: fake.jwksUri,
      attributes_request_method: 'POST',
      token_endpoint_auth_method: 'client_secret_basic',
      authorize_scopes: 'openid email',
    });
    const id = await signInThrough(a);
    assert.equal(id.subject, DEFAULT_OIDC_USER.sub);
    const seen = fake.requests.slice(before);
    assert.ok(!seen.some((r) => r.path.endsWith('openid-configuration')), 'no discovery');
    assert.equal(seen.find((r) => r.path.endsWith('/userinfo'))!.method, 'POST');
    const tok = seen.find((r) => r.path.endsWith('/token'))!;
    assert.match(String(tok.headers.authorization), /^Basic /);
    assert.equal(tok.form.client_secret, undefined);
    assert.equal(seen.find((r) => r.path.endsWith('/authorize'))!.query.scope, 'openid email');
  });

  it('signs in a public client (no client_secret)', async () => {
    const pub = await startOidcFake({ clientSecret: null });
    try {
      const id = await signInThrough(createOidcAdapter({ name: 'Pub', type: 'OIDC', details: pub.details() }));
      assert.equal(id.subject, DEFAULT_OIDC_USER.sub);
      assert.equal(pub.requests.findLast((r) => r.path === '/token')!.form.client_id, pub.clientId);
    } finally {
      await pub.close();
    }
  });

  it('accepts an iat up to 5 minutes ahead of our clock, not more', async () => {
    fake.setBehaviour('normal');
    await signInThrough(adapter({}, { now: () => Date.now() - 240_000 }));
    await assert.rejects(signInThrough(adapter({}, { now: () => Date.now() - 420_000 })), refusedAs('invalid'));
  });

  // Each refused for its own reason, not just with the right kind.
  const refusals: Array<[OidcBehaviour, ProviderError['kind'], RegExp]> = [
    ['wrong-audience', 'invalid', /"aud"/],
    ['wrong-issuer', 'invalid', /"iss"/],
    ['wrong-nonce', 'invalid', /nonce/],
    ['no-nonce', 'invalid', /nonce/],
    ['expired', 'invalid', /"exp"/],
    ['iat-in-future', 'invalid', /future/],
    ['unknown-key', 'invalid', /unknown key/],
    ['bad-signature', 'invalid', /signature/],
    ['alg-none', 'invalid', /"alg"/],
    ['hs256-public-key', 'invalid', /"alg"/],
    ['wrong-azp', 'invalid', /azp/],
    ['multi-aud-no-azp', 'invalid', /azp/],
    ['userinfo-other-sub', 'invalid', /userinfo/],
    ['mix-up', 'invalid', /iss/],
    ['token-500', 'unavailable', /token endpoint/],
    ['down', 'unavailable', /cannot be reached/],
  ];
  for (const [behaviour, kind, why] of refusals) {
    it(`refuses ${behaviour} as ${kind}`, async () => {
      fake.setBehaviour('normal');
      const a = adapter();
      await a.begin({ redirectUri: REDIRECT_URI, ...newFlow() }); // discovery done while the fake behaves
      fake.setBehaviour(behaviour);
      try {
        await assert.rejects(signInThrough(a), refusedAs(kind, why));
      } finally {
        fake.setBehaviour('normal');
      }
    });
  }

  it('refuses a denial with the provider error code', async () => {
    fake.setBehaviour('deny');
    try {
      await assert.rejects(signInThrough(adapter()), (err: unknown) => {
        assert.ok(err instanceof ProviderError);
        assert.equal(err.kind, 'denied');
        assert.equal(err.providerError, 'access_denied');
        return true;
      });
    } finally {
      fake.setBehaviour('normal');
    }
  });

  it('gives up on a slow provider (timeout) as unavailable', async () => {
    fake.setBehaviour('normal');
    // Had the adapter waited, the stand-in's late answer would have signed the user in.
    const a = adapter({}, { fetch: quickFetch(300) });
    try {
      await assert.rejects(signInThrough(a, { beforeCallback: () => fake.setBehaviour('slow') }), (err: unknown) => {
        assert.ok(err instanceof ProviderError && err.kind === 'unavailable');
        assert.match(err.message, /no answer/);
        return true;
      });
    } finally {
      fake.setBehaviour('normal');
    }
  });

  it('reports a closed port as unavailable', async () => {
    const port = await closedPort();
    const a = adapter({ token_url: `http://127.0.0.1:${port}/token` });
    await assert.rejects(signInThrough(a), refusedAs('unavailable'));
  });

  it('fails closed as unavailable when the signing keys cannot be fetched', async () => {
    fake.setBehaviour('normal');
    const port = await closedPort();
    await assert.rejects(signInThrough(adapter({ jwks_uri: `http://127.0.0.1:${port}/jwks` })), refusedAs('unavailable', /cannot be reached/));
    await assert.rejects(signInThrough(adapter({ jwks_uri: `${fake.url}/no-such-keys` })), refusedAs('unavailable', /signing keys/));
  });

  it('refuses a discovery document naming another issuer', async () => {
    fake.setBehaviour('discovery-issuer-mismatch');
    try {
      await assert.rejects(adapter().begin({ redirectUri: REDIRECT_URI, ...newFlow() }), refusedAs('misconfigured'));
    } finally {
      fake.setBehaviour('normal');
    }
  });

  it('refuses a reused code (token endpoint 4xx) as invalid', async () => {
    fake.setBehaviour('normal');
    const a = adapter();
    let replay: Record<string, string> = {};
    const flow = newFlow();
    await signInThrough(a, { flow, beforeCallback: (params) => void (replay = { ...params }) });
    await assert.rejects(a.complete({ method: 'GET', params: replay, redirectUri: REDIRECT_URI }, flow), refusedAs('invalid'));
  });

  it('reports refused client credentials as misconfigured, without the secret in the message', async () => {
    fake.setBehaviour('normal');
    const secret = 'wrong-secret-value';
    await assert.rejects(signInThrough(adapter({ client_secret: secret })), (err: unknown) => {
      assert.ok(err instanceof ProviderError && err.kind === 'misconfigured', String(err));
      assert.ok(!err.message.includes(secret));
      return true;
    });
  });

  it('refuses a callback with an error or without a code', async () => {
    const a = adapter();
    const flow = newFlow();
    await assert.rejects(a.complete({ method: 'GET', params: { state: flow.state, error: 'access_denied' }, redirectUri: REDIRECT_URI }, flow), refusedAs('denied'));
    await assert.rejects(a.complete({ method: 'GET', params: { state: flow.state }, redirectUri: REDIRECT_URI }, flow), refusedAs('invalid'));
  });

  it('refuses settings it cannot work with', () => {
    assert.throws(() => adapter({ authorize_scopes: 'email profile' }), refusedAs('misconfigured'));
    assert.throws(() => adapter({ oidc_issuer: 'http://idp.example' }), refusedAs('misconfigured'));
    assert.throws(() => adapter({ client_id: '' }), refusedAs('misconfigured'));
  });
});

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
