// One real browser (Debian's Chromium through playwright-core) through the hosted pages: sign up, read
// the code from the outbox, confirm, and land on the app's redirect URI with a code.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { after, before, describe, it, test } from 'node:test';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { pkce } from '../oauth/helpers.js';
import { startOidcFake, type OidcFake } from '../fakes/oidc-provider.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_PORT = 5599;
const CALLBACK = `http://127.0.0.1:${APP_PORT}/callback`;

// Apple's authorize page is reached as `localhost` and the broker as 127.0.0.1: two sites, so Apple's
// form post back to the broker is cross-site, as in production, and SameSite=Lax cookies stay home.
const config = (apple: OidcFake) => `
pools:
  - Id: local_Browser1
    PoolName: Browser test pool
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Clients:
      - ClientId: app
        CallbackURLs: ["${CALLBACK}"]
        AllowedOAuthScopes: [openid, email]
        SupportedIdentityProviders: [COGNITO, SignInWithApple]
    IdentityProviders:
      - ProviderName: SignInWithApple
        ProviderType: SignInWithApple
        ProviderDetails: ${JSON.stringify({ ...apple.details(), authorize_url: apple.details().authorize_url!.replace('127.0.0.1', 'localhost') })}
        AttributeMapping: { email: email, email_verified: email_verified, given_name: given_name }
`;

if (!existsSync(CHROMIUM)) {
  const why = `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium): the browser test did not run`;
  console.log(`# SKIPPED ${why}`);
  if (process.env.CI) throw new Error(why);
  test('hosted UI in a real browser', { skip: why }, () => {});
} else {
  describe('hosted UI in a real browser', () => {
    let broker: TestBroker;
    let apple: OidcFake;
    const app = createServer((req, res) => res.end(`app received ${req.url}`));
    before(async () => {
      apple = await startOidcFake({ clientId: 'com.example.web', apple: {} });
      broker = await startTestBroker(config(apple));
      app.listen(APP_PORT, '127.0.0.1');
      await once(app, 'listening');
    });
    after(async () => {
      app.close();
      await broker.close();
      await apple.close();
    });

    const launch = async () => {
      const { chromium } = await import('playwright-core');
      return chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    };

    it("signs in with Apple: its cross-site form post reaches the broker and the app gets a code", async () => {
      const browser = await launch();
      try {
        apple.setUser({ sub: '000777.browser', email: 'apple-user@privaterelay.example', email_verified: 'true', given_name: 'Grace' });
        const page = await browser.newPage();
        const callbacks: string[] = [];
        page.on('response', (r) => r.url().includes('/oauth2/idpresponse') && callbacks.push(`${r.request().method()} ${r.status()}`));
        const { challenge } = pkce();
        const authorize = `${broker.issuer('local_Browser1')}/oauth2/authorize?${new URLSearchParams({
          response_type: 'code', client_id: 'app', redirect_uri: CALLBACK, scope: 'openid email', state: 'apple-state', code_challenge: challenge, code_challenge_method: 'S256',
        })}`;
        await page.goto(authorize);
        await Promise.all([page.waitForURL(/127\.0\.0\.1:5599\/callback/), page.getByRole('link', { name: 'Sign in with Apple' }).click()]);
        const landed = new URL(page.url());
        assert.equal(landed.searchParams.get('state'), 'apple-state');
        assert.match(landed.searchParams.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/);
        const user = await broker.store.users.findUserByUsername('local_Browser1', 'SignInWithApple_000777.browser');
        assert.equal(user?.attributes.given_name, 'Grace');
        assert.ok(apple.requests.some((r) => r.path.endsWith('/authorize') && r.headers.host?.startsWith('localhost')), 'Apple was reached as another site');
        // The cross-site post came without the binding cookie and was continued as a top-level GET.
        assert.deepEqual(callbacks, ['POST 303', 'GET 302']);
      } finally {
        await browser.close();
      }
    });

    it('signs up, confirms with the mailed code, signs in and lands on the app with a code', async () => {
      const browser = await launch();
      try {
        const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
        const { challenge } = pkce();
        const authorize = `${broker.issuer('local_Browser1')}/oauth2/authorize?${new URLSearchParams({
          response_type: 'code', client_id: 'app', redirect_uri: CALLBACK, scope: 'openid email', state: 'browser-state', code_challenge: challenge, code_challenge_method: 'S256',
        })}`;
        await page.goto(authorize);
        assert.match(await page.title(), /Sign in · Browser test pool/);
        await page.getByRole('link', { name: 'Create an account' }).click();
        await page.getByLabel('Email').fill('pat@example.com');
        await page.getByLabel('Password').fill('pat-has-a-long-password');
        await Promise.all([page.waitForURL(/\/confirmUser/), page.getByRole('button', { name: 'Sign up' }).click()]);
        await page.getByLabel('Verification code').fill(await broker.lastCode('pat@example.com'));
        await Promise.all([page.waitForURL(/127\.0\.0\.1:5599\/callback/), page.getByRole('button', { name: 'Confirm account' }).click()]);
        const landed = new URL(page.url());
        assert.equal(landed.searchParams.get('state'), 'browser-state');
        assert.match(landed.searchParams.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/);

        // The session carries: a new authorization goes straight back to the app.
        await Promise.all([page.waitForURL(/127\.0\.0\.1:5599\/callback/), page.goto(authorize)]);
        assert.ok(new URL(page.url()).searchParams.get('code'));
        // And the pages fit a phone: the form is no wider than the screen.
        await page.goto(`${broker.issuer('local_Browser1')}/login?${new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: CALLBACK, code_challenge: challenge, code_challenge_method: 'S256' })}`);
        const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
        assert.ok(width <= 390, `page is ${width}px wide`);
      } finally {
        await browser.close();
      }
    });
  });
}
