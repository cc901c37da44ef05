// A certified-style relying party (openid-client) against the pool: discovery, sign-up and
// confirmation on the hosted pages, code + PKCE, ID token claims, userInfo, refresh, revoke.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Browser, formFields } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { FLOW_CONFIG, POOL, SPA_CB, WEB_CB, WEB_SECRET } from './flow-config.js';

describe('an OpenID Connect relying party against the pool', () => {
  let broker: TestBroker;
  let spa: client.Configuration;
  let web: client.Configuration;
  const email = 'Rita.Relying@example.com';
  const password = 'correct horse battery staple';

  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG);
    const issuer = new URL(broker.issuer(POOL));
    const insecure = { execute: [client.allowInsecureRequests] };
    spa = await client.discovery(issuer, 'spa', undefined, client.None(), insecure);
    web = await client.discovery(issuer, 'web', WEB_SECRET, client.ClientSecretBasic(WEB_SECRET), insecure);
  });
  after(() => broker.close());

  /** Drives the hosted pages like a person: returns the app's callback URL with the code. */
  async function signIn(browser: Browser, config: client.Configuration, params: Record<string, string>, account: { signUp: boolean }) {
    let res = await browser.follow(await browser.get(client.buildAuthorizationUrl(config, params).toString()), broker.url);
    assert.equal(res.status, 200, res.body);
    if (account.signUp) {
      res = await browser.get(res.url.replace('/login', '/signup'));
      const signup = formFields(res.body, '/signup');
      res = await browser.post(`${broker.url}${signup.action}`, { ...signup.fields, username: email, password });
      assert.equal(res.status, 303, res.body);
      res = await browser.follow(res, broker.url);
      const confirm = formFields(res.body, '/confirmUser');
      res = await browser.post(`${broker.url}${confirm.action}`, { ...confirm.fields, username: email, code: await broker.lastCode(email) });
    } else {
      const login = formFields(res.body, '/login');
      res = await browser.post(`${broker.url}${login.action}`, { ...login.fields, username: email, password });
    }
    assert.equal(res.status, 303, res.body);
    return new URL(res.location!);
  }

  it('publishes discovery with every endpoint', () => {
    const m = spa.serverMetadata();
    assert.equal(m.issuer, broker.issuer(POOL));
    for (const e of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'revocation_endpoint', 'end_session_endpoint'] as const)
      assert.ok(String(m[e]).startsWith(broker.issuer(POOL)), e);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(m.id_token_signing_alg_values_supported, ['RS256']);
  });

  it('signs up, confirms with the mailed code, and gets verifiable tokens (public client, PKCE)', async () => {
    const browser = new Browser();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const callback = await signIn(browser, spa, {
      redirect_uri: SPA_CB, scope: 'openid email profile', state, nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }, { signUp: true });
    assert.equal(`${callback.origin}${callback.pathname}`, SPA_CB);
    const tokens = await client.authorizationCodeGrant(spa, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const id = tokens.claims()!;
    assert.equal(id.iss, broker.issuer(POOL));
    assert.equal(id.aud, 'spa');
    assert.equal(id.token_use, 'id');
    assert.equal(id.email, email, 'the email as the user typed it');
    assert.equal(id.email_verified, true);
    assert.match(String(id['cognito:username']), /^[0-9a-f-]{36}$/, 'email-as-username pools get a UUID username');
    assert.equal(id.nonce, nonce);
    assert.ok(typeof id.auth_time === 'number' && typeof id.origin_jti === 'string' && typeof id.jti === 'string');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.expires_in, 3600);

    // Access tokens verify against the JWKS too, with their own key, and carry Cognito's claims.
    const jwks = createRemoteJWKSet(new URL(spa.serverMetadata().jwks_uri!));
    const access = await jwtVerify(tokens.access_token, jwks, { issuer: broker.issuer(POOL), algorithms: ['RS256'] });
    assert.equal(access.payload.token_use, 'access');
    assert.equal(access.payload.client_id, 'spa');
    assert.equal(access.payload.scope, 'openid email profile');
    assert.equal(access.payload.username, id['cognito:username']);
    assert.notEqual(access.protectedHeader.kid, (await jwtVerify(tokens.id_token!, jwks)).protectedHeader.kid, 'ID and access tokens use different keys');

    const info = await client.fetchUserInfo(spa, tokens.access_token, id.sub);
    assert.equal(info.email, email);

    const refreshed = await client.refreshTokenGrant(spa, tokens.refresh_token!);
    assert.equal(refreshed.claims()!.sub, id.sub);
    assert.equal(refreshed.claims()!.auth_time, id.auth_time, 'auth_time is kept across refreshes');
    assert.equal(refreshed.refresh_token, undefined, 'no rotation for this client');

    await client.tokenRevocation(spa, tokens.refresh_token!);
    await assert.rejects(client.refreshTokenGrant(spa, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    await assert.rejects(client.fetchUserInfo(spa, refreshed.access_token, id.sub), (e: { response?: Response; cause?: { parameters?: { error?: string } }[] }) =>
      e.response?.status === 401 && e.cause?.[0]?.parameters?.error === 'invalid_token', 'access tokens of a revoked sign-in are refused at userInfo');
  });

  it('signs in a confidential client (client_secret_basic) with single sign-on and rotating refresh tokens', async () => {
    const browser = new Browser();
    const state = client.randomState();
    const callback = await signIn(browser, web, { redirect_uri: WEB_CB, scope: 'openid email', state }, { signUp: false });
    const tokens = await client.authorizationCodeGrant(web, callback, { expectedState: state });
    assert.equal(tokens.claims()!.aud, 'web');
    assert.equal(Number(tokens.claims()!.exp) - Number(tokens.claims()!.iat), 600, 'the client sets a 10-minute ID token');

    // Same browser, another app of the pool: no sign-in page, straight back with a code.
    const verifier = client.randomPKCECodeVerifier();
    const res = await browser.get(client.buildAuthorizationUrl(spa, {
      redirect_uri: SPA_CB, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString());
    assert.equal(res.status, 302);
    assert.ok(res.location!.startsWith(`${SPA_CB}?code=`));

    const first = await client.refreshTokenGrant(web, tokens.refresh_token!);
    assert.ok(first.refresh_token && first.refresh_token !== tokens.refresh_token, 'rotation gives a new refresh token');
    const second = await client.refreshTokenGrant(web, first.refresh_token!);
    // The old token comes back: the whole family is revoked, the newest token too.
    await assert.rejects(client.refreshTokenGrant(web, tokens.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
    await assert.rejects(client.refreshTokenGrant(web, second.refresh_token!), (e: client.ResponseBodyError) => e.error === 'invalid_grant');
  });

  it('issues client-credentials tokens with custom scopes only', async () => {
    const svc = await client.discovery(new URL(broker.issuer(POOL)), 'svc', 'svc-client-secret-for-tests-0123', client.ClientSecretPost('svc-client-secret-for-tests-0123'), { execute: [client.allowInsecureRequests] });
    const t = await client.clientCredentialsGrant(svc, { scope: 'api/read' });
    assert.equal(t.refresh_token, undefined);
    assert.equal(t.id_token, undefined);
    const jwks = createRemoteJWKSet(new URL(svc.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(t.access_token, jwks, { issuer: broker.issuer(POOL) });
    assert.equal(payload.client_id, 'svc');
    assert.equal(payload.scope, 'api/read');
    await assert.rejects(client.clientCredentialsGrant(svc, { scope: 'openid' }), (e: client.ResponseBodyError) => e.error === 'invalid_scope');
  });
});
