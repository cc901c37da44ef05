// CSRF tokens bound to the browser (issue 17 §7): a form's token is an HMAC over this browser's secret,
// so a planted cookie-and-value pair and a token copied from another browser are refused; under https
// every cookie is `__Host-` (Secure, Path=/, no Domain).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Browser, formFields } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { FLOW_CONFIG, POOL } from '../oauth/flow-config.js';
import { pkce, signUp, spaParams } from '../oauth/helpers.js';

const EMAIL = 'csrf@example.com';
const PASSWORD = 'csrf-has-a-long-password';

describe('CSRF tokens', () => {
  let broker: TestBroker;
  const params = spaParams(pkce().challenge);
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG);
    await signUp(broker, EMAIL, PASSWORD);
  });
  after(() => broker.close());
  const loginUrl = () => `${broker.issuer(POOL)}/login?${new URLSearchParams(params)}`;
  const creds = { username: EMAIL, password: PASSWORD };

  it('accepts the token of the browser that got the form', async () => {
    const browser = new Browser();
    const { fields } = formFields((await browser.get(loginUrl())).body, '/login');
    assert.notEqual(fields._csrf, browser.cookie('brk_csrf'), 'the form token is not the cookie value');
    assert.equal((await browser.post(`${broker.issuer(POOL)}/login`, { ...fields, ...creds })).status, 303);
  });

  it('refuses a planted cookie with a matching form value', async () => {
    const attacker = new Browser();
    const planted = 'A'.repeat(43);
    attacker.cookies.push({ name: 'brk_csrf', value: planted, path: `/${POOL}` });
    const { fields } = formFields((await new Browser().get(loginUrl())).body, '/login');
    const res = await attacker.post(`${broker.issuer(POOL)}/login`, { ...fields, _csrf: planted, ...creds });
    assert.equal(res.status, 403);
    assert.equal(attacker.cookie('brk_session'), undefined, 'no session');
  });

  it('refuses a token copied from another browser', async () => {
    const victim = new Browser();
    await victim.get(loginUrl());
    const { fields } = formFields((await new Browser().get(loginUrl())).body, '/login');
    const res = await victim.post(`${broker.issuer(POOL)}/login`, { ...fields, ...creds });
    assert.equal(res.status, 403);
  });
});

describe('cookies under https', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG.replace(/http:\/\/127\.0\.0\.1:5555/g, 'https://app.example'), { PUBLIC_URL: 'https://login.example' });
  });
  after(() => broker.close());

  it('are __Host- cookies: Secure, Path=/, no Domain, one set per pool', async () => {
    const q = new URLSearchParams({ ...spaParams(pkce().challenge), redirect_uri: 'https://app.example/cb' });
    const { port } = broker.server.address() as AddressInfo; // the public URL is https; the test talks to the socket
    const res = await fetch(`http://127.0.0.1:${port}/${POOL}/login?${q}`);
    assert.equal(res.status, 200, await res.text());
    const set = res.headers.getSetCookie();
    assert.ok(set.length > 0);
    for (const c of set) {
      assert.match(c, new RegExp(`^__Host-brk_\\w+-${POOL}=`), c);
      assert.match(c, /; Path=\/;/);
      assert.match(c, /; Secure/);
      assert.doesNotMatch(c, /Domain=/i);
    }
  });
});
