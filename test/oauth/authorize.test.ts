// The authorization endpoint's refusals (docs/security.md, "Authorization requests and the token
// endpoint"): error pages where the client or redirect URI is unknown (never a redirect), OAuth errors
// back to the app otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { FLOW_CONFIG, POOL, SPA_CB } from './flow-config.js';
import { authorizeUrl, logIn, pkce, signUp, spaParams } from './helpers.js';

describe('authorize', () => {
  let broker: TestBroker;
  const { challenge } = pkce();
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG);
    await signUp(broker, 'ann@example.com', 'ann-has-a-long-password');
  });
  after(() => broker.close());

  const get = (params: Record<string, string | undefined>) => new Browser().get(authorizeUrl(broker, params));
  const errorOf = (location: string | undefined) => Object.fromEntries(new URL(location!).searchParams);

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
    for (const params of [
      { ...spaParams(challenge), client_id: 'nobody' },
      { ...spaParams(challenge), redirect_uri: 'https://evil.example/cb' },
      { ...spaParams(challenge), redirect_uri: `${SPA_CB}/../evil` },
      { ...spaParams(challenge), redirect_uri: `${SPA_CB}?x=1` },
      { ...spaParams(challenge), redirect_uri: undefined },
    ]) {
      const res = await get(params);
      assert.equal(res.status, 400, JSON.stringify(params));
      assert.equal(res.location, undefined);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(res.body, /Something is wrong with this request/);
    }
  });

  it('sends other request errors back to the app, with its state', async () => {
    const cases: [Record<string, string | undefined>, string][] = [
      [{ ...spaParams(challenge), response_type: undefined }, 'invalid_request'],
      [{ ...spaParams(challenge), response_type: 'token' }, 'unsupported_response_type'],
      [{ ...spaParams(challenge), code_challenge_method: 'plain' }, 'invalid_request'],
      [{ ...spaParams(challenge), code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ ...spaParams(challenge), code_challenge: 'short' }, 'invalid_request'],
      [{ ...spaParams(challenge), scope: 'admin' }, 'invalid_scope'],
      [{ ...spaParams(challenge), prompt: 'none' }, 'login_required'],
      [{ ...spaParams(challenge), identity_provider: 'Nope' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const res = await get(params);
      assert.equal(res.status, 302, JSON.stringify(params));
      assert.ok(res.location!.startsWith(`${SPA_CB}?`));
      assert.equal(errorOf(res.location).error, error, JSON.stringify(params));
      assert.equal(errorOf(res.location).state, 'st-1');
    }
  });

  it('sends a browser without a session to the hosted sign-in page, keeping the request', async () => {
    const res = await get(spaParams(challenge, { nonce: 'n-1' }));
    assert.equal(res.status, 302);
    const login = new URL(res.location!);
    assert.equal(login.pathname, `/${POOL}/login`);
    assert.equal(login.searchParams.get('nonce'), 'n-1');
    assert.equal(login.searchParams.get('code_challenge'), challenge);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  });

  it('answers from the session, honours prompt=none and prompt=login, and limits scopes to the client', async () => {
    const browser = new Browser();
    const signedIn = await logIn(browser, broker, spaParams(challenge), 'ann@example.com', 'ann-has-a-long-password');
    assert.equal(signedIn.status, 303);
    assert.ok(signedIn.location!.startsWith(`${SPA_CB}?code=`));
    assert.equal(errorOf(signedIn.location).state, 'st-1');

    const silent = await browser.get(authorizeUrl(broker, spaParams(challenge, { prompt: 'none' })));
    assert.ok(silent.location!.startsWith(`${SPA_CB}?code=`), 'prompt=none with a session gives a code');
    const again = await browser.get(authorizeUrl(broker, spaParams(challenge, { prompt: 'login' })));
    assert.equal(new URL(again.location!).pathname, `/${POOL}/login`, 'prompt=login asks again');
    // phone is not among the client's scopes: ignored, as Cognito does; email without openid is dropped.
    const scoped = await browser.get(authorizeUrl(broker, spaParams(challenge, { scope: 'openid phone email' })));
    assert.ok(scoped.location!.startsWith(`${SPA_CB}?code=`));
    const noOpenid = await browser.get(authorizeUrl(broker, spaParams(challenge, { scope: 'email' })));
    assert.equal(errorOf(noOpenid.location).error, 'invalid_scope');
  });

  it('logs out only to a registered logout URL', async () => {
    const browser = new Browser();
    await logIn(browser, broker, spaParams(challenge), 'ann@example.com', 'ann-has-a-long-password');
    const bad = await browser.get(`${broker.issuer(POOL)}/logout?client_id=spa&logout_uri=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.location, undefined);
    const out = await browser.get(`${broker.issuer(POOL)}/logout?client_id=spa&logout_uri=${encodeURIComponent('http://127.0.0.1:5555/bye')}`);
    assert.equal(out.status, 302);
    assert.equal(out.location, 'http://127.0.0.1:5555/bye');
    const after = await browser.get(authorizeUrl(broker, spaParams(challenge, { prompt: 'none' })));
    assert.equal(errorOf(after.location).error, 'login_required', 'the session is over');
  });

  it('serves discovery and a JWKS with distinct keys', async () => {
    const d = (await (await fetch(`${broker.issuer(POOL)}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(d.issuer, broker.issuer(POOL));
    const jwks = (await (await fetch(String(d.jwks_uri))).json()) as { keys: { kid: string; alg: string; use: string; kty: string; d?: string }[] };
    assert.ok(jwks.keys.length >= 2);
    for (const k of jwks.keys) {
      assert.equal(k.alg, 'RS256');
      assert.equal(k.kty, 'RSA');
      assert.equal(k.d, undefined, 'no private parts');
      assert.match(k.kid, /=$/);
    }
    assert.equal((await fetch(`${broker.url}/nope_Pool1/.well-known/openid-configuration`)).status, 404);
  });
});
