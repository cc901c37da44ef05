// Passkeys through the API (StartWebAuthnRegistration, CompleteWebAuthnRegistration,
// ListWebAuthnCredentials, DeleteWebAuthnCredential, USER_AUTH's WEB_AUTHN) with the AWS SDK and a
// software authenticator that builds WebAuthn's own structures, against the whole broker over HTTP on
// SQLite and (with MONGODB_URI) MongoDB. @simplewebauthn/server checks the ceremonies; these tests
// prove that a credential for another origin or RP id, a replayed challenge and a counter that goes
// back are all refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import {
  AssociateSoftwareTokenCommand, VerifySoftwareTokenCommand, CognitoIdentityProviderClient, CompleteWebAuthnRegistrationCommand, DeleteWebAuthnCredentialCommand, InitiateAuthCommand, ListWebAuthnCredentialsCommand,
  RespondToAuthChallengeCommand, SignUpCommand, ConfirmSignUpCommand, StartWebAuthnRegistrationCommand, type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { SoftAuthenticator } from '../support/authenticator.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { storesUnderTest } from '../support/stores.js';
import { refused } from '../support/refused.js';

const POOL = 'local_Passkey1';
const CLIENT = 'pk';
const PASSWORD = 'correct horse battery staple';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Passkeys
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Policies:
      SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, WEB_AUTHN] }
    Clients:
      - ClientId: ${CLIENT}
        CallbackURLs: ["https://app.example/cb"]
        AllowedOAuthScopes: [openid, email, aws.cognito.signin.user.admin]
        ExplicitAuthFlows: [ALLOW_USER_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

const stores = storesUnderTest('passkeys');

for (const [storeName, env] of stores) {
  describe(`passkeys through the API, on ${storeName}`, () => {
    let broker: TestBroker;
    let sdk: CognitoIdentityProviderClient;
    let origin: string;
    let n = 0;
    before(async () => {
      broker = await startTestBroker(CONFIG, env);
      origin = new URL(broker.url).origin;
      sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    });
    after(async () => {
      sdk.destroy();
      await broker.close();
    });

    /** A confirmed user signed in with the password; the access token. */
    async function signedIn(): Promise<{ email: string; access: string }> {
      const email = `pk${++n}@example.com`;
      await sdk.send(new SignUpCommand({ ClientId: CLIENT, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
      await sdk.send(new ConfirmSignUpCommand({ ClientId: CLIENT, Username: email, ConfirmationCode: await broker.lastCode(email) }));
      const r = await sdk.send(new InitiateAuthCommand({ ClientId: CLIENT, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }));
      return { email, access: r.AuthenticationResult!.AccessToken! };
    }
    async function registered(): Promise<{ email: string; access: string; key: SoftAuthenticator }> {
      const u = await signedIn();
      const key = new SoftAuthenticator();
      const start = await sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: u.access }));
      await sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: u.access, Credential: key.create(start.CredentialCreationOptions as never, origin) as never }));
      return { ...u, key };
    }
    const passkeyChallenge = (email: string): Promise<InitiateAuthCommandOutput> =>
      sdk.send(new InitiateAuthCommand({ ClientId: CLIENT, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'WEB_AUTHN' } }));
    const answer = (email: string, c: InitiateAuthCommandOutput, credential: Record<string, unknown>) =>
      sdk.send(new RespondToAuthChallengeCommand({ ClientId: CLIENT, ChallengeName: 'WEB_AUTHN', Session: c.Session, ChallengeResponses: { USERNAME: email, CREDENTIAL: JSON.stringify(credential) } }));
    const optionsOf = (c: InitiateAuthCommandOutput) => JSON.parse(c.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!) as { challenge: string; rpId: string; allowCredentials: { id: string }[] };

    it('registers a passkey (RP id: the host of PUBLIC_URL), lists it, and signs in with it alone (WEB_AUTHN)', async () => {
      const u = await signedIn();
      const key = new SoftAuthenticator();
      const start = await sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: u.access }));
      const options = start.CredentialCreationOptions as { rp: { id: string }; challenge: string; authenticatorSelection: { residentKey: string } };
      assert.equal(options.rp.id, '127.0.0.1');
      assert.equal(options.authenticatorSelection.residentKey, 'required');
      await sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: u.access, Credential: key.create(options as never, origin) as never }));
      const list = await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: u.access }));
      assert.deepEqual(list.Credentials?.map((c) => [c.CredentialId, c.RelyingPartyId, c.AuthenticatorAttachment]), [[key.id, '127.0.0.1', 'platform']]);

      const c = await passkeyChallenge(u.email);
      assert.equal(c.ChallengeName, 'WEB_AUTHN');
      assert.deepEqual(optionsOf(c).allowCredentials.map((a) => a.id), [key.id]);
      const done = await answer(u.email, c, key.get(optionsOf(c), origin));
      assert.ok(done.AuthenticationResult?.AccessToken);
      // The Session is single use: the same answer again is refused.
      assert.equal((await refused(answer(u.email, c, key.get(optionsOf(c), origin)))).name, 'NotAuthorizedException');
    });

    it('refuses a registration for another origin or RP id, and one whose challenge was not given to this user', async () => {
      const u = await signedIn();
      const start = async () => (await sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: u.access }))).CredentialCreationOptions as never;
      const evil = await refused(sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: u.access, Credential: new SoftAuthenticator().create(await start(), 'https://evil.example') as never })));
      assert.equal(evil.name, 'WebAuthnOriginNotAllowedException');
      const otherRp = await refused(sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: u.access, Credential: new SoftAuthenticator().create(await start(), origin, { rpId: 'evil.example' }) as never })));
      assert.equal(otherRp.name, 'WebAuthnRelyingPartyMismatchException');
      const someoneElse = await signedIn();
      const stolen = await refused(sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: someoneElse.access, Credential: new SoftAuthenticator().create(await start(), origin) as never })));
      assert.equal(stolen.name, 'WebAuthnChallengeNotFoundException');
      assert.deepEqual((await sdk.send(new ListWebAuthnCredentialsCommand({ AccessToken: u.access }))).Credentials, []);
    });

    it('refuses an assertion for another origin or RP id, one whose counter goes back, and any after the passkey is deleted', async () => {
      const u = await registered();
      let c = await passkeyChallenge(u.email);
      assert.equal((await refused(answer(u.email, c, u.key.get(optionsOf(c), 'https://evil.example')))).name, 'WebAuthnOriginNotAllowedException');
      c = await passkeyChallenge(u.email);
      assert.equal((await refused(answer(u.email, c, u.key.get(optionsOf(c), origin, { rpId: 'evil.example' })))).name, 'WebAuthnRelyingPartyMismatchException');
      c = await passkeyChallenge(u.email);
      assert.ok((await answer(u.email, c, u.key.get(optionsOf(c), origin, { counter: 10 }))).AuthenticationResult);
      c = await passkeyChallenge(u.email);
      assert.equal((await refused(answer(u.email, c, u.key.get(optionsOf(c), origin, { counter: 5 })))).name, 'NotAuthorizedException', 'a cloned authenticator');
      await sdk.send(new DeleteWebAuthnCredentialCommand({ AccessToken: u.access, CredentialId: u.key.id }));
      c = await passkeyChallenge(u.email);
      assert.equal((await refused(answer(u.email, c, u.key.get(optionsOf(c), origin, { counter: 20 })))).name, 'NotAuthorizedException');
    });

    it('answers a name without passkeys with plausible options that no credential answers', async () => {
      const c = await passkeyChallenge('nobody@example.com');
      assert.equal(c.ChallengeName, 'WEB_AUTHN');
      assert.equal(optionsOf(c).allowCredentials.length, 1);
      assert.equal((await refused(answer('nobody@example.com', c, new SoftAuthenticator().get(optionsOf(c), origin)))).name, 'NotAuthorizedException');
    });
  });
}

