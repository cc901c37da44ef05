// The Cognito JSON API through an unchanged Amplify JS v6 app (aws-amplify 6.22.1), one line changed:
// `userPoolEndpoint: broker.url` in Amplify.configure. Its own token store (the in-memory fallback Node
// gets), its own SRP, its own refresh (GetTokensFromRefreshToken) and sign-out (RevokeToken, or
// GlobalSignOut). What goes over the wire is recorded by wrapping the global fetch Amplify calls. The
// broker runs whole, on SQLite, over HTTP.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { CognitoIdentityProviderClient, ForgetDeviceCommand, GetTokensFromRefreshTokenCommand, GetUserCommand, ListDevicesCommand } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import {
  autoSignIn, confirmResetPassword, confirmSignUp, fetchAuthSession, fetchUserAttributes, getCurrentUser, resetPassword, signIn, signOut, signUp, updatePassword,
} from 'aws-amplify/auth';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';

const POOL = 'local_Amp1';
const CLIENT = 'web';
const DEVICE_POOL = 'local_AmpDev1';
const PASSWORD = 'correct horse battery staple';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Amplify
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Policies:
      PasswordPolicy: { MinimumLength: 8 }
    Clients:
      - ClientId: ${CLIENT}                # an API-only public client, as Amplify's default (SRP) needs
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  - Id: ${DEVICE_POOL}
    PoolName: AmplifyDevices
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false }
    Clients:
      - ClientId: devices
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

/** One call Amplify made: the action, the HTTP status, the error type and the answer's body. */
interface Call { action: string; status: number; error: string | null; body: Record<string, unknown> }

