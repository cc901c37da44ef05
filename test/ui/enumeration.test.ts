// Known and unknown users answer alike on every hosted page (issue 17 §2; docs/security.md, "Nothing
// tells whether a user exists"): the same status and message for a confirmed account and a name
// nobody has, also once the limits apply (they count per name as typed, whether or not it exists); a
// LEGACY client gets Cognito's older answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Response } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { FLOW_CONFIG, POOL, SPA_CB } from '../oauth/flow-config.js';
import { pkce, signUp, spaParams, submit } from '../oauth/helpers.js';

const KNOWN = 'known@example.com';
const PASSWORD = 'known-has-a-long-password';
const CONFIG = FLOW_CONFIG.replace('    Clients:', `    RateLimits: { SignUpsAndCodesPerSourceAddress: 1000 }
    Clients:
      - ClientId: legacy
        CallbackURLs: ["${SPA_CB}"]
        PreventUserExistenceErrors: LEGACY`);

const message = (res: Response) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(res.body)?.[1] ?? /<p class="notice" role="status">([^<]*)<\/p>/.exec(res.body)?.[1];

describe('hosted pages tell known and unknown users apart by nothing', () => {
  let broker: TestBroker;
  const params = spaParams(pkce().challenge);
  before(async () => {
    broker = await startTestBroker(CONFIG);
    await signUp(broker, KNOWN, PASSWORD);
  });
  after(() => broker.close());

  /** Opens `page` and posts its form to `action` with `values`; the answer as status + message + where it goes. */
  async function answer(page: string, action: string, values: Record<string, string>, p: Record<string, string> = params): Promise<string> {
    const browser = new Browser();
    const form = await browser.get(`${broker.issuer(POOL)}${page}?${new URLSearchParams(p)}`);
    assert.equal(form.status, 200, form.body);
    const res = await submit(browser, broker, form, action, values);
    const to = res.location ? new URL(res.location).pathname : '';
    return `${res.status} ${to} ${message(res) ?? ''}`;
  }
  const alike = async (page: string, action: string, values: (name: string) => Record<string, string>, note: string) => {
    const known = await answer(page, action, values(KNOWN));
    const unknown = await answer(page, action, values('ghost@example.com'));
    assert.equal(known, unknown, note);
    return known;
  };

  it('confirm page: a confirmed account answers as an unknown name, code and resend alike', async () => {
    const code = await alike('/confirmUser', '/confirmUser', (u) => ({ username: u, code: '123456' }), 'confirming');
    assert.match(code, /^400  Invalid verification code provided, please try again\.$/);
    const resend = await alike('/confirmUser', '/confirmUser', (u) => ({ username: u, resend: '1' }), 'sending a new code');
    assert.match(resend, /^200  If the account is waiting for confirmation, a new code is on its way\.$/);
  });

  it('confirm page: the fifth wrong code and after answer alike too', async () => {
    const tries = async (u: string) => {
      const out: string[] = [];
      for (let i = 0; i < 6; i++) out.push(await answer('/confirmUser', '/confirmUser', { username: u, code: '000000' }));
      return out;
    };
    await signUp(broker, 'confirmed@example.com', PASSWORD);
    const [known, unknown] = [await tries('confirmed@example.com'), await tries('nobody-at-all@example.com')];
    assert.deepEqual(known, unknown);
    assert.match(unknown[4]!, /Too many failed attempts/);
  });

  it('sign-in: after five wrong passwords both say "Password attempts exceeded", without hashing', async () => {
    const run = async (u: string) => {
      const out: string[] = [];
      for (let i = 0; i < 7; i++) out.push(await answer('/login', '/login', { username: u, password: `wrong password ${i}` }));
      return out;
    };
    const [known, unknown] = [await run(KNOWN), await run('nobody@example.com')];
    assert.deepEqual(known, unknown);
    assert.match(known[4]!, /Incorrect username or password\./);
    assert.match(known[5]!, /^400  Password attempts exceeded$/);
    // A name is counted as typed, after folding: the fullwidth form is the same name.
    assert.match(await answer('/login', '/login', { username: 'ｎｏｂｏｄｙ@example.com', password: 'x' }), /Password attempts exceeded/);
  });

  it('forgot password: the same answer, and the same limit per name as typed', async () => {
    const run = async (u: string) => {
      const out: string[] = [];
      for (let i = 0; i < 11; i++) out.push(await answer('/forgotPassword', '/forgotPassword', { username: u }));
      return out;
    };
    const [known, unknown] = [await run('limit@example.com'), await run('ghost-limit@example.com')];
    assert.deepEqual(known, unknown);
    assert.match(known[0]!, /^303 \/local_Flow1\/confirmForgotPassword $/);
    assert.match(known[10]!, /^429  Attempt limit exceeded/);
  });

  it('confirm forgot password: wrong codes answer alike, and so does the fifth', async () => {
    await alike('/forgotPassword', '/forgotPassword', (u) => ({ username: u }), 'asking for a code');
    const run = async (u: string) => {
      const out: string[] = [];
      for (let i = 0; i < 6; i++) out.push(await answer('/confirmForgotPassword', '/confirmForgotPassword', { username: u, code: '000000', password: 'a new long password' }));
      return out;
    };
    const [known, unknown] = [await run(KNOWN), await run('ghost@example.com')];
    assert.deepEqual(known, unknown);
    assert.match(known[0]!, /Invalid verification code/);
    assert.match(known[4]!, /Too many failed attempts/);
  });

  it('a LEGACY client gets Cognito’s older answers', async () => {
    const legacy = spaParams(pkce().challenge, { client_id: 'legacy' });
    assert.match(await answer('/login', '/login', { username: 'stranger@example.com', password: 'whatever it is' }, legacy), /User does not exist\./);
    assert.match(await answer('/confirmUser', '/confirmUser', { username: KNOWN, code: '123456' }, legacy), /Current status is CONFIRMED/);
  });
});
