// Passkeys in a real browser: Debian's Chromium (playwright-core) with the DevTools protocol's virtual
// authenticator registers a passkey and signs in with it through the API (StartWebAuthnRegistration,
// CompleteWebAuthnRegistration, USER_AUTH's WEB_AUTHN), the browser's own navigator.credentials doing
// the WebAuthn side from the app's origin; and the same through Amplify JS v6's own associateWebAuthnCredential
// and signIn (bundled for the browser by esbuild). A passkey used from an origin the pool does not allow is
// refused. On SQLite, and on MongoDB when MONGODB_URI is set.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, describe, it, test } from 'node:test';
import {
  CognitoIdentityProviderClient, CompleteWebAuthnRegistrationCommand, ConfirmSignUpCommand, InitiateAuthCommand, RespondToAuthChallengeCommand,
  SignUpCommand, StartWebAuthnRegistrationCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { Browser, Page } from 'playwright-core';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { storesUnderTest } from '../support/stores.js';
import { refused } from '../support/refused.js';
import { pkce } from '../oauth/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_PORT = 5601;
const OTHER_PORT = 5602;
const POOL = 'local_PasskeyUi1';
const PASSWORD = 'correct horse battery staple';
// The RP id is `localhost` (WebAuthn takes no IP address), the app's origin http://localhost:5601.
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Passkeys in a browser
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    WebAuthnConfiguration: { RelyingPartyId: localhost, UserVerification: required }
    Policies:
      SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, WEB_AUTHN] }
    Clients:
      - ClientId: web
        CallbackURLs: ["http://localhost:${APP_PORT}/cb"]
        AllowedOAuthScopes: [openid, email, aws.cognito.signin.user.admin]
        ExplicitAuthFlows: [ALLOW_USER_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

const HOSTED_POOL = 'local_PasskeyUi2';
const HOSTED_CONFIG = `
pools:
  - Id: ${HOSTED_POOL}
    PoolName: Hosted passkeys
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Policies:
      SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, WEB_AUTHN] }
    Clients:
      - ClientId: hosted
        CallbackURLs: ["http://localhost:${APP_PORT}/cb"]
        AllowedOAuthScopes: [openid, email]
`;

if (!existsSync(CHROMIUM)) {
  const why = `no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium): the passkey browser test did not run`;
  console.log(`# SKIPPED ${why}`);
  if (process.env.CI) throw new Error(why);
  test('passkeys in a real browser', { skip: why }, () => {});
} else {
  for (const [storeName, env] of storesUnderTest('pkui')) describe(`passkeys in a real browser (Chromium, virtual authenticator), on ${storeName}`, () => {
    let broker: TestBroker;
    let sdk: CognitoIdentityProviderClient;
    let browser: Browser;
    let page: Page;
    let amplifyBundle = '';
    // The app: a blank page, and at /amplify.js Amplify JS v6 (aws-amplify, unchanged) bundled for the browser.
    const apps = [APP_PORT, OTHER_PORT].map(() => createServer((req, res) => {
      if (req.url === '/amplify.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(amplifyBundle);
      res.end(`<!doctype html><title>app</title><p>app</p>${req.url === '/amplify' ? '<script src="/amplify.js"></script>' : ''}`);
    }));
    before(async () => {
      const { build } = await import('esbuild');
      const out = await build({
        stdin: { contents: "import { Amplify } from 'aws-amplify'; import * as auth from 'aws-amplify/auth'; window.amplify = { Amplify, ...auth };", resolveDir: process.cwd() },
        bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent', define: { global: 'window' },
      });
      amplifyBundle = out.outputFiles[0]!.text;
      broker = await startTestBroker(CONFIG, env);
      sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      apps[0]!.listen(APP_PORT, '127.0.0.1');
      apps[1]!.listen(OTHER_PORT, '127.0.0.1');
      await Promise.all(apps.map((a) => once(a, 'listening')));
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      page = await browser.newPage();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable');
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      });
    });
    after(async () => {
      await browser?.close();
      sdk.destroy();
      await Promise.all(apps.map((a) => new Promise((r) => a.close(r))));
      await broker.close();
    });

    /** navigator.credentials.create in the page, from the broker's creation options (a JSON document); the credential's JSON. */
    const create = (options: unknown) => page.evaluate(async (o) => {
      const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(o as PublicKeyCredentialCreationOptionsJSON);
      return ((await navigator.credentials.create({ publicKey })) as PublicKeyCredential).toJSON();
    }, options);
    /** navigator.credentials.get in the page, from CREDENTIAL_REQUEST_OPTIONS (a JSON string); CREDENTIAL. */
    const get = (options: string) => page.evaluate(async (o) => {
      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(o) as PublicKeyCredentialRequestOptionsJSON);
      return JSON.stringify(((await navigator.credentials.get({ publicKey })) as PublicKeyCredential).toJSON());
    }, options);

    it('adds a passkey on the hosted settings page and signs in with it on the hosted sign-in page, its script allowed by the CSP', async () => {
      const hosted = await startTestBroker(HOSTED_CONFIG, { ...env, PUBLIC_URL: 'http://localhost:{port}' });
      try {
        const issuer = hosted.issuer(HOSTED_POOL);
        assert.ok(issuer.startsWith('http://localhost:'));
        const email = 'hal@example.com';
        const { challenge } = pkce();
        const authorize = new URLSearchParams({ response_type: 'code', client_id: 'hosted', redirect_uri: `http://localhost:${APP_PORT}/cb`, scope: 'openid email', state: 's1', code_challenge: challenge, code_challenge_method: 'S256' });
        const cspErrors: string[] = [];
        page.on('console', (m) => m.type() === 'error' && /Content Security Policy/i.test(m.text()) && cspErrors.push(m.text()));

        // Sign up and confirm on the hosted pages; the app gets its code.
        await page.goto(`${issuer}/signup?${authorize}`);
        await page.fill('#f-username', email);
        await page.fill('#f-password', PASSWORD);
        await Promise.all([page.waitForURL(/confirmUser/), page.click('button[type=submit]')]);
        await page.fill('#f-code', await hosted.lastCode(email));
        await Promise.all([page.waitForURL(new RegExp(`localhost:${APP_PORT}/cb`)), page.click('button[type=submit]')]);

        // Add a passkey on the settings page: the page's own script runs navigator.credentials.create.
        await page.goto(`${issuer}/mfaSettings`);
        await page.getByRole('button', { name: 'Add a passkey' }).click();
        await page.waitForSelector('#passkey-form');
        await Promise.all([page.waitForSelector('text=Passkey added.'), page.getByRole('button', { name: 'Create the passkey' }).click()]);
        assert.match(await page.content(), /Remove this passkey/);

        // A new browser context (no session): sign in with the passkey alone.
        await page.context().clearCookies();
        await page.goto(`${issuer}/login?${authorize}`);
        await page.fill('#f-passkey-username', email);
        await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
        await page.waitForSelector('#passkey-form');
        await Promise.all([page.waitForURL(new RegExp(`localhost:${APP_PORT}/cb\\?code=`)), page.getByRole('button', { name: 'Use my passkey' }).click()]);
        assert.equal(new URL(page.url()).searchParams.get('state'), 's1');
        assert.deepEqual(cspErrors, [], 'the script ran under the CSP, nothing was blocked');
      } finally {
        await hosted.close();
      }
    });

    it("registers a passkey with Amplify's own associateWebAuthnCredential and signs in with it (signIn USER_AUTH, WEB_AUTHN) in the browser", async () => {
      const email = 'amp@example.com';
      await sdk.send(new SignUpCommand({ ClientId: 'web', Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
      await sdk.send(new ConfirmSignUpCommand({ ClientId: 'web', Username: email, ConfirmationCode: await broker.lastCode(email) }));
      await page.goto(`http://localhost:${APP_PORT}/amplify`);
      await page.waitForFunction(() => 'amplify' in window);
      const result = await page.evaluate(async ({ url, pool, email, password }) => {
        const a = (window as unknown as { amplify: Record<string, (...args: unknown[]) => Promise<unknown>> & { Amplify: { configure(c: unknown): void } } }).amplify;
        a.Amplify.configure({ Auth: { Cognito: { userPoolId: pool, userPoolClientId: 'web', userPoolEndpoint: url } } });
        const first = await a.signIn!({ username: email, password });
        await a.associateWebAuthnCredential!();
        const listed = (await a.listWebAuthnCredentials!()) as { credentials: { credentialId?: string }[] };
        await a.signOut!();
        const second = await a.signIn!({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } });
        const user = (await a.getCurrentUser!()) as { signInDetails: unknown };
        return { first, listed: listed.credentials.length, second, details: user.signInDetails };
      }, { url: broker.url, pool: POOL, email, password: PASSWORD });
      assert.deepEqual(result.first, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      assert.equal(result.listed, 1);
      assert.deepEqual(result.second, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      assert.deepEqual(result.details, { loginId: email, authFlowType: 'USER_AUTH' });
    });

    it('registers a passkey in the browser and signs in with it alone, and refuses it from an origin the pool does not allow', async () => {
      const email = 'ada@example.com';
      await sdk.send(new SignUpCommand({ ClientId: 'web', Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
      await sdk.send(new ConfirmSignUpCommand({ ClientId: 'web', Username: email, ConfirmationCode: await broker.lastCode(email) }));
      const access = (await sdk.send(new InitiateAuthCommand({ ClientId: 'web', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }))).AuthenticationResult!.AccessToken!;

      await page.goto(`http://localhost:${APP_PORT}/`);
      const start = await sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: access }));
      const credential = await create(start.CredentialCreationOptions);
      await sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: access, Credential: credential as never }));

      const signIn = () => sdk.send(new InitiateAuthCommand({ ClientId: 'web', AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'WEB_AUTHN' } }));
      const answer = (session: string | undefined, CREDENTIAL: string) =>
        sdk.send(new RespondToAuthChallengeCommand({ ClientId: 'web', ChallengeName: 'WEB_AUTHN', Session: session, ChallengeResponses: { USERNAME: email, CREDENTIAL } }));
      let c = await signIn();
      assert.equal(c.ChallengeName, 'WEB_AUTHN');
      const done = await answer(c.Session, await get(c.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!));
      assert.ok(done.AuthenticationResult?.AccessToken, 'signed in with the passkey');

      // The same passkey (RP id localhost) from another origin: the browser signs, the broker refuses.
      await page.goto(`http://localhost:${OTHER_PORT}/`);
      c = await signIn();
      const elsewhere = await refused(answer(c.Session, await get(c.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!)));
      assert.equal(elsewhere.name, 'WebAuthnOriginNotAllowedException');
    });
  });
}
