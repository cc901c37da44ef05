// MFA through an unchanged Amplify JS v6 app (setUpTOTP, verifyTOTPSetup, updateMFAPreference,
// fetchMFAPreference, confirmSignIn) and the AWS SDK, against the whole broker over HTTP, on SQLite
// and (when MONGODB_URI is set, as CI sets it) on MongoDB. The authenticator app is otpauth, an
// independent RFC 6238 implementation; SMS and e-mail codes are read from the broker's outbox.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  AdminInitiateAuthCommand, CognitoIdentityProviderClient, GetUserCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import {
  confirmSignIn, confirmSignUp, fetchAuthSession, fetchMFAPreference, setUpTOTP, signIn, signOut, signUp, updateMFAPreference, verifyTOTPSetup,
} from 'aws-amplify/auth';
import { Secret, TOTP } from 'otpauth';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { storesUnderTest } from '../support/stores.js';
import { ADMIN_KEY } from '../support/admin.js';
import { refused } from '../support/refused.js';

const PASSWORD = 'correct horse battery staple';
const OPTIONAL = 'local_MfaOpt1';
const REQUIRED = 'local_MfaOn1';
const clientOf = (poolId: string) => (poolId === OPTIONAL ? 'optional' : 'required');
const config = (id: string, mfa: 'OPTIONAL' | 'ON', factors: string) => `
  - Id: ${id}
    PoolName: Mfa${mfa}
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    MfaConfiguration: ${mfa}
${factors}
    Clients:
      - ClientId: ${clientOf(id)}
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;
const ALL_FACTORS = `    SoftwareTokenMfaConfiguration: { Enabled: true }
    SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your sign-in code: {####}' }
    EmailMfaConfiguration: { Subject: 'Your sign-in code', Message: 'Your sign-in code is {####}.' }`;
const CONFIG = `pools:${config(OPTIONAL, 'OPTIONAL', ALL_FACTORS)}${config(REQUIRED, 'ON', '    SoftwareTokenMfaConfiguration: { Enabled: true }')}`;

/** The user's authenticator app: the code for now, or for the step before or after (the broker's window). */
const appCode = (secret: string, steps = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps * 30_000 });

const stores = storesUnderTest('mfa');

for (const [storeName, env] of stores) {
  describe(`MFA through Amplify JS v6 and the AWS SDK, on ${storeName}`, () => {
    let broker: TestBroker;
    let sdk: CognitoIdentityProviderClient;
    let n = 0;
    const fresh = (name: string) => `${name}.${++n}@example.com`;
    const use = (poolId: string) => Amplify.configure({ Auth: { Cognito: { userPoolId: poolId, userPoolClientId: clientOf(poolId), userPoolEndpoint: broker.url } } });

    before(async () => {
      broker = await startTestBroker(CONFIG, env);
      sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: ADMIN_KEY });
      use(OPTIONAL);
    });
    afterEach(async () => {
      await signOut();
      use(OPTIONAL);
    });
    after(async () => {
      sdk.destroy();
      await broker.close();
    });

    async function newUser(email: string, attributes: Record<string, string> = {}): Promise<void> {
      await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email, ...attributes } } });
      await confirmSignUp({ username: email, confirmationCode: await broker.lastCode(email) });
    }
    /** A signed-in user with an authenticator app enrolled the way Amplify's docs show; its secret. */
    async function withApp(email: string): Promise<string> {
      await newUser(email);
      assert.deepEqual(await signIn({ username: email, password: PASSWORD }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } }, 'no MFA before a factor is set up');
      const setup = await setUpTOTP();
      assert.match(setup.sharedSecret, /^[A-Z2-7]{32}$/);
      assert.match(setup.getSetupUri('Broker', email).toString(), /^otpauth:\/\/totp\//);
      // The step before now: this moment's code and the next step's stay unused for the sign-ins that follow.
      await verifyTOTPSetup({ code: appCode(setup.sharedSecret, -1) });
      await updateMFAPreference({ totp: 'PREFERRED' });
      assert.deepEqual(await fetchMFAPreference(), { enabled: ['TOTP'], preferred: 'TOTP' });
      await signOut();
      return setup.sharedSecret;
    }
    const sdkSignIn = (poolId: string, email: string): Promise<InitiateAuthCommandOutput> =>
      sdk.send(new InitiateAuthCommand({ ClientId: clientOf(poolId), AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }));

    it('enrols an authenticator app (setUpTOTP, verifyTOTPSetup, updateMFAPreference) and asks for its code at every sign-in after', async () => {
      const email = fresh('tia');
      const secret = await withApp(email);
      const r = await signIn({ username: email, password: PASSWORD });
      assert.deepEqual(r, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' } });
      const wrong = await refused(confirmSignIn({ challengeResponse: '000000' === appCode(secret) ? '111111' : '000000' }));
      assert.equal(wrong.name, 'CodeMismatchException');
      // The same Session takes another try, as Cognito's does.
      assert.deepEqual(await confirmSignIn({ challengeResponse: appCode(secret) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      const { tokens } = await fetchAuthSession();
      const me = await sdk.send(new GetUserCommand({ AccessToken: tokens!.accessToken.toString() }));
      assert.deepEqual([me.UserMFASettingList, me.PreferredMfaSetting], [['SOFTWARE_TOKEN_MFA'], 'SOFTWARE_TOKEN_MFA']);
    });

    it('takes each TOTP code once: the code that signed in is refused at the next sign-in, a neighbouring step is not', async () => {
      const email = fresh('uma');
      const secret = await withApp(email);
      const used = appCode(secret);
      const next = appCode(secret, 1);
      const first = await sdkSignIn(OPTIONAL, email);
      assert.equal(first.ChallengeName, 'SOFTWARE_TOKEN_MFA');
      const ok = await sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientOf(OPTIONAL), ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: first.Session, ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: used } }));
      assert.ok(ok.AuthenticationResult?.AccessToken);
      const second = await sdkSignIn(OPTIONAL, email);
      const again = await refused(sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientOf(OPTIONAL), ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: second.Session, ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: used } })));
      assert.equal(again.name, 'CodeMismatchException');
      const fine = await sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientOf(OPTIONAL), ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: second.Session, ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: next } }));
      assert.ok(fine.AuthenticationResult?.AccessToken, 'the next step’s code, with the Session the wrong code left open');
    });

    it('sends SMS codes (SMS_MFA) to the phone and e-mail codes (EMAIL_OTP) to the address, masked in the challenge', async () => {
      const email = fresh('sam');
      const phone = `+1555${String(1000000 + n).slice(-7)}`;
      await newUser(email, { phone_number: phone });
      await signIn({ username: email, password: PASSWORD });
      await updateMFAPreference({ sms: 'PREFERRED' });
      assert.deepEqual(await fetchMFAPreference(), { enabled: ['SMS'], preferred: 'SMS' });
      await signOut();

      const before = broker.messageCount(phone);
      const r = await signIn({ username: email, password: PASSWORD });
      assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_SMS_CODE');
      if (r.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_SMS_CODE') {
        assert.equal(r.nextStep.codeDeliveryDetails?.deliveryMedium, 'SMS');
        assert.equal(r.nextStep.codeDeliveryDetails?.destination, `+${'*'.repeat(phone.length - 5)}${phone.slice(-4)}`);
      }
      const sms = await broker.nextMessage(phone, before);
      assert.equal(sms.channel, 'sms');
      assert.match(sms.body, /^Your sign-in code: \d{6}$/);
      assert.deepEqual(await confirmSignIn({ challengeResponse: await broker.lastCode(phone, before) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });

      await updateMFAPreference({ sms: 'DISABLED', email: 'PREFERRED' });
      await signOut();
      const mails = broker.messageCount(email);
      const e = await signIn({ username: email, password: PASSWORD });
      assert.equal(e.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
      const mail = await broker.nextMessage(email, mails);
      assert.equal(mail.subject, 'Your sign-in code');
      const code = await broker.lastCode(email, mails);
      assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      await signOut();

      // A code is good once: the next sign-in's challenge does not take it.
      const next = await sdkSignIn(OPTIONAL, email);
      assert.equal(next.ChallengeName, 'EMAIL_OTP');
      const reused = await refused(sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientOf(OPTIONAL), ChallengeName: 'EMAIL_OTP', Session: next.Session, ChallengeResponses: { USERNAME: email, EMAIL_OTP_CODE: code === (await broker.lastCode(email)) ? String((Number(code) + 1) % 1e6).padStart(6, '0') : code } })));
      assert.equal(reused.name, 'CodeMismatchException');
    });

    it('lets a user with several factors and none preferred choose (SELECT_MFA_TYPE)', async () => {
      const email = fresh('sel');
      const secret = await withApp(email);
      await signIn({ username: email, password: PASSWORD });
      await confirmSignIn({ challengeResponse: appCode(secret) });
      await updateMFAPreference({ totp: 'NOT_PREFERRED', email: 'ENABLED' });
      assert.deepEqual(await fetchMFAPreference(), { enabled: ['TOTP', 'EMAIL'], preferred: undefined });
      await signOut();
      const r = await signIn({ username: email, password: PASSWORD });
      assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION');
      if (r.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION') assert.deepEqual(r.nextStep.allowedMFATypes, ['TOTP', 'EMAIL']);
      const before = broker.messageCount(email);
      const chosen = await confirmSignIn({ challengeResponse: 'EMAIL' });
      assert.equal(chosen.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
      assert.deepEqual(await confirmSignIn({ challengeResponse: await broker.lastCode(email, before) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    });

    it('sends a user of a pool with MFA ON and no factor through MFA_SETUP: Amplify shows the app secret, and its code signs in', async () => {
      use(REQUIRED);
      const email = fresh('req');
      await newUser(email);
      const r = await signIn({ username: email, password: PASSWORD });
      assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP');
      const secret = r.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP' ? r.nextStep.totpSetupDetails.sharedSecret : '';
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.deepEqual(await confirmSignIn({ challengeResponse: appCode(secret) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      assert.deepEqual(await fetchMFAPreference(), { enabled: ['TOTP'], preferred: 'TOTP' });
      await signOut();
      const again = await signIn({ username: email, password: PASSWORD });
      assert.equal(again.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
      assert.deepEqual(await confirmSignIn({ challengeResponse: appCode(secret, 1) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    });

    it('issues no tokens without the second factor when MFA is ON, through every API flow', async () => {
      const email = fresh('gate');
      use(REQUIRED);
      await newUser(email);
      const app = await sdkSignIn(REQUIRED, email);
      assert.deepEqual([app.ChallengeName, app.AuthenticationResult], ['MFA_SETUP', undefined]);
      const admin = await sdk.send(new AdminInitiateAuthCommand({ UserPoolId: REQUIRED, ClientId: clientOf(REQUIRED), AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }));
      assert.deepEqual([admin.ChallengeName, admin.AuthenticationResult], ['MFA_SETUP', undefined]);
      const skipped = await refused(sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientOf(REQUIRED), ChallengeName: 'MFA_SETUP', Session: app.Session, ChallengeResponses: { USERNAME: email } })));
      assert.equal(skipped.name, 'InvalidParameterException', 'MFA_SETUP is not answered before an app is verified');
    });

    it('checks at most the allowed number of 20 parallel guesses, then refuses even the right code', async () => {
      const email = fresh('guess');
      const secret = await withApp(email);
      // Twenty challenges, one after another (parallel password attempts meet the password lockout first).
      const sessions: InitiateAuthCommandOutput[] = [];
      for (let k = 0; k < 20; k++) sessions.push(await sdkSignIn(OPTIONAL, email));
      const right = appCode(secret);
      const wrong = String((Number(right) + 500_000) % 1e6).padStart(6, '0');
      const answers = await Promise.all(sessions.map((s) => refused(sdk.send(new RespondToAuthChallengeCommand({
        ClientId: clientOf(OPTIONAL), ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: s.Session, ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: wrong },
      })))));
      const names = answers.map((a) => a.name);
      const checked = names.filter((x) => x === 'CodeMismatchException').length;
      assert.ok(checked >= 1 && checked <= 4, `at most 4 mismatches before the fifth try ends the window (got ${checked})`);
      assert.equal(names.filter((x) => x === 'TooManyFailedAttemptsException').length, 20 - checked);
      const late = await sdkSignIn(OPTIONAL, email);
      const blocked = await refused(sdk.send(new RespondToAuthChallengeCommand({ ClientId: clientOf(OPTIONAL), ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: late.Session, ChallengeResponses: { USERNAME: email, SOFTWARE_TOKEN_MFA_CODE: right } })));
      assert.equal(blocked.name, 'TooManyFailedAttemptsException');
    });
  });
}
