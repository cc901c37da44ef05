// Any OIDC provider, Google and Sign in with Apple through the broker, against the OIDC stand-in:
// ID tokens verified in full (every bad answer yields no code and no user), email linking only when
// the pool opts in and both sides are verified, and Apple's form_post and first-login name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeLikeABrowser, DEFAULT_OIDC_USER, startOidcFake, type OidcBehaviour, type OidcFake } from '../fakes/oidc-provider.js';
import { pkce, tokenRequest } from '../oauth/helpers.js';
import { Browser, type Response } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { claimsOf } from '../support/jwt.js';

const POOL = 'local_Oidc1';
const STRICT = 'local_NoLink1';
const CB = 'http://127.0.0.1:5566/cb';

describe('OIDC providers through the broker', () => {
  let broker: TestBroker;
  let corp: OidcFake;
  let google: OidcFake;
  let apple: OidcFake;
  const { verifier, challenge } = pkce();

  before(async () => {
    corp = await startOidcFake({ issuerPath: '/realms/corp', clientId: 'broker', clientSecret: 'corp-secret' });
    google = await startOidcFake({ clientId: 'google-client', clientSecret: 'google-secret' });
    apple = await startOidcFake({ clientId: 'com.example.web', apple: {} });
    const client = (idps: string) => `
      - ClientId: app
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email, profile]
        SupportedIdentityProviders: [COGNITO, ${idps}]`;
    const corpIdp = `
      - ProviderName: Corp
        ProviderType: OIDC
        ProviderDetails: ${JSON.stringify(corp.details())}
        AttributeMapping: { email: email, email_verified: email_verified, name: name, picture: picture }`;
    broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: OIDC pool
    LinkByVerifiedEmail: true
    Clients:${client('Corp, Google, SignInWithApple')}
    IdentityProviders:${corpIdp}
      - ProviderName: Google
        ProviderType: Google
        ProviderDetails: ${JSON.stringify({ ...google.details(), client_secret: 'google-secret' })}
        AttributeMapping: { email: email, email_verified: email_verified, name: name }
      - ProviderName: SignInWithApple
        ProviderType: SignInWithApple
        ProviderDetails: ${JSON.stringify(apple.details())}
        AttributeMapping: { email: email, email_verified: email_verified, given_name: given_name, family_name: family_name }
  - Id: ${STRICT}
    PoolName: No linking
    Clients:${client('Corp')}
    IdentityProviders:${corpIdp}
`);
  });
  after(async () => {
    await broker.close();
    await Promise.all([corp.close(), google.close(), apple.close()]);
  });

  const authorize = (pool: string, provider: string) =>
    `${broker.issuer(pool)}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'app', redirect_uri: CB, scope: 'openid email profile', state: 's1', code_challenge: challenge, code_challenge_method: 'S256', identity_provider: provider,
    })}`;

  /** The browser's trip: to the provider and back to idpresponse (a GET, or Apple's cross-site form post). */
  async function roundTrip(browser: Browser, pool: string, provider: string): Promise<Response> {
    const toProvider = await browser.get(authorize(pool, provider));
    assert.equal(toProvider.status, 302, toProvider.body);
    const back = await authorizeLikeABrowser(toProvider.location!);
    if (back.method === 'GET') return browser.get(`${back.to}?${new URLSearchParams(back.params)}`);
    // A cross-site form post carries no SameSite=Lax cookie: sent without the jar, then the broker
    // continues with a top-level GET, which does carry it.
    const posted = await fetch(back.to, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(back.params).toString() });
    assert.equal(posted.status, 303);
    return browser.get(new URL(posted.headers.get('location')!, back.to).toString());
  }

  async function idToken(pool: string, callback: Response): Promise<Record<string, unknown>> {
    assert.equal(callback.status, 302, callback.body);
    const code = new URL(callback.location!).searchParams.get('code')!;
    const t = await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'app', code, redirect_uri: CB, code_verifier: verifier }, {}, pool);
    assert.equal(t.status, 200, JSON.stringify(t.json));
    return claimsOf(String(t.json.id_token));
  }

  it('signs a user in with a generic OIDC provider, merging userinfo and keeping the issuer', async () => {
    corp.setBehaviour('normal');
    corp.setUser(DEFAULT_OIDC_USER);
    const id = await idToken(POOL, await roundTrip(new Browser(), POOL, 'Corp'));
    assert.equal(id['cognito:username'], `Corp_${DEFAULT_OIDC_USER.sub}`);
    assert.equal(id.email_verified, true);
    assert.equal(id.picture, DEFAULT_OIDC_USER.picture, 'a userinfo-only claim');
    assert.equal((id.identities as { issuer: string }[])[0]!.issuer, corp.issuer);
  });

  it('refuses every bad ID token: no code, no user', async () => {
    const cases: OidcBehaviour[] = ['wrong-audience', 'wrong-issuer', 'wrong-nonce', 'no-nonce', 'expired', 'iat-in-future', 'unknown-key', 'bad-signature', 'alg-none', 'hs256-public-key', 'wrong-azp', 'userinfo-other-sub'];
    for (const [i, behaviour] of cases.entries()) {
      corp.setBehaviour(behaviour);
      corp.setUser({ ...DEFAULT_OIDC_USER, sub: `bad-${i}` });
      const res = await roundTrip(new Browser(), POOL, 'Corp');
      assert.equal(res.status, 400, `${behaviour}: ${res.status}`);
      assert.equal(res.location, undefined, behaviour);
      assert.match(res.body, /could not be verified/, behaviour);
      assert.equal(await broker.store.users.findUserByUsername(POOL, `Corp_bad-${i}`), null, behaviour);
    }
    corp.setBehaviour('token-500');
    assert.equal((await roundTrip(new Browser(), POOL, 'Corp')).status, 502);
    corp.setBehaviour('normal');
  });

  it('links to an existing user by email only when the pool opts in and both sides are verified', async () => {
    const native = await broker.store.users.createUser({ poolId: POOL, username: 'erin', status: 'CONFIRMED', attributes: { email: 'erin@example.com', email_verified: 'true' } });
    corp.setUser({ sub: 'corp-erin', email: 'erin@example.com', email_verified: true, name: 'Erin' });
    assert.equal((await idToken(POOL, await roundTrip(new Browser(), POOL, 'Corp'))).sub, native.sub);

    // The provider does not vouch for the email: a new user, never the existing one.
    const other = await broker.store.users.createUser({ poolId: POOL, username: 'fay', status: 'CONFIRMED', attributes: { email: 'fay@example.com', email_verified: 'true' } });
    corp.setUser({ sub: 'corp-fay', email: 'fay@example.com', email_verified: false });
    const fay = await idToken(POOL, await roundTrip(new Browser(), POOL, 'Corp'));
    assert.notEqual(fay.sub, other.sub);

    // Providers that cannot vouch for an email (SAML, Facebook, Amazon) never link by it: see the
    // SAML test. A pool that has not opted in never links by email.
    await broker.store.users.createUser({ poolId: STRICT, username: 'gus', status: 'CONFIRMED', attributes: { email: 'gus@example.com', email_verified: 'true' } });
    corp.setUser({ sub: 'corp-gus', email: 'gus@example.com', email_verified: true });
    assert.equal((await idToken(STRICT, await roundTrip(new Browser(), STRICT, 'Corp')))['cognito:username'], 'Corp_corp-gus');
  });

  it('signs in with Google', async () => {
    google.setUser({ sub: '1029384756', email: 'gina@gmail.example', email_verified: true, name: 'Gina' });
    const id = await idToken(POOL, await roundTrip(new Browser(), POOL, 'Google'));
    assert.equal(id['cognito:username'], 'Google_1029384756');
    assert.deepEqual(id['cognito:groups'], [`${POOL}_Google`]);
  });

  it("signs in with Apple through its cross-site form post, and keeps the name Apple sends only once", async () => {
    apple.setUser({ sub: '001122.apple', email: 'hidden@privaterelay.appleid.example', email_verified: 'true', is_private_email: 'true', given_name: 'Ada', family_name: 'Lovelace' });
    const first = await idToken(POOL, await roundTrip(new Browser(), POOL, 'SignInWithApple'));
    assert.equal(first['cognito:username'], 'SignInWithApple_001122.apple');
    assert.equal(first.email_verified, true, '"true" as a string is true');
    assert.equal(first.given_name, 'Ada');
    const second = await idToken(POOL, await roundTrip(new Browser(), POOL, 'SignInWithApple'));
    assert.equal(second.sub, first.sub);
    assert.equal(second.given_name, 'Ada', 'a later sign-in without the name wipes nothing');
    assert.equal(second.family_name, 'Lovelace');
  });
});
