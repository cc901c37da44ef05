// The Cognito JSON API through the real clients, unchanged but for their endpoint:
// amazon-cognito-identity-js (SRP sign-in, refresh, password change and reset, sign-out) and the AWS
// SDK (every refusal in the error shape it parses; USER_PASSWORD_AUTH; refresh rotation). The
// broker runs whole, on SQLite, over HTTP.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ChangePasswordCommand, CognitoIdentityProviderClient, ConfirmDeviceCommand, ConfirmSignUpCommand, DeleteUserAttributesCommand, ForgetDeviceCommand, GetDeviceCommand,
  ListDevicesCommand, GetTokensFromRefreshTokenCommand, GetUserAttributeVerificationCodeCommand, GetUserCommand,
  GlobalSignOutCommand, InitiateAuthCommand, RespondToAuthChallengeCommand, RevokeTokenCommand, SignUpCommand, UpdateUserAttributesCommand, VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  AuthenticationDetails, CognitoRefreshToken, CognitoUser, CognitoUserAttribute, CognitoUserPool, type CognitoUserSession,
} from 'amazon-cognito-identity-js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';
import { claimsOf } from '../support/jwt.js';
import { srpTimestamp } from '../../src/native/srp.js';

const POOL = 'local_Api1';
const PASSWORD = 'correct horse battery staple';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Api
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Policies:
      PasswordPolicy: { MinimumLength: 8 }
    Clients:
      - ClientId: web                      # an API-only client: no callback URLs, no OAuth flows
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      - ClientId: server
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        RefreshTokenRotation: { Feature: ENABLED, RetryGracePeriodSeconds: 0 }
      - ClientId: spa
        CallbackURLs: [http://localhost:5555/callback]
      - ClientId: graceful
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        RefreshTokenRotation: { Feature: ENABLED, RetryGracePeriodSeconds: 30 }
      - ClientId: legacy
        PreventUserExistenceErrors: LEGACY
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      - ClientId: confidential
        ClientSecret: confidential-client-secret-0123456789
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  - Id: local_Dev1
    PoolName: Devices
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    DeviceConfiguration: { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false }
    Clients:
      - ClientId: devices
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  - Id: local_Upd1
    PoolName: Held updates
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: [email] }
    Clients:
      - ClientId: updates
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

