// One real browser (Debian's Chromium through playwright-core) through the hosted pages: sign up, read
// the code from the outbox, confirm, and land on the app's redirect URI with a code.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { after, before, describe, it, test } from 'node:test';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { pkce } from '../oauth/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_PORT = 5599;
const CALLBACK = `http://127.0.0.1:${APP_PORT}/callback`;

const CONFIG = `
pools:
  - Id: local_Browser1
    PoolName: Browser test pool
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Clients:
      - ClientId: app
        CallbackURLs: ["${CALLBACK}"]
        AllowedOAuthScopes: [openid, email]
`;

if (!existsSync(CHROMIUM)) {
  const why = `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium): the browser test did not run`;
  console.log(`# SKIPPED ${why}`);
  if (process.env.CI) throw new Error(why);
  test('hosted UI in a real browser', { skip: why }, () => {});
} else {
  describe('hosted UI in a real browser', () => {
    let broker: TestBroker;
    const app = createServer((req, res) => res.end(`app received ${req.url}`));
    before(async () => {
      broker = await startTestBroker(CONFIG);
      app.listen(APP_PORT, '127.0.0.1');
      await once(app, 'listening');
    });
    after(async () => {
      app.close();
      await broker.close();
    });

    it('signs up, confirms with the mailed code, signs in and lands on the app with a code', async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
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
        await page.getByRole('button', { name: 'Sign up' }).click();
        await page.waitForURL(/\/confirmUser/, { timeout: 10_000 });
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
