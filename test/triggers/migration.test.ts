// User migration, the whole broker over HTTP: Cognito's UserMigration trigger (a local module) on
// password sign-in and forgot-password, honouring finalUserStatus, messageAction and
// desiredDeliveryMediums; and the built-in migrator from a live Cognito pool (cognito-local standing
// in for it): the user signs in with the password they had there, keeps their sub, attributes and
// groups, and signs in again once the old pool is gone.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminGetUserCommand, AdminListGroupsForUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand, CreateGroupCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, ForgotPasswordCommand, InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { adminSdk } from '../support/admin.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { startCognitoLocal, type CognitoLocal } from '../support/cognito-local.js';
import { claimsOf } from '../support/jwt.js';
import { refused } from '../support/refused.js';

const OLD_PASSWORD = 'legacy pass 1'; // weaker than the pool's policy: a migrated password is not checked against it, as in Cognito
const dir = mkdtempSync(join(tmpdir(), 'broker-migration-'));
const events = join(dir, 'events.jsonl');
// The operator's handler, as written for Cognito: the old directory is a map here.
writeFileSync(join(dir, 'migrate.mjs'), `
import { appendFileSync } from 'node:fs';
const OLD = {
  'ann@example.com': { given_name: 'Ann', status: 'CONFIRMED', action: 'SUPPRESS' },
  'ben@example.com': { given_name: 'Ben' },
  'cat@example.com': { given_name: 'Cat', status: 'CONFIRMED', mediums: ['EMAIL'] },
};
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(events)}, JSON.stringify(event) + '\\n');
  const old = OLD[event.userName];
  if (!old) throw new Error('Bad username');
  if (event.triggerSource === 'UserMigration_Authentication' && event.request.password !== ${JSON.stringify(OLD_PASSWORD)}) throw new Error('Bad password');
  event.response.userAttributes = { email: event.userName, email_verified: 'true', given_name: old.given_name, 'custom:legacy_id': 'x' };
  if (old.status) event.response.finalUserStatus = old.status;
  if (old.action) event.response.messageAction = old.action;
  if (old.mediums) event.response.desiredDeliveryMediums = old.mediums;
  return event;
};`);
const seen = (who: string): Record<string, any>[] =>
  (existsSync(events) ? readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>) : []).filter((e) => e.userName === who);

const pool = (id: string, migration: string) => `
  - Id: ${id}
    PoolName: ${id}
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Schema: [{ Name: email, Required: true }, { Name: given_name }, { Name: tenant, AttributeDataType: String }]
    LambdaConfig: { UserMigration: "${migration}" }
    Clients:
      - ClientId: ${id.slice(6).toLowerCase()}
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]`;

