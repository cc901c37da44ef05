// MFA on the hosted pages, over HTTP against the whole broker: enrolment of an authenticator app during
// sign-in (MFA ON), its QR code drawn on our own page, recovery codes shown once and good once, the
// authenticator and e-mail prompts, and no code for the app before the second factor is proven.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AdminSetUserMFAPreferenceCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Secret, TOTP } from 'otpauth';
import { adminSdk } from '../support/admin.js';
import { Browser, formFields, unescapeHtml, type Response } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { storesUnderTest } from '../support/stores.js';
import { pkce, spaParams, submit, tokenRequest } from '../oauth/helpers.js';

const ON = 'local_UiMfaOn1';
const OPTIONAL = 'local_UiMfaOpt1';
const CB = 'http://127.0.0.1:5555/cb';
const pool = (id: string, mfa: string, factors: string, client: string) => `
  - Id: ${id}
    PoolName: Hosted MFA ${mfa}
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    MfaConfiguration: ${mfa}
${factors}
    Clients:
      - ClientId: ${client}
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email]
        ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH]`;
const CONFIG = `pools:${pool(ON, 'ON', '    SoftwareTokenMfaConfiguration: { Enabled: true }', 'onspa')}${pool(OPTIONAL, 'OPTIONAL', '    SoftwareTokenMfaConfiguration: { Enabled: true }\n    EmailMfaConfiguration: {}\n    Policies: { SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, EMAIL_OTP] } }', 'optspa')}
`;
const PASSWORD = 'a-long-enough-password';
const appCode = (secret: string, steps = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps * 30_000 });

const stores = storesUnderTest('uimfa');

