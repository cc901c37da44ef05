// Single sign-on across a pool's clients (docs/security.md, "Sessions and single sign-on"; issue 17
// §1, §9): a hosted session answers authorize only for a client that accepts the provider it came
// from, only while younger than max_age, and an authorize request with a repeated parameter is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeLikeABrowser, startOidcFake, type OidcFake } from '../fakes/oidc-provider.js';
import { Browser } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { pkce, submit } from './helpers.js';

const POOL = 'local_Sso1';
const CB = 'http://127.0.0.1:5571/cb';

describe('single sign-on across clients', () => {
  let broker: TestBroker;
  let corp: OidcFake;
  const { challenge } = pkce();

  before(async () => {
    corp = await startOidcFake({ issuerPath: '/realms/corp', clientId: 'broker', clientSecret: 'corp-secret' });
    const client = (id: string, idps: string) => `
      - ClientId: ${id}
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email]
        SupportedIdentityProviders: [${idps}]`;
    broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: SSO pool
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Clients:${client('native', 'COGNITO')}${client('corponly', 'Corp')}${client('both', 'COGNITO, Corp')}
    IdentityProviders:
      - ProviderName: Corp
        ProviderType: OIDC
        ProviderDetails: ${JSON.stringify(corp.details())}
        AttributeMapping: { email: email }
`);
  });
  after(async () => {
    await broker.close();
    await corp.close();
  });

  const authorize = (client: string, extra: Record<string, string> = {}) =>
    `${broker.issuer(POOL)}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: client, redirect_uri: CB, scope: 'openid email', state: 'st', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    })}`;
  const codeOf = (location: string | undefined) => (location?.startsWith(CB) ? new URL(location).searchParams.get('code') : null);

  /** A browser signed in with a password through the `native` client. */
  async function nativeSession(email: string): Promise<Browser> {
    const browser = new Browser();
    const page = await browser.get(`${broker.issuer(POOL)}/signup?${new URL(authorize('native')).searchParams}`);
    const posted = await submit(browser, broker, page, '/signup', { username: email, password: 'a long enough password' });
    assert.equal(posted.status, 303, posted.body);
    const confirm = await browser.follow(posted, broker.url);
    const done = await submit(browser, broker, confirm, '/confirmUser', { username: email, code: await broker.lastCode(email) });
    assert.ok(codeOf(done.location), 'signed in through the native client');
    return browser;
  }

  /** A browser signed in through Corp (OIDC) by the `corponly` client. */
  async function federatedSession(): Promise<Browser> {
    const browser = new Browser();
    const toCorp = await browser.get(authorize('corponly', { identity_provider: 'Corp' }));
    assert.equal(toCorp.status, 302, toCorp.body);
    const back = await authorizeLikeABrowser(toCorp.location!);
    const done = await browser.get(`${back.to}?${new URLSearchParams(back.params)}`);
    assert.ok(codeOf(done.location), `signed in through Corp: ${done.status} ${done.body}`);
    return browser;
  }

  it('never hands a password session to a client that accepts only a federated provider', async () => {
    const browser = await nativeSession('nat@example.com');
    const other = await browser.get(authorize('corponly'));
    assert.equal(other.status, 302);
    assert.equal(codeOf(other.location), null, 'no code for the Corp-only client');
    assert.match(other.location!, new RegExp(`/${POOL}/login\\?`), 'its own sign-in options instead');
    const login = await browser.follow(other, broker.url);
    assert.match(login.body, /Sign in with Corp/);
    assert.doesNotMatch(login.body, /name="password"/, 'no password form for a Corp-only client');
    const silent = await browser.get(authorize('corponly', { prompt: 'none' }));
    assert.equal(new URL(silent.location!).searchParams.get('error'), 'login_required');
    assert.ok(codeOf((await browser.get(authorize('both'))).location), 'a client that accepts COGNITO reuses it');
    assert.ok(codeOf((await browser.get(authorize('native'))).location));
  });

  it('never hands a federated session to a COGNITO-only client', async () => {
    const browser = await federatedSession();
    const other = await browser.get(authorize('native'));
    assert.equal(codeOf(other.location), null, 'no code for the COGNITO-only client');
    assert.match(other.location!, new RegExp(`/${POOL}/login\\?`));
    const silent = await browser.get(authorize('native', { prompt: 'none' }));
    assert.equal(new URL(silent.location!).searchParams.get('error'), 'login_required');
    assert.ok(codeOf((await browser.get(authorize('both'))).location), 'a client that accepts Corp reuses it');
  });

  it('honours max_age: an older session asks again, max_age=0 always asks', async () => {
    const browser = await nativeSession('age@example.com');
    assert.ok(codeOf((await browser.get(authorize('native', { max_age: '3600' }))).location), 'a fresh session is young enough');
    const zero = await browser.get(authorize('native', { max_age: '0' }));
    assert.equal(codeOf(zero.location), null);
    assert.match(zero.location!, /\/login\?.*max_age=0/, 'to the sign-in page, max_age carried along');
    const silent = await browser.get(authorize('native', { max_age: '0', prompt: 'none' }));
    assert.equal(new URL(silent.location!).searchParams.get('error'), 'login_required');
    const bad = await browser.get(authorize('native', { max_age: 'soon' }));
    assert.equal(new URL(bad.location!).searchParams.get('error'), 'invalid_request');
  });

  it('refuses a repeated parameter: an error page for client_id or redirect_uri, invalid_request for the rest', async () => {
    const browser = await nativeSession('rep@example.com');
    const url = new URL(authorize('native'));
    url.searchParams.append('state', 'second');
    const twice = await browser.get(url.toString());
    assert.equal(codeOf(twice.location), null);
    assert.equal(new URL(twice.location!).searchParams.get('error'), 'invalid_request');
    assert.match(new URL(twice.location!).searchParams.get('error_description')!, /state must not be repeated/);
    for (const key of ['scope', 'code_challenge', 'nonce']) {
      const u = new URL(authorize('native', { nonce: 'n1' }));
      u.searchParams.append(key, 'x');
      assert.equal(new URL((await browser.get(u.toString())).location!).searchParams.get('error'), 'invalid_request', key);
    }
    for (const key of ['client_id', 'redirect_uri']) {
      const u = new URL(authorize('native'));
      u.searchParams.append(key, key === 'client_id' ? 'both' : CB);
      const res = await browser.get(u.toString());
      assert.equal(res.status, 400, key);
      assert.equal(res.location, undefined, `${key}: never a redirect`);
      assert.match(res.body, new RegExp(`more than one ${key}`));
    }
  });
});