describe('passkeys where the pool requires MFA (WebAuthnConfiguration.FactorConfiguration)', () => {
  const pool = (id: string, client: string, factor: string) => `
  - Id: ${id}
    PoolName: ${id}
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    MfaConfiguration: ON
    SoftwareTokenMfaConfiguration: { Enabled: true }
    WebAuthnConfiguration: { FactorConfiguration: ${factor} }
    Policies:
      SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, WEB_AUTHN] }
    Clients:
      - ClientId: ${client}
        CallbackURLs: ["https://app.example/cb"]
        ExplicitAuthFlows: [ALLOW_USER_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]`;
  let broker: TestBroker;
  let sdk: CognitoIdentityProviderClient;
  before(async () => {
    broker = await startTestBroker(`pools:${pool('local_PkOne1', 'one', 'SINGLE_FACTOR')}${pool('local_PkTwo1', 'two', 'MULTI_FACTOR_WITH_USER_VERIFICATION')}\n`);
    sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  after(async () => {
    sdk.destroy();
    await broker.close();
  });

  /** A user with a passkey: a password sign-in through MFA_SETUP (an authenticator app) first, then the registration. */
  async function withPasskey(client: string, email: string): Promise<SoftAuthenticator> {
    await sdk.send(new SignUpCommand({ ClientId: client, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    await sdk.send(new ConfirmSignUpCommand({ ClientId: client, Username: email, ConfirmationCode: await broker.lastCode(email) }));
    const setup = await sdk.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }));
    assert.equal(setup.ChallengeName, 'MFA_SETUP');
    const a = await sdk.send(new AssociateSoftwareTokenCommand({ Session: setup.Session }));
    const v = await sdk.send(new VerifySoftwareTokenCommand({ Session: a.Session, UserCode: new TOTP({ secret: Secret.fromBase32(a.SecretCode!) }).generate() }));
    const done = await sdk.send(new RespondToAuthChallengeCommand({ ClientId: client, ChallengeName: 'MFA_SETUP', Session: v.Session, ChallengeResponses: { USERNAME: email } }));
    const access = done.AuthenticationResult!.AccessToken!;
    const key = new SoftAuthenticator();
    const start = await sdk.send(new StartWebAuthnRegistrationCommand({ AccessToken: access }));
    await sdk.send(new CompleteWebAuthnRegistrationCommand({ AccessToken: access, Credential: key.create(start.CredentialCreationOptions as never, new URL(broker.url).origin) as never }));
    return key;
  }
  async function passkeySignIn(client: string, email: string, key: SoftAuthenticator, flags: number) {
    const c = await sdk.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'WEB_AUTHN' } }));
    const options = JSON.parse(c.ChallengeParameters!.CREDENTIAL_REQUEST_OPTIONS!) as { challenge: string };
    return sdk.send(new RespondToAuthChallengeCommand({
      ClientId: client, ChallengeName: 'WEB_AUTHN', Session: c.Session, ChallengeResponses: { USERNAME: email, CREDENTIAL: JSON.stringify(key.get(options, new URL(broker.url).origin, { flags })) },
    }));
  }

  it('SINGLE_FACTOR: a passkey is one factor, and the pool’s MFA follows it', async () => {
    const key = await withPasskey('one', 'one@example.com');
    const r = await passkeySignIn('one', 'one@example.com', key, 0x05);
    assert.deepEqual([r.ChallengeName, r.AuthenticationResult], ['SOFTWARE_TOKEN_MFA', undefined]);
  });

  it('MULTI_FACTOR_WITH_USER_VERIFICATION: a passkey that verified its user is both factors; one that did not is followed by MFA', async () => {
    const key = await withPasskey('two', 'two@example.com');
    assert.ok((await passkeySignIn('two', 'two@example.com', key, 0x05)).AuthenticationResult?.AccessToken, 'user present and verified');
    const presentOnly = await passkeySignIn('two', 'two@example.com', key, 0x01);
    assert.deepEqual([presentOnly.ChallengeName, presentOnly.AuthenticationResult], ['SOFTWARE_TOKEN_MFA', undefined]);
  });
});
