// Floods (issue 17 §3, §4): a burst of password attempts beyond what the hashing queue holds is answered
// at once with "too many requests" while token refreshes keep working; sign-ups (and the mail they send)
// are limited per source address, and one over the limit creates no user and sends nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordGate } from '../../src/native/passwords.js';
import { Browser, formFields } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { FLOW_CONFIG, POOL, SPA_CB } from '../oauth/flow-config.js';
import { pkce, signUp, spaParams, submit, tokenRequest } from '../oauth/helpers.js';

describe('a password flood', () => {
  let broker: TestBroker;
  const { verifier, challenge } = pkce();
  const params = spaParams(challenge);
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG);
  });
  after(() => broker.close());

  it('is refused with 429 beyond the hashing queue, and refreshes still succeed meanwhile', async () => {
    const { callback } = await signUp(broker, 'flood@example.com', 'flood-has-a-long-password', params);
    const tokens = await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'spa', code: callback.searchParams.get('code')!, redirect_uri: SPA_CB, code_verifier: verifier });
    const refreshToken = String(tokens.json.refresh_token);

    const browser = new Browser();
    const page = await browser.get(`${broker.issuer(POOL)}/login?${new URLSearchParams(params)}`);
    const { action, fields } = formFields(page.body, '/login');
    const n = 4 * (passwordGate.concurrency + passwordGate.maxQueued);
    const flood = Array.from({ length: n }, (_, i) => browser.post(`${broker.url}${action}`, { ...fields, username: `nobody-${i}@example.com`, password: `guess number ${i}` }));
    const refreshes = Array.from({ length: 5 }, () => tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refreshToken }));
    const answers = await Promise.all(flood);
    for (const r of await Promise.all(refreshes)) assert.equal(r.status, 200, 'token refreshes are not turned away');

    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 400 || s === 429), `only wrong-password and too-many answers: ${[...new Set(statuses)]}`);
    const refused = answers.filter((r) => r.status === 429);
    assert.ok(refused.length > 0, 'some attempts were turned away');
    assert.ok(refused.length < n, 'and the queue still served some');
    assert.match(refused[0]!.body, /Too many requests\. Try again in a moment\./);
    const failures = await broker.store.audit.list(POOL, { type: 'sign_in.failure', limit: 1000 });
    assert.equal(failures.length, n - refused.length, 'a refused attempt was not counted or checked');
  });
});

describe('sign-ups from one address', () => {
  let broker: TestBroker;
  const params = spaParams(pkce().challenge);
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG.replace('    Clients:', '    RateLimits: { SignUpsAndCodesPerSourceAddress: 5, WindowSeconds: 600 }\n    Clients:'));
  });
  after(() => broker.close());

  it('stop at the limit: no user is created and no message is sent beyond it', async () => {
    const signUpAs = async (email: string) => {
      const browser = new Browser();
      const page = await browser.get(`${broker.issuer(POOL)}/signup?${new URLSearchParams(params)}`);
      return submit(browser, broker, page, '/signup', { username: email, password: 'a long enough password' });
    };
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await signUpAs(`victim+${i}@example.com`));
    assert.deepEqual(results.map((r) => r.status), [303, 303, 303, 303, 303, 429, 429, 429]);
    assert.match(results[5]!.body, /Attempt limit exceeded/);
    for (let i = 0; i < 8; i++) {
      const user = await broker.store.users.findUserByAlias(POOL, 'email', `victim+${i}@example.com`);
      assert.equal(!!user, i < 5, `victim+${i}`);
    }
    await broker.lastCode('victim+4@example.com'); // the five that were made got their codes
    for (let i = 5; i < 8; i++) assert.equal(broker.messageCount(`victim+${i}@example.com`), 0, 'nothing sent beyond the limit');
    // Code requests count against the same limit: a resend from that address is refused too.
    const browser = new Browser();
    const page = await browser.get(`${broker.issuer(POOL)}/confirmUser?${new URLSearchParams(params)}`);
    const resend = await submit(browser, broker, page, '/confirmUser', { username: 'victim+0@example.com', resend: '1' });
    assert.equal(resend.status, 429);
  });
});