describe('the Cognito JSON API, through amazon-cognito-identity-js and the AWS SDK', () => {
  let broker: TestBroker;
  let sdk: CognitoIdentityProviderClient;
  let pool: CognitoUserPool;

  before(async () => {
    broker = await startTestBroker(CONFIG);
    sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    pool = new CognitoUserPool({ UserPoolId: POOL, ClientId: 'web', endpoint: `${broker.url}/` });
  });
  after(async () => {
    sdk.destroy();
    await broker.close();
  });


  const signUp = (email: string) =>
    new Promise<string>((resolve, reject) =>
      pool.signUp(email, PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: email })], [], (err, r) => (err ? reject(err) : resolve(r!.userSub))));
  const userOf = (email: string) => new CognitoUser({ Username: email, Pool: pool });
  const confirm = (email: string, code: string) =>
    new Promise<void>((resolve, reject) => userOf(email).confirmRegistration(code, true, (err) => (err ? reject(err) : resolve())));
  function srpSignIn(user: CognitoUser, password: string): Promise<CognitoUserSession> {
    return new Promise((resolve, reject) =>
      user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: password }), {
        onSuccess: resolve, onFailure: reject, newPasswordRequired: () => reject(new Error('new password required')),
      }));
  }
  async function newUser(email: string): Promise<string> {
    const sub = await signUp(email);
    await confirm(email, await broker.lastCode(email));
    return sub;
  }

  describe('amazon-cognito-identity-js', () => {
    it('signs up, confirms and signs in with SRP (the email typed, the real username used for SRP)', async () => {
      const sub = await signUp('ann@example.com');
      await assert.rejects(srpSignIn(userOf('ann@example.com'), PASSWORD), { code: 'UserNotConfirmedException' });
      await confirm('ann@example.com', await broker.lastCode('ann@example.com'));
      const session = await srpSignIn(userOf('ann@example.com'), PASSWORD);
      const id = claimsOf(session.getIdToken().getJwtToken());
      assert.equal(id.sub, sub);
      assert.equal(id['cognito:username'], sub, 'an email-as-username pool names the user by its sub');
      assert.equal(id.email, 'ann@example.com');
      assert.equal(claimsOf(session.getAccessToken().getJwtToken()).scope, 'aws.cognito.signin.user.admin');
      const audit = await broker.store.audit.list(POOL, { type: 'sign_in.completed' });
      assert.deepEqual(audit[0]!.detail, { via: 'COGNITO', entrance: 'api-srp' });
    });

    it('refuses a wrong password, an unknown user alike, and counts SRP guesses against the lockout', async () => {
      await newUser('bo@example.com');
      const wrong = await srpSignIn(userOf('bo@example.com'), 'not the password').catch((e) => e);
      const unknown = await srpSignIn(userOf('nobody@example.com'), 'not the password').catch((e) => e);
      assert.equal(wrong.code, 'NotAuthorizedException');
      assert.equal(wrong.message, 'Incorrect username or password.');
      assert.deepEqual([unknown.code, unknown.message], [wrong.code, wrong.message], 'an unknown user answers as a wrong password does');
      for (let k = 0; k < 4; k++) await srpSignIn(userOf('bo@example.com'), 'not the password').catch(() => undefined);
      const locked = await srpSignIn(userOf('bo@example.com'), PASSWORD).catch((e) => e);
      assert.equal(locked.message, 'Password attempts exceeded', 'five wrong proofs lock the account, as five wrong passwords do');
    });

    it('refreshes, reads the attributes, changes the password (ending other sign-ins, not its own) and signs out globally', async () => {
      await newUser('cy@example.com');
      const user = userOf('cy@example.com');
      const elsewhere = await srpSignIn(userOf('cy@example.com'), PASSWORD);
      const session = await srpSignIn(user, PASSWORD);
      const refreshed = await new Promise<CognitoUserSession>((resolve, reject) =>
        user.refreshSession(new CognitoRefreshToken({ RefreshToken: session.getRefreshToken().getToken() }), (err, s) => (err ? reject(err) : resolve(s))));
      assert.equal(claimsOf(refreshed.getIdToken().getJwtToken()).origin_jti, claimsOf(session.getIdToken().getJwtToken()).origin_jti);
      const attributes = await new Promise<CognitoUserAttribute[]>((resolve, reject) => user.getUserAttributes((err, a) => (err ? reject(err) : resolve(a!))));
      assert.equal(attributes.find((a) => a.getName() === 'email')?.getValue(), 'cy@example.com');
      await new Promise<void>((resolve, reject) => user.changePassword(PASSWORD, 'a brand new passphrase', (err) => (err ? reject(err) : resolve())));
      const mine = await sdk.send(new GetUserCommand({ AccessToken: session.getAccessToken().getJwtToken() }));
      assert.equal(mine.Username, claimsOf(session.getIdToken().getJwtToken())['cognito:username'], 'the changing sign-in goes on');
      const other = await refused(sdk.send(new GetUserCommand({ AccessToken: elsewhere.getAccessToken().getJwtToken() })));
      assert.deepEqual([other.name, other.message], ['NotAuthorizedException', 'Access Token has been revoked'], 'every other sign-in of the user ends');
      await srpSignIn(userOf('cy@example.com'), 'a brand new passphrase');
      await assert.rejects(srpSignIn(userOf('cy@example.com'), PASSWORD), { code: 'NotAuthorizedException' });
      const again = userOf('cy@example.com');
      const live = await srpSignIn(again, 'a brand new passphrase');
      await new Promise<void>((resolve, reject) => again.globalSignOut({ onSuccess: () => resolve(), onFailure: reject }));
      const after = await refused(sdk.send(new GetUserCommand({ AccessToken: live.getAccessToken().getJwtToken() })));
      assert.equal(after.name, 'NotAuthorizedException', 'a globally signed-out access token no longer works at the API');
    });

    it('resets a forgotten password with the code it sends', async () => {
      await newUser('dee@example.com');
      const user = userOf('dee@example.com');
      await new Promise<void>((resolve, reject) => user.forgotPassword({ onSuccess: () => resolve(), onFailure: reject, inputVerificationCode: () => resolve() }));
      const code = await broker.lastCode('dee@example.com', 1);
      await new Promise<void>((resolve, reject) => user.confirmPassword(code, 'reset passphrase here', { onSuccess: () => resolve(), onFailure: reject }));
      await srpSignIn(userOf('dee@example.com'), 'reset passphrase here');
    });
  });

  describe('the AWS SDK', () => {
    it('signs in with USER_PASSWORD_AUTH where the client allows it, and only there', async () => {
      await newUser('eve@example.com');
      const r = await sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'server', AuthParameters: { USERNAME: 'eve@example.com', PASSWORD } }));
      assert.equal(r.AuthenticationResult?.TokenType, 'Bearer');
      assert.ok(r.AuthenticationResult?.IdToken && r.AuthenticationResult.RefreshToken);
      const user = await sdk.send(new GetUserCommand({ AccessToken: r.AuthenticationResult!.AccessToken }));
      assert.equal(user.UserAttributes?.find((a) => a.Name === 'email')?.Value, 'eve@example.com');
      const off = await refused(sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'web', AuthParameters: { USERNAME: 'eve@example.com', PASSWORD } })));
      assert.deepEqual([off.name, off.status], ['InvalidParameterException', 400]);
    });

    it('tells a LEGACY client an unknown user at once, SRP included (UserNotFoundException), and a known one a wrong password', async () => {
      await newUser('leg@example.com');
      const srp = await new Promise<{ code: string; message: string }>((resolve) =>
        new CognitoUser({ Username: 'nobody@example.com', Pool: new CognitoUserPool({ UserPoolId: POOL, ClientId: 'legacy', endpoint: `${broker.url}/` }) })
          .authenticateUser(new AuthenticationDetails({ Username: 'nobody@example.com', Password: PASSWORD }), { onSuccess: () => resolve({ code: 'none', message: '' }), onFailure: resolve }));
      assert.deepEqual([srp.code, srp.message], ['UserNotFoundException', 'User does not exist.']);
      const password = await refused(sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'legacy', AuthParameters: { USERNAME: 'nobody@example.com', PASSWORD } })));
      assert.deepEqual([password.name, password.message], ['UserNotFoundException', 'User does not exist.']);
      const wrong = await refused(sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'legacy', AuthParameters: { USERNAME: 'leg@example.com', PASSWORD: 'not the password' } })));
      assert.deepEqual([wrong.name, wrong.message], ['NotAuthorizedException', 'Incorrect username or password.']);
    });

    it('answers every refusal with the exception the SDK knows, HTTP 400', async () => {
      await newUser('fay@example.com');
      const cases: [() => Promise<unknown>, string, RegExp | string][] = [
        [() => sdk.send(new SignUpCommand({ ClientId: 'web', Username: 'fay@example.com', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'fay@example.com' }] })), 'UsernameExistsException', /already exists/],
        [() => sdk.send(new SignUpCommand({ ClientId: 'web', Username: 'gus@example.com', Password: 'short', UserAttributes: [{ Name: 'email', Value: 'gus@example.com' }] })), 'InvalidPasswordException', /Password not long enough/],
        [() => sdk.send(new SignUpCommand({ ClientId: 'nope', Username: 'gus@example.com', Password: PASSWORD })), 'ResourceNotFoundException', /nope/],
        [() => sdk.send(new SignUpCommand({ ClientId: 'web', Username: 'x'.repeat(129), Password: PASSWORD })), 'InvalidParameterException', /Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128/],
        [() => sdk.send(new ConfirmSignUpCommand({ ClientId: 'web', Username: 'fay@example.com', ConfirmationCode: '000000' })), 'CodeMismatchException', 'Invalid verification code provided, please try again.'],
        [() => sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'server', AuthParameters: { USERNAME: 'fay@example.com', PASSWORD: 'wrong wrong' } })), 'NotAuthorizedException', 'Incorrect username or password.'],
        [() => sdk.send(new InitiateAuthCommand({ AuthFlow: 'CUSTOM_AUTH', ClientId: 'web', AuthParameters: { USERNAME: 'fay@example.com' } })), 'InvalidParameterException', /CUSTOM_AUTH/],
        [() => sdk.send(new RespondToAuthChallengeCommand({ ClientId: 'web', ChallengeName: 'PASSWORD_VERIFIER', Session: 'x'.repeat(40), ChallengeResponses: { USERNAME: 'fay@example.com', PASSWORD_CLAIM_SIGNATURE: 'a', PASSWORD_CLAIM_SECRET_BLOCK: 'b', TIMESTAMP: 'c' } })), 'NotAuthorizedException', 'Invalid session for the user, session is expired.'],
        [() => sdk.send(new GetUserCommand({ AccessToken: 'not.a.token' })), 'NotAuthorizedException', /Invalid Access Token/],
        [() => sdk.send(new ChangePasswordCommand({ AccessToken: 'not.a.token', PreviousPassword: PASSWORD, ProposedPassword: 'something else' })), 'NotAuthorizedException', /Invalid Access Token/],
        [() => sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'server', RefreshToken: 'not-a-refresh-token' })), 'NotAuthorizedException', 'Invalid Refresh Token'],
      ];
      for (const [p, name, message] of cases) {
        const r = await refused(p());
        assert.equal(r.name, name, `${name}: ${r.message}`);
        assert.equal(r.status, 400);
        if (typeof message === 'string') assert.equal(r.message, message);
        else assert.match(r.message, message);
      }
    });

    it('rotates refresh tokens under RefreshTokenRotation: a reused one revokes its sign-in (RefreshTokenReuseException)', async () => {
      await newUser('gil@example.com');
      const first = await sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'server', AuthParameters: { USERNAME: 'gil@example.com', PASSWORD } }));
      const token = first.AuthenticationResult!.RefreshToken!;
      const next = await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'server', RefreshToken: token }));
      assert.ok(next.AuthenticationResult?.RefreshToken && next.AuthenticationResult.RefreshToken !== token);
      assert.ok(claimsOf(next.AuthenticationResult.AccessToken!).iat, 'Amplify requires iat in the new access token');
      const reused = await refused(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'server', RefreshToken: token })));
      assert.equal(reused.name, 'RefreshTokenReuseException');
      const successor = await refused(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'server', RefreshToken: next.AuthenticationResult.RefreshToken })));
      assert.equal(successor.name, 'NotAuthorizedException', 'the whole family is revoked');
    });

    it('keeps one live branch when one refresh token is presented 10 times at once, with and without a grace period', async () => {
      await newUser('hal.race@example.com');
      const signIn = async (clientId: string) => (await sdk.send(new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH', ClientId: clientId, AuthParameters: { USERNAME: 'hal.race@example.com', PASSWORD },
      }))).AuthenticationResult!.RefreshToken!;
      const tenAtOnce = (clientId: string, token: string) => Promise.allSettled(Array.from({ length: 10 }, () =>
        sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: token }))));

      // No grace period: one rotation wins; the others are reuse, which ends the sign-in, the winner's branch too.
      const strict = await tenAtOnce('server', await signIn('server'));
      const won = strict.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, 'one rotation wins');
      const losers = strict.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).name] : []));
      assert.ok(losers.includes('RefreshTokenReuseException'), `reuse is told: ${losers.join(', ')}`);
      assert.ok(losers.every((n) => n === 'RefreshTokenReuseException' || n === 'NotAuthorizedException'), losers.join(', ')); // after the family ends: not a token any more
      const branch = (won[0] as PromiseFulfilledResult<{ AuthenticationResult?: { RefreshToken?: string } }>).value.AuthenticationResult!.RefreshToken!;
      assert.equal((await refused(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'server', RefreshToken: branch })))).name, 'NotAuthorizedException');

      // A grace period: every retry gets the very same successor, so there is still one branch, and it lives.
      const graceful = await tenAtOnce('graceful', await signIn('graceful'));
      assert.ok(graceful.every((r) => r.status === 'fulfilled'), 'retries within the grace period are answered');
      const successors = new Set(graceful.map((r) => (r as PromiseFulfilledResult<{ AuthenticationResult?: { RefreshToken?: string } }>).value.AuthenticationResult!.RefreshToken));
      assert.equal(successors.size, 1, 'one successor for all ten');
      const [only] = successors;
      assert.ok((await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'graceful', RefreshToken: only! }))).AuthenticationResult?.AccessToken);
    });

    it('requires SECRET_HASH of a client with a secret, and takes the right one', async () => {
      await newUser('ivy@example.com');
      const auth = (secretHash?: string) => sdk.send(new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'confidential', AuthParameters: { USERNAME: 'ivy@example.com', PASSWORD, ...(secretHash ? { SECRET_HASH: secretHash } : {}) },
      }));
      const hash = (secret: string) => createHmac('sha256', secret).update('ivy@example.com' + 'confidential').digest('base64');
      for (const attempt of [auth(), auth(hash('not-the-secret'))]) {
        const r = await refused(attempt);
        assert.deepEqual([r.name, r.message], ['NotAuthorizedException', 'Unable to verify secret hash for client confidential']);
      }
      assert.ok((await auth(hash('confidential-client-secret-0123456789'))).AuthenticationResult?.AccessToken);
    });

    it('takes a refresh token from an API sign-in at /oauth2/token too: one kind of token for both doors', async () => {
      await newUser('joy@example.com');
      const session = await srpSignIn(new CognitoUser({ Username: 'joy@example.com', Pool: new CognitoUserPool({ UserPoolId: POOL, ClientId: 'spa', endpoint: `${broker.url}/` }) }), PASSWORD);
      const res = await fetch(`${broker.url}/${POOL}/oauth2/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'spa', refresh_token: session.getRefreshToken().getToken() }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { access_token: string; id_token: string };
      assert.equal(claimsOf(body.access_token).origin_jti, claimsOf(session.getAccessToken().getJwtToken()).origin_jti);
      assert.ok(body.id_token, 'an API sign-in refreshes with an ID token at the token endpoint too');
    });

    it("hands SignUp's Session to ConfirmSignUp, which answers one for signing in; without it, or with another's, none", async () => {
      const up = (email: string) => sdk.send(new SignUpCommand({ ClientId: 'web', Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
      const confirmWith = async (email: string, session?: string) =>
        sdk.send(new ConfirmSignUpCommand({ ClientId: 'web', Username: email, ConfirmationCode: await broker.lastCode(email), ...(session ? { Session: session } : {}) }));
      const ivy = await up('ivy.up@example.com');
      assert.ok(ivy.Session && ivy.Session.length >= 20 && ivy.Session.length <= 2048, 'an opaque Session within Cognito’s bounds');
      const confirmed = await confirmWith('ivy.up@example.com', ivy.Session);
      assert.ok(confirmed.Session && confirmed.Session !== ivy.Session);
      const jon = await up('jon.up@example.com');
      assert.equal((await confirmWith('jon.up@example.com', ivy.Session)).Session, undefined, 'another user’s (used) Session gives none');
      const kim = await up('kim.up@example.com');
      assert.ok(kim.Session);
      assert.equal((await confirmWith('kim.up@example.com')).Session, undefined, 'no Session given, none answered: confirmed all the same');
      assert.ok(jon.Session);
    });

    it('lets one of 10 parallel sign-ups of one name win, the rest UsernameExistsException', async () => {
      const attempts = await Promise.allSettled(Array.from({ length: 10 }, () =>
        sdk.send(new SignUpCommand({ ClientId: 'web', Username: 'race@example.com', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'race@example.com' }] }))));
      assert.equal(attempts.filter((a) => a.status === 'fulfilled').length, 1);
      for (const a of attempts) if (a.status === 'rejected') assert.equal((a.reason as Error).name, 'UsernameExistsException');
    });

    it('revokes a refresh token, and refuses it afterwards', async () => {
      await newUser('hal@example.com');
      const r = await sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'server', AuthParameters: { USERNAME: 'hal@example.com', PASSWORD } }));
      await sdk.send(new RevokeTokenCommand({ ClientId: 'server', Token: r.AuthenticationResult!.RefreshToken! }));
      const after = await refused(sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: 'server', RefreshToken: r.AuthenticationResult!.RefreshToken! })));
      assert.equal(after.name, 'NotAuthorizedException');
      const signedOut = await refused(sdk.send(new GlobalSignOutCommand({ AccessToken: r.AuthenticationResult!.AccessToken! })));
      assert.equal(signedOut.name, 'NotAuthorizedException', 'its access tokens are revoked with it');
    });
  });

  describe('attributes and challenges', () => {
    const passwordSignIn = (email: string, password = PASSWORD) =>
      sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'server', AuthParameters: { USERNAME: email, PASSWORD: password } }));

    it('changes the email: unverified and sent a code; the code verifies it; the user signs in with it', async () => {
      await newUser('ida@example.com');
      const token = (await passwordSignIn('ida@example.com')).AuthenticationResult!.AccessToken!;
      const r = await sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'ida.new@example.com' }, { Name: 'name', Value: 'Ida' }] }));
      assert.equal(r.CodeDeliveryDetailsList?.[0]?.AttributeName, 'email');
      const attrs = (await sdk.send(new GetUserCommand({ AccessToken: token }))).UserAttributes!;
      const value = (n: string) => attrs.find((a) => a.Name === n)?.Value;
      assert.deepEqual([value('email'), value('email_verified'), value('name')], ['ida.new@example.com', 'false', 'Ida']);
      await sdk.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: await broker.lastCode('ida.new@example.com') }));
      const after = (await sdk.send(new GetUserCommand({ AccessToken: token }))).UserAttributes!;
      assert.equal(after.find((a) => a.Name === 'email_verified')?.Value, 'true');
      assert.ok((await passwordSignIn('ida.new@example.com')).AuthenticationResult, 'the new email signs in');
      assert.equal((await refused(passwordSignIn('ida@example.com'))).name, 'NotAuthorizedException', 'the old one no longer does');
    });

    describe('under AttributesRequireVerificationBeforeUpdate (pool local_Upd1)', () => {
      const signIn = (email: string) =>
        sdk.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'updates', AuthParameters: { USERNAME: email, PASSWORD } }));
      const signsIn = async (email: string) => Boolean((await signIn(email)).AuthenticationResult);
      const refusedSignIn = async (email: string) => (await refused(signIn(email))).name;
      async function heldUser(email: string): Promise<string> {
        const sent = broker.messageCount(email); // the address may have had a code already: wait for this one
        await sdk.send(new SignUpCommand({ ClientId: 'updates', Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
        await sdk.send(new ConfirmSignUpCommand({ ClientId: 'updates', Username: email, ConfirmationCode: await broker.lastCode(email, sent) }));
        return (await signIn(email)).AuthenticationResult!.AccessToken!;
      }
      const attributesOf = async (AccessToken: string) =>
        Object.fromEntries((await sdk.send(new GetUserCommand({ AccessToken }))).UserAttributes!.map((a) => [a.Name!, a.Value]));
      const verify = (AccessToken: string, Code: string) => sdk.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code }));
      const otherThan = (code: string) => (code === '000000' ? '111111' : '000000');

      it('keeps the old email, verified and signing in, until the code sent to the new one is confirmed', async () => {
        const token = await heldUser('lea@held.example');
        const toOld = broker.messageCount('lea@held.example');
        const r = await sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'lea@new.example.org' }, { Name: 'name', Value: 'Lea' }] }));
        assert.deepEqual(r.CodeDeliveryDetailsList, [{ AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'l***@n***.org' }], 'the code goes to the new address');
        const unchanged = { email: 'lea@held.example', email_verified: 'true' };
        let a = await attributesOf(token);
        assert.deepEqual([a.email, a.email_verified, a.name], [unchanged.email, unchanged.email_verified, 'Lea'], 'the email waits; the name applies at once');
        assert.equal(await signsIn('lea@held.example'), true, 'the old email still signs in');
        assert.equal(await refusedSignIn('lea@new.example.org'), 'NotAuthorizedException', 'the new one not yet');
        const first = await broker.lastCode('lea@new.example.org');

        const wrong = await refused(verify(token, otherThan(first)));
        assert.equal(wrong.name, 'CodeMismatchException');
        a = await attributesOf(token);
        assert.deepEqual([a.email, a.email_verified], [unchanged.email, unchanged.email_verified], 'a wrong code changes nothing');
        assert.equal(await refusedSignIn('lea@new.example.org'), 'NotAuthorizedException');

        // Asked again while the update waits: a new code, to the new address; the first is void.
        const again = await sdk.send(new GetUserAttributeVerificationCodeCommand({ AccessToken: token, AttributeName: 'email' }));
        assert.deepEqual(again.CodeDeliveryDetails, { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: 'l***@n***.org' });
        const second = await broker.lastCode('lea@new.example.org', 1);
        assert.equal(broker.messageCount('lea@held.example'), toOld, 'no code went to the old address');
        if (second !== first) assert.equal((await refused(verify(token, first))).name, 'CodeMismatchException', 'the replaced code is void');
        assert.equal((await attributesOf(token)).email, unchanged.email);

        await verify(token, second);
        a = await attributesOf(token);
        assert.deepEqual([a.email, a.email_verified, a.name], ['lea@new.example.org', 'true', 'Lea'], 'the right code applies the new email, verified');
        assert.equal(await signsIn('lea@new.example.org'), true, 'the new email signs in');
        assert.equal(await refusedSignIn('lea@held.example'), 'NotAuthorizedException', 'the old one no longer does');
        assert.equal((await refused(verify(token, second))).name, 'CodeMismatchException', 'the code is used up');
      });

      it('refuses an address another user has, changing nothing, at the update and at the verification', async () => {
        const token = await heldUser('max@held.example');
        await heldUser('ned@held.example');
        const toNed = broker.messageCount('ned@held.example');
        const taken = await refused(sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'NED@held.example' }, { Name: 'name', Value: 'Max' }] })));
        assert.deepEqual([taken.name, taken.message], ['AliasExistsException', 'An account with the given email already exists.']);
        let a = await attributesOf(token);
        assert.deepEqual([a.email, a.email_verified, a.name], ['max@held.example', 'true', undefined], 'nothing changed, not even the name');
        assert.equal(broker.messageCount('ned@held.example'), toNed, 'nothing was sent to the other user');
        assert.equal(broker.messageCount('NED@held.example'), 0);

        // Free at the update, taken before the code comes back: refused, and the update still waits.
        await sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'email', Value: 'pat@held.example' }] }));
        const code = await broker.lastCode('pat@held.example');
        await heldUser('pat@held.example');
        const late = await refused(verify(token, code));
        assert.deepEqual([late.name, late.message], ['AliasExistsException', 'An account with the given email already exists.']);
        a = await attributesOf(token);
        assert.deepEqual([a.email, a.email_verified], ['max@held.example', 'true']);
        assert.equal(await signsIn('max@held.example'), true, 'the old email still signs in');
        const pat = await broker.store.users.findUserByAlias('local_Upd1', 'email', 'pat@held.example');
        assert.equal(pat?.attributes.email, 'pat@held.example', 'the address stays with the user who took it');
      });
    });

    it('refuses writing what a user may not, and deleting what the pool needs', async () => {
      await newUser('jo@example.com');
      const token = (await passwordSignIn('jo@example.com')).AuthenticationResult!.AccessToken!;
      for (const name of ['sub', 'email_verified']) {
        const r = await refused(sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: name, Value: 'x' }] })));
        assert.deepEqual([r.name, r.message], ['NotAuthorizedException', `A client attempted to write unauthorized attribute ${name}`]);
      }
      const unknown = await refused(sdk.send(new UpdateUserAttributesCommand({ AccessToken: token, UserAttributes: [{ Name: 'custom:nope', Value: 'x' }] })));
      assert.equal(unknown.name, 'InvalidParameterException');
      const username = await refused(sdk.send(new DeleteUserAttributesCommand({ AccessToken: token, UserAttributeNames: ['email'] })));
      assert.equal(username.name, 'InvalidParameterException');
      const wrong = await refused(sdk.send(new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: 'email', Code: '000000' })));
      assert.ok(['CodeMismatchException', 'ExpiredCodeException'].includes(wrong.name), wrong.name);
    });

    it('stops a temporary password at NEW_PASSWORD_REQUIRED; of two parallel answers to one Session, one wins', async () => {
      await newUser('kim@example.com');
      const user = await broker.store.users.findUserByAlias(POOL, 'email', 'kim@example.com');
      await broker.store.users.updateUser(POOL, user!.id, { status: 'FORCE_CHANGE_PASSWORD' });
      const c = await passwordSignIn('kim@example.com');
      assert.equal(c.ChallengeName, 'NEW_PASSWORD_REQUIRED');
      assert.equal(c.ChallengeParameters?.USER_ID_FOR_SRP, user!.username);
      assert.deepEqual(JSON.parse(c.ChallengeParameters!.requiredAttributes!), []);
      const answer = () => sdk.send(new RespondToAuthChallengeCommand({
        ClientId: 'server', ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: c.Session, ChallengeResponses: { USERNAME: 'kim@example.com', NEW_PASSWORD: 'my very own passphrase' },
      }));
      const both = await Promise.allSettled([answer(), answer()]);
      assert.equal(both.filter((b) => b.status === 'fulfilled').length, 1, 'a Session answers once');
      const loser = both.find((b) => b.status === 'rejected') as PromiseRejectedResult;
      assert.equal((loser.reason as Error).name, 'NotAuthorizedException');
      assert.ok((await passwordSignIn('kim@example.com', 'my very own passphrase')).AuthenticationResult);
      assert.equal((await broker.store.users.getUser(POOL, user!.id))?.status, 'CONFIRMED');
    });
  });

  describe('device tracking', () => {
    const devicePool = () => new CognitoUserPool({ UserPoolId: 'local_Dev1', ClientId: 'devices', endpoint: `${broker.url}/` });
    const signIn = (email: string, deviceKey?: string) => sdk.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'devices', AuthParameters: { USERNAME: email, PASSWORD, ...(deviceKey ? { DEVICE_KEY: deviceKey } : {}) },
    }));
    async function deviceUser(email: string): Promise<void> {
      await new Promise<void>((resolve, reject) =>
        devicePool().signUp(email, PASSWORD, [new CognitoUserAttribute({ Name: 'email', Value: email })], [], (err) => (err ? reject(err) : resolve())));
      const code = await broker.lastCode(email);
      await new Promise<void>((resolve, reject) => new CognitoUser({ Username: email, Pool: devicePool() }).confirmRegistration(code, true, (err) => (err ? reject(err) : resolve())));
    }

    it('gives a new sign-in a device; confirmed, it is listed and must prove itself, and once forgotten "Device does not exist."', async () => {
      await deviceUser('ned@example.com');
      const first = await signIn('ned@example.com');
      const meta = first.AuthenticationResult!.NewDeviceMetadata!;
      assert.match(meta.DeviceKey!, /^local_[0-9a-f-]{36}$/);
      const token = first.AuthenticationResult!.AccessToken!;
      const confirmed = await sdk.send(new ConfirmDeviceCommand({
        AccessToken: token, DeviceKey: meta.DeviceKey, DeviceName: 'test laptop',
        DeviceSecretVerifierConfig: { PasswordVerifier: Buffer.from('ab'.repeat(32), 'hex').toString('base64'), Salt: Buffer.from('cd'.repeat(16), 'hex').toString('base64') },
      }));
      assert.equal(confirmed.UserConfirmationNecessary, false);
      const got = await sdk.send(new GetDeviceCommand({ AccessToken: token, DeviceKey: meta.DeviceKey }));
      assert.ok(got.Device?.DeviceAttributes?.some((a) => a.Name === 'device_name' && a.Value === 'test laptop'));
      assert.deepEqual((await sdk.send(new ListDevicesCommand({ AccessToken: token }))).Devices?.map((d) => d.DeviceKey), [meta.DeviceKey]);
      // A confirmed device proves its own secret after the password (this one's verifier is made up: no proof can match it).
      const again = await signIn('ned@example.com', meta.DeviceKey);
      assert.deepEqual([again.ChallengeName, again.ChallengeParameters, again.AuthenticationResult], ['DEVICE_SRP_AUTH', {}, undefined]);
      const answerDevice = (session: string, responses: Record<string, string>, name: 'DEVICE_SRP_AUTH' | 'DEVICE_PASSWORD_VERIFIER' = 'DEVICE_SRP_AUTH') => sdk.send(new RespondToAuthChallengeCommand({
        ClientId: 'devices', ChallengeName: name, Session: session, ChallengeResponses: { USERNAME: 'ned@example.com', DEVICE_KEY: meta.DeviceKey!, ...responses },
      }));
      const badA = await refused(answerDevice(again.Session!, { SRP_A: '0' }));
      assert.deepEqual([badA.name, badA.message], ['InvalidParameterException', 'SRP_A is not a valid SRP value.']);
      const otherKey = await refused(answerDevice(again.Session!, { SRP_A: '2', DEVICE_KEY: 'local_00000000-0000-0000-0000-000000000000' }));
      assert.deepEqual([otherKey.name, otherKey.message], ['InvalidParameterException', 'The DEVICE_KEY does not match the challenge.']);
      const retry = await signIn('ned@example.com', meta.DeviceKey);
      const verifier = await answerDevice(retry.Session!, { SRP_A: '2' });
      assert.equal(verifier.ChallengeName, 'DEVICE_PASSWORD_VERIFIER');
      assert.equal(verifier.ChallengeParameters?.SALT, 'cd'.repeat(16), 'the salt the device was confirmed with');
      assert.match(verifier.ChallengeParameters?.SRP_B ?? '', /^[0-9a-f]+$/);
      const claim = { PASSWORD_CLAIM_SECRET_BLOCK: verifier.ChallengeParameters!.SECRET_BLOCK!, TIMESTAMP: srpTimestamp(Date.now()), PASSWORD_CLAIM_SIGNATURE: 'AAAA' };
      const wrong = await refused(answerDevice(verifier.Session!, claim, 'DEVICE_PASSWORD_VERIFIER'));
      assert.deepEqual([wrong.name, wrong.message], ['NotAuthorizedException', 'Incorrect username or password.']);
      const used = await refused(answerDevice(verifier.Session!, claim, 'DEVICE_PASSWORD_VERIFIER'));
      assert.deepEqual([used.name, used.message], ['NotAuthorizedException', 'Invalid session for the user, session is expired.']);
      // A device given but never confirmed has no secret to prove: the password is enough.
      const other = (await signIn('ned@example.com')).AuthenticationResult!.NewDeviceMetadata!;
      const unconfirmed = await signIn('ned@example.com', other.DeviceKey);
      assert.ok(unconfirmed.AuthenticationResult?.AccessToken);
      assert.equal(unconfirmed.AuthenticationResult?.NewDeviceMetadata, undefined, 'a known device gets no new one');
      await sdk.send(new ForgetDeviceCommand({ AccessToken: token, DeviceKey: meta.DeviceKey }));
      const gone = await refused(signIn('ned@example.com', meta.DeviceKey));
      assert.deepEqual([gone.name, gone.message], ['ResourceNotFoundException', 'Device does not exist.']);
      const lookup = await refused(sdk.send(new GetDeviceCommand({ AccessToken: token, DeviceKey: meta.DeviceKey })));
      assert.deepEqual([lookup.name, lookup.message], ['ResourceNotFoundException', 'Device does not exist.']);
    });

    /** The actions (and challenge names) a client sends while `run` runs: the global fetch it calls, wrapped. */
    async function recorded<T>(run: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
      const realFetch = globalThis.fetch;
      const sent: string[] = [];
      globalThis.fetch = async (input, init) => {
        const target = new Headers(init?.headers).get('x-amz-target')?.replace('AWSCognitoIdentityProviderService.', '') ?? '';
        const body = JSON.parse(String(init?.body ?? '{}')) as { ChallengeName?: string; ChallengeResponses?: Record<string, unknown> };
        sent.push([target, body.ChallengeName, body.ChallengeResponses && 'DEVICE_KEY' in body.ChallengeResponses ? `DEVICE_KEY=${body.ChallengeResponses.DEVICE_KEY === null ? 'null' : 'set'}` : undefined].filter(Boolean).join(' '));
        return realFetch(input, init);
      };
      try {
        return { result: await run(), sent };
      } finally {
        globalThis.fetch = realFetch;
      }
    }

    it('lets amazon-cognito-identity-js confirm its device, prove it at the next sign-in (device SRP), and sign in again once it is forgotten', async () => {
      await deviceUser('ora@example.com');
      const user = new CognitoUser({ Username: 'ora@example.com', Pool: devicePool() });
      const first = await recorded(() => srpSignIn(user, PASSWORD));
      assert.deepEqual(first.sent, ['InitiateAuth', 'RespondToAuthChallenge PASSWORD_VERIFIER', 'ConfirmDevice']);
      const token = first.result.getAccessToken().getJwtToken();
      const [device] = (await sdk.send(new ListDevicesCommand({ AccessToken: token }))).Devices ?? [];
      assert.ok(device, 'the client confirmed the device the sign-in gave it');

      // The same app signs in again: its device proves itself with the secret only it keeps.
      const again = await recorded(() => srpSignIn(user, PASSWORD));
      assert.deepEqual(again.sent, ['InitiateAuth', 'RespondToAuthChallenge PASSWORD_VERIFIER DEVICE_KEY=set', 'RespondToAuthChallenge DEVICE_SRP_AUTH DEVICE_KEY=set', 'RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER DEVICE_KEY=set']);
      assert.ok(again.result.isValid());
      const completed = await broker.store.audit.list('local_Dev1', { type: 'sign_in.completed' });
      assert.deepEqual(completed[0]!.detail, { via: 'COGNITO', entrance: 'api-srp', device: device.DeviceKey });

      // Forgotten on the server, the device is "Device does not exist.": the client drops it and answers the same challenge again.
      await sdk.send(new ForgetDeviceCommand({ AccessToken: token, DeviceKey: device.DeviceKey }));
      const third = await recorded(() => srpSignIn(user, PASSWORD));
      assert.deepEqual(third.sent, ['InitiateAuth', 'RespondToAuthChallenge PASSWORD_VERIFIER DEVICE_KEY=set', 'RespondToAuthChallenge PASSWORD_VERIFIER DEVICE_KEY=null', 'ConfirmDevice']);
      const now = (await sdk.send(new ListDevicesCommand({ AccessToken: third.result.getAccessToken().getJwtToken() }))).Devices ?? [];
      assert.equal(now.length, 1);
      assert.notEqual(now[0]!.DeviceKey, device.DeviceKey, 'a new device, confirmed by the client');
    });
  });

  describe('the wire', () => {
    const post = (target: string, body: string, type = 'application/x-amz-json-1.1') =>
      fetch(`${broker.url}/`, { method: 'POST', headers: { 'content-type': type, 'x-amz-target': target }, body });

    it('answers an unknown action, bad JSON and a non-object in Cognito’s shape, with the request id', async () => {
      for (const [target, body, type] of [
        ['AWSCognitoIdentityProviderService.NoSuchThing', '{}', 'UnknownOperationException'],
        ['AWSCognitoIdentityProviderService.SignUp', '{not json', 'SerializationException'],
        ['AWSCognitoIdentityProviderService.SignUp', '[1,2]', 'SerializationException'],
      ] as const) {
        const res = await post(target, body);
        assert.equal(res.status, 400);
        assert.equal(res.headers.get('x-amzn-errortype'), type);
        assert.ok(res.headers.get('x-amzn-requestid'));
        assert.equal(((await res.json()) as { __type: string }).__type, type);
      }
    });

    it('names every member that breaks the model, and changes nothing', async () => {
      const res = await post('AWSCognitoIdentityProviderService.SignUp', JSON.stringify({ ClientId: 'web', Username: 42, Password: '' }));
      const body = (await res.json()) as { __type: string; message: string };
      assert.equal(body.__type, 'InvalidParameterException');
      assert.match(body.message, /^2 validation errors detected: /);
      assert.match(body.message, /Value at 'username' failed to satisfy constraint: Member must be a string/);
      assert.match(body.message, /Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1/);
    });

    it('answers CORS preflights for the app origins only', async () => {
      const pre = (origin: string) => fetch(`${broker.url}/`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,x-amz-user-agent' } });
      const app = await pre('http://localhost:5555');
      assert.equal(app.status, 204);
      assert.equal(app.headers.get('access-control-allow-origin'), 'http://localhost:5555');
      assert.match(app.headers.get('access-control-allow-headers') ?? '', /x-amz-target/);
      const other = await pre('https://evil.example');
      assert.equal(other.status, 204);
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      const answer = await fetch(`${broker.url}/`, { method: 'POST', headers: { origin: 'http://localhost:5555', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.GetUser' }, body: '{"AccessToken":"x.y.z"}' });
      assert.match(answer.headers.get('access-control-expose-headers') ?? '', /x-amzn-ErrorType/);
    });

    it('answers the origins API_CORS_ORIGINS lists instead, when it is set', async () => {
      const listed = await startTestBroker(CONFIG, { API_CORS_ORIGINS: 'https://app.example,https://admin.example' });
      try {
        const allowed = async (origin: string) => (await fetch(`${listed.url}/`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } })).headers.get('access-control-allow-origin');
        assert.equal(await allowed('https://app.example'), 'https://app.example');
        assert.equal(await allowed('https://admin.example'), 'https://admin.example');
        assert.equal(await allowed('http://localhost:5555'), null, 'a callback URL origin is not enough once origins are configured');
      } finally {
        await listed.close();
      }
    });
  });
});