describe('the Cognito JSON API, through an unchanged Amplify JS v6 app', () => {
  let broker: TestBroker;
  let sdk: CognitoIdentityProviderClient;
  const realFetch = globalThis.fetch;
  let calls: Call[] = [];
  let n = 0;
  /** A fresh email for each test (and for each user within one). */
  const fresh = (name: string) => `${name}.${++n}@example.com`;

  before(async () => {
    broker = await startTestBroker(CONFIG);
    sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    // Amplify calls the global fetch per request: record what it asks of the broker, change nothing.
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (url.startsWith(broker.url)) {
        const target = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('x-amz-target') ?? '';
        const text = await res.clone().text();
        calls.push({
          action: target.replace('AWSCognitoIdentityProviderService.', ''), status: res.status,
          error: res.headers.get('x-amzn-errortype'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        });
      }
      return res;
    };
    // The one line an app changes: everything else is Amplify's default (SRP, its token store).
    Amplify.configure({ Auth: { Cognito: { userPoolId: POOL, userPoolClientId: CLIENT, userPoolEndpoint: broker.url } } });
  });
  /** What each RespondToAuthChallenge answered (its ChallengeName, or tokens) and what failed. */
  const steps = () => calls.map((c) => (c.error ? `${c.action} ${c.error}` : c.body.ChallengeName ? `${c.action} → ${String(c.body.ChallengeName)}` : c.action));
  afterEach(async () => {
    await signOut(); // Amplify refuses to sign in while someone is signed in
    calls = [];
  });
  after(async () => {
    globalThis.fetch = realFetch;
    sdk.destroy();
    await broker.close();
  });

  const actions = () => calls.map((c) => c.action);
  const callsOf = (action: string) => calls.filter((c) => c.action === action);
  /** The refresh token Amplify was given at its last sign-in (from the answer on the wire). */
  const lastRefreshToken = () => {
    const signedIn = calls.filter((c) => c.status === 200 && (c.body.AuthenticationResult as { RefreshToken?: string } | undefined)?.RefreshToken).at(-1);
    assert.ok(signedIn, 'a sign-in answered with tokens');
    return (signedIn.body.AuthenticationResult as { RefreshToken: string }).RefreshToken;
  };
  async function newUser(email: string, password = PASSWORD): Promise<string> {
    const r = await signUp({ username: email, password, options: { userAttributes: { email } } });
    await confirmSignUp({ username: email, confirmationCode: await broker.lastCode(email) });
    return r.userId!;
  }
  async function signedIn(email: string, password = PASSWORD): Promise<void> {
    const r = await signIn({ username: email, password });
    assert.deepEqual(r, { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
  }

  it('signs up (CONFIRM_SIGN_UP), confirms, signs in with SRP, and names the user from the ID token', async () => {
    const email = fresh('ann');
    const up = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email } } });
    assert.equal(up.isSignUpComplete, false);
    assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    assert.ok(up.userId, 'the UserSub');
    if (up.nextStep.signUpStep === 'CONFIRM_SIGN_UP') {
      assert.equal(up.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
      assert.equal(up.nextStep.codeDeliveryDetails.attributeName, 'email');
      assert.ok(up.nextStep.codeDeliveryDetails.destination);
    }

    const confirmed = await confirmSignUp({ username: email, confirmationCode: await broker.lastCode(email) });
    assert.deepEqual(confirmed, { isSignUpComplete: true, nextStep: { signUpStep: 'DONE' } });

    calls = [];
    await signedIn(email);
    assert.deepEqual(actions(), ['InitiateAuth', 'RespondToAuthChallenge'], 'USER_SRP_AUTH then PASSWORD_VERIFIER, and nothing else (no device to confirm)');
    assert.equal(callsOf('RespondToAuthChallenge')[0]!.status, 200);

    const user = await getCurrentUser();
    assert.equal(user.userId, up.userId);
    assert.equal(user.username, up.userId, 'an email-as-username pool names the user by its sub (cognito:username)');
    assert.deepEqual(user.signInDetails, { loginId: email, authFlowType: 'USER_SRP_AUTH' });

    const attributes = await fetchUserAttributes();
    assert.equal(attributes.email, email);
    assert.equal(attributes.email_verified, 'true');
    assert.equal(attributes.sub, up.userId);

    const { tokens } = await fetchAuthSession();
    assert.ok(tokens?.accessToken && tokens.idToken);
    assert.equal(tokens.idToken.payload.email, email);
    assert.equal(tokens.accessToken.payload.client_id, CLIENT);
  });

  it('refreshes with GetTokensFromRefreshToken when fetchAuthSession is forced', async () => {
    const email = fresh('bo');
    await newUser(email);
    await signedIn(email);
    const before = (await fetchAuthSession()).tokens!;
    calls = [];
    const refreshed = (await fetchAuthSession({ forceRefresh: true })).tokens;
    assert.deepEqual(actions(), ['GetTokensFromRefreshToken']);
    assert.equal(calls[0]!.status, 200);
    assert.ok(refreshed?.accessToken && refreshed.idToken, 'Amplify kept the new tokens');
    assert.notEqual(refreshed.accessToken.payload.jti, before.accessToken.payload.jti, 'a new access token');
    assert.notEqual(refreshed.idToken.toString(), before.idToken!.toString(), 'a new ID token');
    assert.equal(refreshed.accessToken.payload.origin_jti, before.accessToken.payload.origin_jti, 'the same sign-in');
    assert.equal((await getCurrentUser()).userId, before.accessToken.payload.sub);
    // An unforced session is served from Amplify's store.
    calls = [];
    assert.equal((await fetchAuthSession()).tokens?.accessToken.toString(), refreshed.accessToken.toString());
    assert.deepEqual(actions(), []);
  });

  it('changes the password (updatePassword) and signs in with the new one only', async () => {
    const email = fresh('cy');
    await newUser(email);
    await signedIn(email);
    const wrongOld = await refused(updatePassword({ oldPassword: 'not the password', newPassword: 'another passphrase' }));
    assert.deepEqual(wrongOld, { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    calls = [];
    await updatePassword({ oldPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    assert.deepEqual(actions(), ['ChangePassword']);
    assert.equal(calls[0]!.status, 200);
    // The app stays signed in, as against Cognito: its own sign-in goes on (the user's others end).
    assert.equal((await fetchUserAttributes()).email, email);
    await fetchAuthSession({ forceRefresh: true });
    await signOut();
    await signedIn(email, 'a brand new passphrase');
    await signOut();
    const old = await refused(signIn({ username: email, password: PASSWORD }));
    assert.equal(old.name, 'NotAuthorizedException');
  });

  it('signs up with autoSignIn: confirmSignUp answers COMPLETE_AUTO_SIGN_IN and autoSignIn signs in (SRP, with the password)', async () => {
    const email = fresh('cal');
    // Amplify arms a 3-minute timer to give up on auto sign-in and never clears it: unref it, so this
    // test file can exit (Amplify itself is unchanged; a browser tab would not notice the timer).
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
      const t = realSetTimeout(fn, ms, ...rest) as unknown as NodeJS.Timeout;
      if ((ms ?? 0) >= 60_000) t.unref();
      return t;
    }) as typeof setTimeout;
    const up = await signUp({ username: email, password: PASSWORD, options: { userAttributes: { email }, autoSignIn: true } })
      .finally(() => { globalThis.setTimeout = realSetTimeout; });
    assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
    const confirmed = await confirmSignUp({ username: email, confirmationCode: await broker.lastCode(email) });
    assert.deepEqual(confirmed, { isSignUpComplete: true, nextStep: { signUpStep: 'COMPLETE_AUTO_SIGN_IN' } });
    calls = [];
    assert.deepEqual(await autoSignIn(), { isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    assert.deepEqual(actions(), ['InitiateAuth', 'RespondToAuthChallenge'], 'a plain SRP sign-in: no Session from ConfirmSignUp is needed');
    assert.equal((await getCurrentUser()).userId, up.userId);
  });

  it('resets a forgotten password (resetPassword, confirmResetPassword)', async () => {
    const email = fresh('dee');
    await newUser(email);
    const sent = broker.messageCount(email);
    const r = await resetPassword({ username: email });
    assert.equal(r.isPasswordReset, false);
    assert.equal(r.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
    assert.equal(r.nextStep.codeDeliveryDetails.deliveryMedium, 'EMAIL');
    assert.equal(r.nextStep.codeDeliveryDetails.attributeName, 'email');
    const wrong = await refused(confirmResetPassword({ username: email, confirmationCode: '000000', newPassword: 'reset passphrase here' }));
    assert.equal(wrong.name, 'CodeMismatchException');
    await confirmResetPassword({ username: email, confirmationCode: await broker.lastCode(email, sent), newPassword: 'reset passphrase here' });
    await signedIn(email, 'reset passphrase here');
  });

  it('signs out with RevokeToken (the access token has origin_jti): the refresh token no longer works', async () => {
    const email = fresh('eve');
    await newUser(email);
    await signedIn(email);
    const { tokens } = await fetchAuthSession();
    assert.ok(tokens?.accessToken.payload.origin_jti, 'Amplify revokes only when the access token carries origin_jti');
    const refreshToken = lastRefreshToken();
    calls = [];
    await signOut();
    assert.deepEqual(actions(), ['RevokeToken']);
    assert.equal(calls[0]!.status, 200);
    assert.equal((await refused(getCurrentUser())).name, 'UserUnAuthenticatedException', 'Amplify forgot the tokens');
    const after = await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: CLIENT, RefreshToken: refreshToken })).then(() => null, (e: Error) => e.name);
    assert.equal(after, 'NotAuthorizedException', 'the revoked refresh token is refused');
    const access = await sdk.send(new GetUserCommand({ AccessToken: tokens.accessToken.toString() })).then(() => null, (e: Error) => e.name);
    assert.equal(access, 'NotAuthorizedException', 'and the access tokens of its sign-in with it');
  });

  it('signs out globally with GlobalSignOut: every sign-in of the user ends', async () => {
    const email = fresh('fay');
    await newUser(email);
    // Another sign-in of the same user, elsewhere (another app: amazon-cognito-identity-js, SRP too).
    const elsewhere = await new Promise<CognitoUserSession>((resolve, reject) =>
      new CognitoUser({ Username: email, Pool: new CognitoUserPool({ UserPoolId: POOL, ClientId: CLIENT, endpoint: `${broker.url}/` }) })
        .authenticateUser(new AuthenticationDetails({ Username: email, Password: PASSWORD }), { onSuccess: resolve, onFailure: reject }));
    await signedIn(email);
    const { tokens } = await fetchAuthSession();
    const refreshToken = lastRefreshToken();
    calls = [];
    await signOut({ global: true });
    assert.deepEqual(actions(), ['GlobalSignOut']);
    assert.equal(calls[0]!.status, 200);
    assert.equal((await refused(getCurrentUser())).name, 'UserUnAuthenticatedException');
    for (const access of [tokens!.accessToken.toString(), elsewhere.getAccessToken().getJwtToken()]) {
      const r = await sdk.send(new GetUserCommand({ AccessToken: access })).then(() => null, (e: Error) => e.name);
      assert.equal(r, 'NotAuthorizedException', 'a globally signed-out access token no longer works at the API');
    }
    for (const refresh of [refreshToken, elsewhere.getRefreshToken().getToken()]) {
      const r = await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: CLIENT, RefreshToken: refresh })).then(() => null, (e: Error) => e.name);
      assert.equal(r, 'NotAuthorizedException', 'nor does any refresh token of the user');
    }
  });

  it('refuses a wrong password (NotAuthorizedException), an unknown user alike, and sends an unconfirmed user to CONFIRM_SIGN_UP', async () => {
    const email = fresh('gus');
    await newUser(email);
    const wrong = await refused(signIn({ username: email, password: 'not the password' }));
    assert.deepEqual(wrong, { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
    const unknown = await refused(signIn({ username: fresh('nobody'), password: 'not the password' }));
    assert.deepEqual(unknown, wrong, 'an unknown user answers as a wrong password does');

    // Amplify v6 does not throw UserNotConfirmedException from signIn: it turns it into a next step.
    const unconfirmed = fresh('hal');
    await signUp({ username: unconfirmed, password: PASSWORD, options: { userAttributes: { email: unconfirmed } } });
    calls = [];
    const r = await signIn({ username: unconfirmed, password: PASSWORD });
    assert.deepEqual(r, { isSignedIn: false, nextStep: { signInStep: 'CONFIRM_SIGN_UP' } });
    const refusal = calls.at(-1)!;
    assert.deepEqual([refusal.status, refusal.error], [400, 'UserNotConfirmedException'], `the broker said ${refusal.action} ${refusal.error}`);
    assert.equal((await refused(getCurrentUser())).name, 'UserUnAuthenticatedException');
  });

  it('tracks the device: Amplify confirms it, proves it at the next sign-in (device SRP), and signs in afresh once it is forgotten', async () => {
    Amplify.configure({ Auth: { Cognito: { userPoolId: DEVICE_POOL, userPoolClientId: 'devices', userPoolEndpoint: broker.url } } });
    try {
      const email = fresh('dev');
      await newUser(email);
      calls = [];
      await signedIn(email);
      assert.deepEqual(steps(), ['InitiateAuth → PASSWORD_VERIFIER', 'RespondToAuthChallenge', 'ConfirmDevice']);
      const { tokens } = await fetchAuthSession();
      const [device] = (await sdk.send(new ListDevicesCommand({ AccessToken: tokens!.accessToken.toString() }))).Devices ?? [];
      assert.ok(device, 'Amplify confirmed the device it was given');
      await signOut();

      calls = [];
      await signedIn(email);
      assert.deepEqual(steps(), ['InitiateAuth → PASSWORD_VERIFIER', 'RespondToAuthChallenge → DEVICE_SRP_AUTH', 'RespondToAuthChallenge → DEVICE_PASSWORD_VERIFIER', 'RespondToAuthChallenge']);
      const access = (await fetchAuthSession()).tokens!.accessToken.toString();
      await sdk.send(new ForgetDeviceCommand({ AccessToken: access, DeviceKey: device.DeviceKey }));
      await signOut();

      // Forgotten on the server: "Device does not exist.", and Amplify forgets its keys and answers the same challenge again.
      calls = [];
      await signedIn(email);
      assert.deepEqual(steps(), ['InitiateAuth → PASSWORD_VERIFIER', 'RespondToAuthChallenge ResourceNotFoundException', 'RespondToAuthChallenge', 'ConfirmDevice']);
    } finally {
      await signOut();
      Amplify.configure({ Auth: { Cognito: { userPoolId: POOL, userPoolClientId: CLIENT, userPoolEndpoint: broker.url } } });
    }
  });
});