describe('user migration', () => {
  let broker: TestBroker;
  let old: CognitoLocal;
  let oldSdk: CognitoIdentityProviderClient;
  let sdk: CognitoIdentityProviderClient;
  let admin: CognitoIdentityProviderClient;
  let oldUser: { sub: string };
  before(async () => {
    // The live pool users leave: a user with attributes, a group and a password.
    old = await startCognitoLocal();
    oldSdk = new CognitoIdentityProviderClient({ endpoint: old.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
    const p = await oldSdk.send(new CreateUserPoolCommand({ PoolName: 'old', Schema: [{ Name: 'tenant', AttributeDataType: 'String', Mutable: true }] }));
    const poolId = p.UserPool!.Id!;
    const c = await oldSdk.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }));
    await oldSdk.send(new AdminCreateUserCommand({
      UserPoolId: poolId, Username: 'dora@example.com', MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: 'dora@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: 'Dora' }, { Name: 'custom:tenant', Value: 'acme' }],
    }));
    await oldSdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'dora@example.com', Password: OLD_PASSWORD, Permanent: true }));
    await oldSdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'editors' }));
    await oldSdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: 'dora@example.com', GroupName: 'editors' }));
    const u = await oldSdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'dora@example.com' }));
    oldUser = { sub: u.UserAttributes!.find((a) => a.Name === 'sub')!.Value! };

    broker = await startTestBroker(`pools:${[
      pool('local_MigTrig', `file:${join(dir, 'migrate.mjs')}`),
      pool('local_MigLive', `cognito://eu-west-1/${poolId}?clientId=${c.UserPoolClient!.ClientId}&endpoint=${encodeURIComponent(old.endpoint)}`),
    ].join('')}\n`);
    sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    admin = adminSdk(broker.url);
    await admin.send(new CreateGroupCommand({ UserPoolId: 'local_MigLive', GroupName: 'editors' }));
  });
  after(async () => {
    sdk.destroy();
    admin.destroy();
    oldSdk.destroy();
    await broker.close();
    await old.stop();
  });
  const signIn = (client: string, email: string, password = OLD_PASSWORD) =>
    sdk.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password }, ClientMetadata: { app: 'web' } }));
  const userOf = (poolId: string, email: string) => admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }));

  it('migrates an unknown user on sign-in with the password the handler accepts; the second sign-in no longer asks it', async () => {
    const r = await signIn('migtrig', 'ann@example.com');
    assert.ok(r.AuthenticationResult?.IdToken);
    const id = claimsOf(r.AuthenticationResult.IdToken);
    assert.deepEqual([id.email, id.given_name, id.email_verified], ['ann@example.com', 'Ann', true]);
    assert.equal(id['custom:legacy_id'], undefined, 'an attribute this pool does not define is left behind');
    const [ev] = seen('ann@example.com');
    assert.deepEqual([ev!.triggerSource, ev!.request.password, ev!.request.clientMetadata, ev!.callerContext.clientId], ['UserMigration_Authentication', OLD_PASSWORD, { app: 'web' }, 'migtrig']);
    assert.equal(ev!.request.userAttributes, undefined, 'the migration event carries no attributes');
    assert.equal((await userOf('local_MigTrig', 'ann@example.com')).UserStatus, 'CONFIRMED');
    assert.equal(broker.messageCount('ann@example.com'), 0, 'messageAction SUPPRESS: no welcome');

    await signIn('migtrig', 'ann@example.com');
    assert.equal(seen('ann@example.com').length, 1, 'the migrated user signs in here');
    assert.equal((await refused(signIn('migtrig', 'ann@example.com', 'another password'))).name, 'NotAuthorizedException', 'and only with that password');
  });

  it('refuses a wrong password or an unknown name as any wrong password, creating nobody', async () => {
    const wrong = await refused(signIn('migtrig', 'cat@example.com', 'not it'));
    assert.deepEqual([wrong.name, wrong.message], ['NotAuthorizedException', 'Incorrect username or password.']);
    const unknown = await refused(signIn('migtrig', 'zed@example.com'));
    assert.deepEqual([unknown.name, unknown.message], ['NotAuthorizedException', 'Incorrect username or password.']);
    assert.equal((await refused(userOf('local_MigTrig', 'cat@example.com'))).name, 'UserNotFoundException');
  });

  it('honours finalUserStatus RESET_REQUIRED (the default) and desiredDeliveryMediums', async () => {
    const reset = await refused(signIn('migtrig', 'ben@example.com'));
    assert.equal(reset.name, 'PasswordResetRequiredException');
    assert.equal((await userOf('local_MigTrig', 'ben@example.com')).UserStatus, 'RESET_REQUIRED');
    const r = await signIn('migtrig', 'cat@example.com');
    assert.ok(r.AuthenticationResult?.AccessToken);
    assert.match((await broker.nextMessage('cat@example.com')).body, /Sign in with the password you already have/, 'welcomed by EMAIL, as asked');
  });

  it('migrates on forgot-password (UserMigration_ForgotPassword, no password): the reset code sets the first password here', async () => {
    const d = await sdk.send(new ForgotPasswordCommand({ ClientId: 'migtrig', Username: 'dan@example.com' }));
    assert.ok(d.CodeDeliveryDetails, 'an unknown name gets the usual answer');
    assert.equal(seen('dan@example.com').length, 1);
    assert.equal(seen('dan@example.com')[0]!.request.password, undefined);

    // ben was migrated above (RESET_REQUIRED): a reset now needs no migration.
    await sdk.send(new ForgotPasswordCommand({ ClientId: 'migtrig', Username: 'ben@example.com' }));
    await sdk.send(new ConfirmForgotPasswordCommand({ ClientId: 'migtrig', Username: 'ben@example.com', ConfirmationCode: await broker.lastCode('ben@example.com'), Password: 'a brand new passphrase' }));
    assert.ok((await signIn('migtrig', 'ben@example.com', 'a brand new passphrase')).AuthenticationResult);
  });

  it('migrates from a live Cognito pool with the password the user has there: sub, attributes and groups kept, then signs in without it', async () => {
    const r = await signIn('miglive', 'dora@example.com');
    const id = claimsOf(r.AuthenticationResult!.IdToken!);
    assert.equal(id.sub, oldUser.sub, 'the same sub as in the old pool');
    assert.deepEqual([id.email, id.given_name, id['custom:tenant']], ['dora@example.com', 'Dora', 'acme']);
    assert.deepEqual(id['cognito:groups'], ['editors']);
    const groups = await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: 'local_MigLive', Username: 'dora@example.com' }));
    assert.deepEqual(groups.Groups?.map((g) => g.GroupName), ['editors']);
    assert.equal((await refused(signIn('miglive', 'erin@example.com'))).name, 'NotAuthorizedException', 'a name the old pool does not know');

    await old.stop(); // the old pool is gone: the migrated user signs in all the same
    assert.equal(claimsOf((await signIn('miglive', 'dora@example.com')).AuthenticationResult!.IdToken!).sub, oldUser.sub);
    const down = await refused(signIn('miglive', 'fred@example.com'));
    assert.equal(down.name, 'UnexpectedLambdaException', 'an unknown name while the old pool is unreachable fails, and creates nobody');
  });
});
