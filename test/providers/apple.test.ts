// The Sign in with Apple adapter against the fake's Apple flavour: form_post callback, the ES256
// client-secret JWT (checked by the fake, cached and renewed), the one-time `user` field, string
// booleans, and refusals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { APPLE_ISSUER, createAppleAdapter } from '../../providers/apple.js';
import { ProviderError, type AdapterDeps, type ProviderAdapter } from '../../providers/provider.js';
import { authorizeLikeABrowser, newFlow, REDIRECT_URI, signInThrough, startOidcFake, type OidcBehaviour, type OidcFake } from '../fakes/oidc-provider.js';
import { ecP256Pems } from '../support/keys.js';

const refusedAs = (kind: ProviderError['kind'], why?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProviderError, String(err));
  assert.equal(err.kind, kind, err.message);
  if (why) assert.match(err.message, why);
  return true;
};

const APPLE_USER = { sub: '001234.abcdef0123456789.0042', email: 'x7k2@privaterelay.appleid.com', email_verified: 'true', is_private_email: 'true', given_name: 'Ana', family_name: 'Apfel' };

describe('Sign in with Apple adapter', () => {
  let fake: OidcFake;
  let clock = Date.now();
  const now = () => clock;
  // As an operator points Apple at a stand-in: the documented endpoint keys only; issuer stays Apple's.
  const apple = (extra: Record<string, string> = {}, deps: AdapterDeps = { now }): ProviderAdapter => {
    const { oidc_issuer: _, ...details } = fake.details();
    return createAppleAdapter({ name: 'SignInWithApple', type: 'SignInWithApple', details: { ...details, ...extra } }, deps);
  };
  const tokenRequests = () => fake.requests.filter((r) => r.path === '/auth/token');

  before(async () => {
    fake = await startOidcFake({ apple: {}, issuer: APPLE_ISSUER, now });
    fake.setUser(APPLE_USER);
  });
  after(() => fake.close());

  it('signs in: form_post callback, name from the first authorization, booleans from strings', async () => {
    const a = apple();
    const flow = newFlow();
    const { redirect } = await a.begin({ redirectUri: REDIRECT_URI, state: flow.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier });
    const q = new URL(redirect).searchParams;
    assert.equal(q.get('response_mode'), 'form_post');
    assert.equal(q.get('scope'), 'email name');
    assert.equal(q.get('code_challenge_method'), 'S256');
    const cb = await authorizeLikeABrowser(redirect);
    assert.equal(cb.method, 'POST');
    assert.ok(cb.params.user, 'Apple posts `user` on the first authorization');
    const id = await a.complete({ method: 'POST', params: cb.params, redirectUri: REDIRECT_URI }, flow);
    assert.deepEqual([id.provider, id.subject, id.issuer], ['SignInWithApple', APPLE_USER.sub, APPLE_ISSUER]);
    assert.equal(id.claims.email, APPLE_USER.email);
    assert.equal(id.claims.email_verified, true);
    assert.equal(id.claims.is_private_email, true);
    assert.deepEqual([id.claims.given_name, id.claims.family_name, id.claims.name], ['Ana', 'Apfel', 'Ana Apfel']);
    assert.deepEqual([id.claims.firstName, id.claims.lastName], ['Ana', 'Apfel'], "Apple's own names, as Cognito maps them");

    // The second authorization carries no `user`: no name, nothing else lost.
    const again = await signInThrough(a);
    assert.equal(again.subject, APPLE_USER.sub);
    assert.equal(again.claims.email, APPLE_USER.email);
    assert.equal(again.claims.name, undefined);
  });

  it('never takes the email or subject from the unsigned user field, and ignores it when malformed', async () => {
    const forged = await signInThrough(apple(), {
      beforeCallback: (p) => void (p.user = JSON.stringify({ name: { firstName: 'Eve' }, email: 'eve@evil.example', sub: 'other' })),
    });
    assert.equal(forged.claims.email, APPLE_USER.email);
    assert.equal(forged.subject, APPLE_USER.sub);
    assert.equal(forged.claims.name, 'Eve');
    const malformed = await signInThrough(apple(), { beforeCallback: (p) => void (p.user = '{"name":') });
    assert.equal(malformed.claims.name, undefined);
  });

  it('reads "false" as false', async () => {
    fake.setUser({ ...APPLE_USER, sub: 'false-strings', email_verified: 'false', is_private_email: 'false' });
    try {
      const id = await signInThrough(apple());
      assert.equal(id.claims.email_verified, false);
      assert.equal(id.claims.is_private_email, false);
    } finally {
      fake.setUser(APPLE_USER);
    }
  });

  it('signs the client secret as Apple requires, caches it and renews it before it lapses', async () => {
    const a = apple();
    await signInThrough(a);
    await signInThrough(a);
    const [first, second] = tokenRequests().slice(-2).map((r) => r.form.client_secret!);
    assert.equal(first, second, 'cached');
    const header = decodeProtectedHeader(first!);
    const claims = decodeJwt(first!);
    const { teamId, keyId } = fake.keys.apple!;
    assert.deepEqual([header.alg, header.kid], ['ES256', keyId]);
    assert.deepEqual([claims.iss, claims.sub, claims.aud], [teamId, fake.clientId, APPLE_ISSUER]);
    assert.ok(claims.exp! - claims.iat! <= 15_777_000);
    assert.equal(tokenRequests().at(-1)!.form.client_id, fake.clientId);

    // Less than a day before it expires, a new one is signed (the fake, on the same clock, accepts it).
    const saved = clock;
    clock = (claims.exp! - 3_600) * 1000;
    try {
      await signInThrough(a);
      const renewed = tokenRequests().at(-1)!.form.client_secret!;
      assert.notEqual(renewed, first);
      assert.ok(decodeJwt(renewed).exp! > claims.exp!);
    } finally {
      clock = saved;
    }
  });

  it('accepts the private key with literal \\n escapes', async () => {
    const escaped = fake.keys.apple!.privateKeyPem.trim().replace(/\n/g, '\\n');
    const id = await signInThrough(apple({ private_key: escaped }));
    assert.equal(id.subject, APPLE_USER.sub);
  });

  it('reports a key Apple does not know, or not a key at all, as misconfigured', async () => {
    const stranger = ecP256Pems().privateKey;
    await assert.rejects(signInThrough(apple({ private_key: stranger })), refusedAs('misconfigured', /invalid_client/));
    await assert.rejects(signInThrough(apple({ private_key: 'not a key' })), refusedAs('misconfigured', /private_key/));
  });

  it('takes oidc_issuer as the issuer and the client-secret audience', async () => {
    const own = await startOidcFake({ apple: {} });
    try {
      own.setUser(APPLE_USER);
      const id = await signInThrough(createAppleAdapter({ name: 'SignInWithApple', type: 'SignInWithApple', details: own.details() }));
      assert.equal(id.issuer, own.issuer);
      assert.equal(decodeJwt(own.requests.find((r) => r.path === '/auth/token')!.form.client_secret!).aud, own.issuer);
    } finally {
      await own.close();
    }
  });

  const refusals: Array<[OidcBehaviour, ProviderError['kind'], RegExp]> = [
    ['deny', 'denied', /user_cancelled_authorize/],
    ['wrong-audience', 'invalid', /"aud"/],
    ['wrong-issuer', 'invalid', /"iss"/],
    ['wrong-nonce', 'invalid', /nonce/],
    ['expired', 'invalid', /"exp"/],
    ['iat-in-future', 'invalid', /future/],
    ['unknown-key', 'invalid', /unknown key/],
    ['bad-signature', 'invalid', /signature/],
    ['alg-none', 'invalid', /"alg"/],
    ['hs256-public-key', 'invalid', /"alg"/],
    ['token-500', 'unavailable', /token endpoint/],
    ['down', 'unavailable', /cannot be reached/],
  ];
  for (const [behaviour, kind, why] of refusals) {
    it(`refuses ${behaviour} as ${kind}`, async () => {
      fake.setBehaviour(behaviour);
      try {
        await assert.rejects(signInThrough(apple()), refusedAs(kind, why));
      } finally {
        fake.setBehaviour('normal');
      }
    });
  }
});