for (const [storeName, env] of stores) describe(`MFA on the hosted pages, on ${storeName}`, () => {
  let broker: TestBroker;
  const { verifier, challenge } = pkce();
  const paramsOf = (client: string) => spaParams(challenge, { client_id: client });
  before(async () => {
    broker = await startTestBroker(CONFIG, env);
  });
  after(() => broker.close());

  /** Signs up and confirms on the hosted pages; the response to the confirmation. */
  async function signUpConfirmed(browser: Browser, poolId: string, client: string, email: string): Promise<Response> {
    const page = await browser.get(`${broker.issuer(poolId)}/signup?${new URLSearchParams(paramsOf(client))}`);
    let res = await submit(browser, broker, page, '/signup', { username: email, password: PASSWORD });
    res = await browser.follow(res, broker.url);
    return submit(browser, broker, res, '/confirmUser', { username: email, code: await broker.lastCode(email) });
  }
  async function logIn(browser: Browser, poolId: string, client: string, email: string): Promise<Response> {
    const page = await browser.get(`${broker.issuer(poolId)}/login?${new URLSearchParams(paramsOf(client))}`);
    return submit(browser, broker, page, '/login', { username: email, password: PASSWORD });
  }
  const codeOf = (res: Response) => {
    assert.equal(res.status, 303, res.body.slice(0, 500));
    assert.ok(res.location!.startsWith(`${CB}?code=`), res.location);
    return new URL(res.location!).searchParams.get('code')!;
  };

  it('enrols an authenticator app at sign-in when MFA is ON: QR code and key on our page, a wrong code refused, then ten recovery codes shown once', async () => {
    const browser = new Browser();
    const email = 'tom@example.com';
    const setup = await signUpConfirmed(browser, ON, 'onspa', email);
    assert.equal(setup.status, 200, 'no code for the app yet: the second factor comes first');
    assert.match(setup.body, /Set up your authenticator app/);
    assert.match(setup.body, /<div class="qr"><svg[^>]*>/, 'the QR code is an inline SVG');
    assert.doesNotMatch(setup.body, /(src|href)="https?:/, 'nothing loaded from outside');
    const secret = unescapeHtml(/<code id="totp-secret">([^<]+)<\/code>/.exec(setup.body)![1]!).replace(/ /g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);

    const wrong = await submit(browser, broker, setup, '/mfa', { code: appCode(secret) === '123456' ? '654321' : '123456' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body, /Invalid verification code/);
    assert.match(wrong.body, /Set up your authenticator app/, 'the same prompt, for another try');

    const done = await submit(browser, broker, wrong, '/mfa', { code: appCode(secret, -1) });
    assert.equal(done.status, 200);
    assert.match(done.body, /Save your recovery codes/);
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    const next = unescapeHtml(/<a class="idp" href="([^"]+)"/.exec(done.body)![1]!);
    assert.ok(next.startsWith(`${CB}?code=`));
    const tokens = await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'onspa', code: new URL(next).searchParams.get('code')!, redirect_uri: CB, code_verifier: verifier }, {}, ON);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));

    // A later sign-in asks for the app's code; a recovery code answers in its place, once.
    const later = new Browser();
    const prompt = await logIn(later, ON, 'onspa', email);
    assert.equal(prompt.status, 200);
    assert.match(prompt.body, /Enter your authenticator code/);
    const mails = broker.messageCount(email);
    codeOf(await submit(later, broker, prompt, '/mfa', { code: codes[0]!.toUpperCase() }));
    const notice = await broker.nextMessage(email, mails);
    assert.match(notice.subject, /recovery code was used/);
    assert.match(notice.body, /9 left/);

    const third = new Browser();
    const again = await logIn(third, ON, 'onspa', email);
    const reused = await submit(third, broker, again, '/mfa', { code: codes[0]! });
    assert.equal(reused.status, 400, 'a recovery code is good once');
    codeOf(await submit(third, broker, reused, '/mfa', { code: appCode(secret) }));
  });

  it('asks a user who turned e-mail MFA on for the code sent to their address', async () => {
    const email = 'eve@example.com';
    const first = await signUpConfirmed(new Browser(), OPTIONAL, 'optspa', email);
    codeOf(first); // OPTIONAL: no factor yet, no prompt
    const admin = adminSdk(broker.url);
    await admin.send(new AdminSetUserMFAPreferenceCommand({ UserPoolId: OPTIONAL, Username: email, EmailMfaSettings: { Enabled: true, PreferredMfa: true } }));
    admin.destroy();

    const browser = new Browser();
    const mails = broker.messageCount(email);
    const prompt = await logIn(browser, OPTIONAL, 'optspa', email);
    assert.equal(prompt.status, 200);
    assert.match(prompt.body, /We sent a code to e\*\*\*@e\*\*\*\.com/);
    const { fields } = formFields(prompt.body, '/mfa');
    assert.equal(fields.challenge, 'EMAIL_OTP');
    // The page's hidden fields are for showing it again; changing them proves nothing.
    const forged = await submit(browser, broker, prompt, '/mfa', { challenge: 'SOFTWARE_TOKEN_MFA', code: '000000' });
    assert.equal(forged.status, 400);
    codeOf(await submit(browser, broker, forged, '/mfa', { code: await broker.lastCode(email, mails) }));
  });

  it('signs in with an emailed code and no password ("Email me a sign-in code"), and answers an unknown name alike', async () => {
    const email = 'otto@example.com';
    codeOf(await signUpConfirmed(new Browser(), OPTIONAL, 'optspa', email));
    const browser = new Browser();
    const login = await browser.get(`${broker.issuer(OPTIONAL)}/login?${new URLSearchParams(paramsOf('optspa'))}`);
    assert.match(login.body, /Email me a sign-in code/);
    const mails = broker.messageCount(email);
    const prompt = await submit(browser, broker, login, '/loginCode', { username: email });
    assert.equal(prompt.status, 200);
    assert.match(prompt.body, /We sent a code to o\*\*\*@e\*\*\*\.com/);
    const code = await broker.lastCode(email, mails);
    const wrong = await submit(browser, broker, prompt, '/mfa', { code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 400);
    codeOf(await submit(browser, broker, wrong, '/mfa', { code }));

    const stranger = new Browser();
    const page = await stranger.get(`${broker.issuer(OPTIONAL)}/login?${new URLSearchParams(paramsOf('optspa'))}`);
    const fake = await submit(stranger, broker, page, '/loginCode', { username: 'nobody@example.com' });
    assert.equal(fake.status, 200);
    assert.match(fake.body, /We sent a code to \w\*\*\*@\w\*\*\*\.com/);
    assert.equal(broker.messageCount('nobody@example.com'), 0);
    assert.equal((await submit(stranger, broker, fake, '/mfa', { code })).status, 400);
    // A pool that does not offer it shows no such button.
    assert.doesNotMatch((await new Browser().get(`${broker.issuer(ON)}/login?${new URLSearchParams(paramsOf('onspa'))}`)).body, /Email me a sign-in code/);
  });

  it('lets a signed-in user set up an authenticator app, get recovery codes and turn a factor off on the settings page', async () => {
    const browser = new Browser();
    codeOf(await signUpConfirmed(browser, OPTIONAL, 'optspa', 'sid@example.com'));
    const settingsUrl = `${broker.issuer(OPTIONAL)}/mfaSettings`;
    assert.equal((await new Browser().get(settingsUrl)).status, 401, 'no session, no settings');
    let page = await browser.get(settingsUrl);
    assert.equal(page.status, 200, page.body.slice(0, 300));
    assert.match(page.body, /Authenticator app<\/strong>: off/);
    page = await submit(browser, broker, page, '/mfaSettings', { action: 'setupTotp' });
    assert.match(page.body, /<div class="qr"><svg/);
    const secret = unescapeHtml(/<code id="totp-secret">([^<]+)<\/code>/.exec(page.body)![1]!).replace(/ /g, '');
    const wrong = await submit(browser, broker, page, '/mfaSettings', { code: appCode(secret) === '123456' ? '654321' : '123456' });
    assert.equal(wrong.status, 400);
    page = await submit(browser, broker, wrong, '/mfaSettings', { action: 'setupTotp' });
    const again = unescapeHtml(/<code id="totp-secret">([^<]+)<\/code>/.exec(page.body)![1]!).replace(/ /g, '');
    const saved = await submit(browser, broker, page, '/mfaSettings', { code: appCode(again) });
    assert.match(saved.body, /Save your recovery codes/);
    assert.equal([...saved.body.matchAll(/<li><code>/g)].length, 10);
    page = await browser.get(settingsUrl);
    assert.match(page.body, /Authenticator app<\/strong>: on \(asked first\)/);
    assert.match(page.body, /10 recovery codes left/);
    // The next sign-in asks for the app's code.
    const later = new Browser();
    assert.match((await logIn(later, OPTIONAL, 'optspa', 'sid@example.com')).body, /Enter your authenticator code/);
    const off = await submit(browser, broker, page, '/mfaSettings', { action: 'disable', factor: 'SOFTWARE_TOKEN_MFA' });
    assert.match(off.body, /Authenticator app<\/strong>: off/);
    codeOf(await logIn(new Browser(), OPTIONAL, 'optspa', 'sid@example.com'));
    const forged = await new Browser().post(settingsUrl, { ...formFields(page.body, '/mfaSettings').fields, action: 'disable', factor: 'EMAIL_OTP' });
    assert.equal(forged.status, 403, 'another browser cannot post the form');
  });

  it('gives no code to a browser that skips the prompt: the MFA handle is its own cookie, and the pending sign-in opens no session', async () => {
    const browser = new Browser();
    const prompt = await logIn(browser, ON, 'onspa', 'tom@example.com');
    assert.equal(prompt.status, 200);
    assert.equal(browser.cookie('brk_session'), undefined, 'no hosted session before the second factor');
    const other = new Browser();
    await other.get(`${broker.issuer(ON)}/login?${new URLSearchParams(paramsOf('onspa'))}`);
    const stolen = await other.post(`${broker.issuer(ON)}/mfa`, { ...formFields(prompt.body, '/mfa').fields, code: '000000' });
    assert.equal(stolen.status, 403, "another browser's form is refused (CSRF)");
    const noHandle = await submit(other, broker, await other.get(`${broker.issuer(ON)}/login?${new URLSearchParams(paramsOf('onspa'))}`), '/login', { username: 'nobody@example.com', password: PASSWORD });
    assert.equal(noHandle.status, 400);
    const answered = await other.post(`${broker.issuer(ON)}/mfa`, { ...formFields(noHandle.body, '/login').fields, challenge: 'SOFTWARE_TOKEN_MFA', code: '000000' });
    assert.equal(answered.status, 400, 'an MFA answer without this browser’s handle');
    assert.match(answered.body, /This sign-in has expired/);
  });
});
