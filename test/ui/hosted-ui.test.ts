// The hosted pages (docs/security.md: "Sessions and single sign-on", "Nothing tells whether a user
// exists", "Passwords and lockout", "Cookies and CSRF"): headers, CSRF, session renewal, the same
// answer for unknown users and wrong passwords, the lockout under parallel guesses, and password
// reset revoking sessions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, formFields } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { FLOW_CONFIG, POOL, SPA_CB } from '../oauth/flow-config.js';
import { authorizeUrl, logIn, pkce, signUp, spaParams, submit, tokenRequest } from '../oauth/helpers.js';

describe('hosted UI', () => {
  let broker: TestBroker;
  const { verifier, challenge } = pkce();
  const params = spaParams(challenge);
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG);
    await signUp(broker, 'uma@example.com', 'uma-has-a-long-password');
  });
  after(() => broker.close());
  const loginUrl = () => `${broker.issuer(POOL)}/login?${new URLSearchParams(params)}`;

  it('sends the security headers and labelled fields, with no outside assets', async () => {
    const page = await new Browser().get(loginUrl());
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(page.body, /<label for="f-username">Email<\/label><input id="f-username" name="username"/);
    assert.match(page.body, /<label for="f-password">Password<\/label><input id="f-password" name="password" type="password"/);
    assert.match(page.body, /Flow test pool/);
    assert.match(page.body, /name="viewport"/);
    assert.doesNotMatch(page.body, /(src|href)="https?:/, 'nothing loaded from outside');
  });

  it('refuses posts without the CSRF token or from another site, and changes nothing', async () => {
    const browser = new Browser();
    const page = await browser.get(loginUrl());
    const { fields } = formFields(page.body, '/login');
    const creds = { username: 'uma@example.com', password: 'uma-has-a-long-password' };
    const noToken = await browser.post(`${broker.issuer(POOL)}/login`, { ...fields, _csrf: '', ...creds });
    assert.equal(noToken.status, 403);
    const crossSite = await browser.post(`${broker.issuer(POOL)}/login`, { ...fields, ...creds }, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    const fetchMeta = await browser.post(`${broker.issuer(POOL)}/login`, { ...fields, ...creds }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(fetchMeta.status, 403);
    const otherBrowser = new Browser();
    const forged = await otherBrowser.post(`${broker.issuer(POOL)}/login`, { ...fields, ...creds });
    assert.equal(forged.status, 403, 'a token from another browser is worthless');
    assert.equal(browser.cookie('brk_session'), undefined, 'no session was made');
  });

  it('renews the session id at sign-in and sets an HttpOnly, SameSite=Lax cookie', async () => {
    const browser = new Browser();
    browser.cookies.push({ name: 'brk_session', value: 'planted-by-an-attacker', path: `/${POOL}` });
    const res = await logIn(browser, broker, params, 'UMA@example.com', 'uma-has-a-long-password');
    assert.equal(res.status, 303);
    assert.ok(res.location!.startsWith(`${SPA_CB}?code=`));
    const set = res.headers.getSetCookie().find((c) => c.startsWith('brk_session=') && !c.startsWith('brk_session=;'))!;
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Lax/);
    assert.match(set, new RegExp(`Path=/${POOL}`));
    assert.match(set, /Max-Age=3600/);
    assert.notEqual(browser.cookie('brk_session'), 'planted-by-an-attacker');
  });

  it('answers an unknown user and a wrong password the same way', async () => {
    const unknown = await logIn(new Browser(), broker, params, 'nobody@example.com', 'whatever-password-1');
    const wrong = await logIn(new Browser(), broker, params, 'uma@example.com', 'not-her-password-1');
    assert.equal(unknown.status, 400);
    assert.equal(wrong.status, unknown.status);
    const message = (body: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(body)?.[1];
    assert.equal(message(unknown.body), 'Incorrect username or password.');
    assert.equal(message(wrong.body), message(unknown.body));
  });

  it('locks the account after five wrong passwords, even when twenty arrive at once', async () => {
    await signUp(broker, 'vic@example.com', 'vic-has-a-long-password');
    const guesses = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const res = await logIn(new Browser(), broker, params, 'vic@example.com', `wrong-guess-number-${i}`);
      return /<p class="error" role="alert">([^<]*)<\/p>/.exec(res.body)?.[1];
    }));
    assert.equal(guesses.filter((m) => m === 'Incorrect username or password.').length, 5, 'only five guesses were checked');
    assert.equal(guesses.filter((m) => m === 'Password attempts exceeded').length, 15);
    const user = await broker.store.users.findUserByAlias(POOL, 'email', 'vic@example.com');
    assert.equal(user?.failedSignIns, 5);
    const right = await logIn(new Browser(), broker, params, 'vic@example.com', 'vic-has-a-long-password');
    assert.equal(right.status, 400, 'even the right password waits for the lock to end');
    assert.match(right.body, /Password attempts exceeded/);
  });

  it('resets a forgotten password with the mailed code and revokes every session and refresh token', async () => {
    const { browser, callback } = await signUp(broker, 'wes@example.com', 'wes-has-a-long-password', params);
    const tokens = await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'spa', code: callback.searchParams.get('code')!, redirect_uri: SPA_CB, code_verifier: verifier });
    assert.equal(tokens.status, 200);

    const other = new Browser();
    let res = await other.get(`${broker.issuer(POOL)}/forgotPassword?${new URLSearchParams(params)}`);
    const sent = broker.messageCount('wes@example.com');
    res = await submit(other, broker, res, '/forgotPassword', { username: 'wes@example.com' });
    assert.equal(res.status, 303);
    res = await other.follow(res, broker.url);
    const code = await broker.lastCode('wes@example.com', sent);
    const weak = await submit(other, broker, res, '/confirmForgotPassword', { username: 'wes@example.com', code, password: 'password' });
    assert.equal(weak.status, 400, 'a common password is refused');
    res = await submit(other, broker, weak, '/confirmForgotPassword', { username: 'wes@example.com', code, password: 'wes-has-a-new-long-password' });
    assert.equal(res.status, 303);
    assert.match(res.location!, /\/login\?.*reset=1/);

    const refresh = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: String(tokens.json.refresh_token) });
    assert.equal(refresh.json.error, 'invalid_grant', 'refresh tokens are revoked after a reset');
    const silent = await browser.get(authorizeUrl(broker, { ...params, prompt: 'none' }));
    assert.equal(new URL(silent.location!).searchParams.get('error'), 'login_required', 'sessions are ended after a reset');
    assert.equal((await logIn(new Browser(), broker, params, 'wes@example.com', 'wes-has-a-long-password')).status, 400);
    assert.equal((await logIn(new Browser(), broker, params, 'wes@example.com', 'wes-has-a-new-long-password')).status, 303);
  });

  it('refuses a sign-up with a taken email or a weak password, with a readable message', async () => {
    const browser = new Browser();
    const page = await browser.get(`${broker.issuer(POOL)}/signup?${new URLSearchParams(params)}`);
    const taken = await submit(browser, broker, page, '/signup', { username: 'UMA@example.com', password: 'another-long-password' });
    assert.equal(taken.status, 400);
    assert.match(taken.body, /An account with the given email already exists\./);
    const weak = await submit(browser, broker, taken, '/signup', { username: 'xena@example.com', password: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.body, /Password did not conform with policy/);
    assert.match(weak.body, /value="xena@example.com"/, 'what the user typed is kept');
  });

  it('does not let an unconfirmed user in, and continues their sign-in once they confirm', async () => {
    const browser = new Browser();
    let page = await browser.get(`${broker.issuer(POOL)}/signup?${new URLSearchParams(params)}`);
    let res = await submit(browser, broker, page, '/signup', { username: 'yan@example.com', password: 'yan-has-a-long-password' });
    assert.equal(res.status, 303);
    const later = new Browser();
    res = await logIn(later, broker, params, 'yan@example.com', 'yan-has-a-long-password');
    assert.equal(res.status, 303);
    assert.match(res.location!, /\/confirmUser\?/);
    page = await later.follow(res, broker.url);
    const wrong = await submit(later, broker, page, '/confirmUser', { username: 'yan@example.com', code: '000000' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /Invalid verification code provided/);
    res = await submit(later, broker, wrong, '/confirmUser', { username: 'yan@example.com', code: await broker.lastCode('yan@example.com') });
    assert.equal(res.status, 303);
    assert.ok(res.location!.startsWith(`${SPA_CB}?code=`), 'the browser that proved the password goes on to the app');
    assert.ok(!broker.lastMessage('yan@example.com')!.subject.includes(await broker.lastCode('yan@example.com')));
  });
});
