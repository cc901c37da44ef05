// Choice-based sign-in (USER_AUTH) through an unchanged Amplify JS v6 app: a preferred first factor
// (EMAIL_OTP, PASSWORD_SRP, PASSWORD), the choice (SELECT_CHALLENGE), a passwordless sign-up signed in
// by its own confirmation (autoSignIn with ConfirmSignUp's Session), and what an unknown name gets.
// The whole broker over HTTP, on SQLite and (with MONGODB_URI) on MongoDB.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CognitoIdentityProviderClient, InitiateAuthCommand, RespondToAuthChallengeCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { autoSignIn, confirmSignIn, confirmSignUp, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { storesUnderTest } from '../support/stores.js';
import { refused } from '../support/refused.js';

const POOL = 'local_Choice1';
const CLIENT = 'choice';
const PASSWORD = 'correct horse battery staple';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Choice
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    MfaConfiguration: OPTIONAL
    SoftwareTokenMfaConfiguration: { Enabled: true }
    Policies:
      SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, EMAIL_OTP] }
    Clients:
      - ClientId: ${CLIENT}
        ExplicitAuthFlows: [ALLOW_USER_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

const stores = storesUnderTest('choice');

for (const [storeName, env] of stores) {
  describe(`choice-based sign-in (USER_AUTH) through Amplify JS v6, on ${storeName}`, () => {
    let broker: TestBroker;
    let sdk: CognitoIdentityProviderClient;
    let n = 0;
    const fresh = (name: string) => `${name}.${++n}@example.com`;

    before(async () => {
      broker = await startTestBroker(CONFIG, env);
      sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      Amplify.configure({ Auth: { Cognito: { userPoolId: POOL, userPoolClientId: CLIENT, userPoolEndpoint: broker.url } } });
    });
    afterEach(() => signOut());
    after(async () => {
      sdk.destroy();
      await broker.close();
    });

    async function newUser(email: string): Promise<void> {
      await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email } } });
      await confirmSignUp({ username: email, confirmationCode: await broker.lastCode(email) });
    }

    it('signs in with an e-mailed code and no password (preferredChallenge EMAIL_OTP); a wrong code is refused and the same Session tries again', async () => {
      const email = fresh('otp');
      await newUser(email);
      const before = broker.messageCount(email);
      const r = await signIn({ username: email, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'EMAIL_OTP' } });
      assert.equal(r.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
      const code = await broker.lastCode(email, before);
      const wrong = await refused(confirmSignIn({ challengeResponse: code === '000000' ? '111111' : '000000' }));
      assert.equal(wrong.name, 'CodeMismatchException');
      assert.deepEqual(await confirmSignIn({ challengeResponse: code }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      assert.deepEqual((await getCurrentUser()).signInDetails, { loginId: email, authFlowType: 'USER_AUTH' });
    });

    it('signs in with the password by SRP or in plain (preferredChallenge PASSWORD_SRP, PASSWORD)', async () => {
      const email = fresh('pw');
      await newUser(email);
      assert.deepEqual(await signIn({ username: email, password: PASSWORD, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'PASSWORD_SRP' } }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      await signOut();
      assert.deepEqual(await signIn({ username: email, password: PASSWORD, options: { authFlowType: 'USER_AUTH', preferredChallenge: 'PASSWORD' } }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      await signOut();
      const bad = await refused(signIn({ username: email, password: 'not the password', options: { authFlowType: 'USER_AUTH', preferredChallenge: 'PASSWORD' } }));
      assert.equal(bad.name, 'NotAuthorizedException');
    });

    it('offers the choice (SELECT_CHALLENGE with AvailableChallenges) and goes on with the one chosen', async () => {
      const email = fresh('sel');
      await newUser(email);
      const r = await signIn({ username: email, options: { authFlowType: 'USER_AUTH' } });
      assert.equal(r.nextStep.signInStep, 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION');
      if (r.nextStep.signInStep === 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION') assert.deepEqual(r.nextStep.availableChallenges, ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP']);
      const before = broker.messageCount(email);
      const chosen = await confirmSignIn({ challengeResponse: 'EMAIL_OTP' });
      assert.equal(chosen.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_EMAIL_CODE');
      assert.deepEqual(await confirmSignIn({ challengeResponse: await broker.lastCode(email, before) }), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    });

    it('signs a passwordless sign-up in with its own confirmation: no password, no second code (autoSignIn with the Session)', async () => {
      const email = fresh('new');
      const realSetTimeout = globalThis.setTimeout; // Amplify's 3-minute auto sign-in timer, unref'd so the file can exit
      globalThis.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
        const t = realSetTimeout(fn, ms, ...rest) as unknown as NodeJS.Timeout;
        if ((ms ?? 0) >= 60_000) t.unref();
        return t;
      }) as typeof setTimeout;
      const up = await signUp({ username: email, options: { userAttributes: { email }, autoSignIn: { authFlowType: 'USER_AUTH' } } })
        .finally(() => { globalThis.setTimeout = realSetTimeout; });
      assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
      const confirmed = await confirmSignUp({ username: email, confirmationCode: await broker.lastCode(email) });
      assert.deepEqual(confirmed, { isSignUpComplete: true, nextStep: { signUpStep: 'COMPLETE_AUTO_SIGN_IN' } });
      const messages = broker.messageCount(email);
      assert.deepEqual(await autoSignIn(), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
      assert.equal(broker.messageCount(email), messages, 'no second code was sent');
      assert.equal((await getCurrentUser()).userId, up.userId);
    });

    it('answers an unknown name as it answers a user: the same challenge, a masked destination, and every code wrong', async () => {
      const unknown = await sdk.send(new InitiateAuthCommand({ ClientId: CLIENT, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: fresh('nobody'), PREFERRED_CHALLENGE: 'EMAIL_OTP' } }));
      assert.equal(unknown.ChallengeName, 'EMAIL_OTP');
      assert.match(unknown.ChallengeParameters!.CODE_DELIVERY_DESTINATION!, /^\w\*\*\*@\w\*\*\*\.com$/);
      const answer = await refused(sdk.send(new RespondToAuthChallengeCommand({
        ClientId: CLIENT, ChallengeName: 'EMAIL_OTP', Session: unknown.Session, ChallengeResponses: { USERNAME: 'whoever', EMAIL_OTP_CODE: '123456' },
      })));
      assert.equal(answer.name, 'CodeMismatchException');
      const select = await sdk.send(new InitiateAuthCommand({ ClientId: CLIENT, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: fresh('nobody') } }));
      assert.deepEqual([select.ChallengeName, select.AvailableChallenges], ['SELECT_CHALLENGE', ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP']]);
    });
  });
}
