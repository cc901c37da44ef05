// A pool moved between brokers with `export-users` and `import-users`: from SQLite to MongoDB (when
// MONGODB_URI is set, as CI sets it; else to another SQLite store), under another BROKER_KEY_SECRET.
// Every user signs in on the new broker as before (SRP through amazon-cognito-identity-js, and with
// the password), with the same sub, attributes, status, groups and linked identities.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDisableUserCommand, AdminGetUserCommand, AdminLinkProviderForUserCommand, AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient, CreateGroupCommand, InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool, type CognitoUserSession } from 'amazon-cognito-identity-js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';
import { adminSdk } from '../support/admin.js';
import { claimsOf } from '../support/jwt.js';

const run = promisify(execFile);
const POOL = 'local_Mov1';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Moving
    AliasAttributes: [email]
    Clients:
      - ClientId: app
        ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
    IdentityProviders:
      - { ProviderName: Corp, ProviderType: OIDC, ProviderDetails: { client_id: corp, client_secret: corp-secret, oidc_issuer: "https://idp.corp.example", authorize_scopes: openid } }
`;
const mongo = process.env.MONGODB_URI;

describe(`export-users and import-users: SQLite to ${mongo ? 'MongoDB' : 'SQLite (MONGODB_URI is not set)'}`, () => {
  let from: TestBroker;
  let to: TestBroker;
  let toEnv: Record<string, string>;

  before(async () => {
    from = await startTestBroker(CONFIG);
    const target: Record<string, string> = { BROKER_KEY_SECRET: 'another-broker-key-secret-9876543210' };
    if (mongo) {
      const uri = new URL(mongo);
      uri.pathname = `/move_${randomBytes(4).toString('hex')}`;
      target.MONGODB_URI = uri.toString();
    }
    to = await startTestBroker(CONFIG, target);
    toEnv = { ...target, DATA_DIR: to.dataDir, BROKER_CONFIG: join(to.dataDir, 'broker.yaml') };
  });
  after(async () => {
    await to?.close();
    await from?.close();
  });

  /** The admin CLI on a broker's store: only the env given chooses it (the test's own MONGODB_URI does not leak in). */
  const cli = (env: Record<string, string>, ...args: string[]) => {
    const { MONGODB_URI: _m, ...rest } = process.env;
    return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...rest, ...env } });
  };

  it('moves users with passwords, verifiers, groups and identities: they sign in on the new broker unchanged', async () => {
    const admin = adminSdk(from.url);
    await admin.send(new CreateGroupCommand({ UserPoolId: POOL, GroupName: 'staff', Precedence: 2, RoleArn: 'arn:aws:iam::123456789012:role/Staff' }));
    const people = ['ann', 'ben', 'cat'];
    for (const u of people) {
      await admin.send(new AdminCreateUserCommand({ UserPoolId: POOL, Username: u, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `${u}@example.com` }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: u.toUpperCase() }] }));
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: POOL, Username: u, Password: `${u} has a password`, Permanent: true }));
    }
    await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: POOL, Username: 'ann', GroupName: 'staff' }));
    await admin.send(new AdminLinkProviderForUserCommand({ UserPoolId: POOL, DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'ben' }, SourceUser: { ProviderName: 'Corp', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'corp-ben' } }));
    await admin.send(new AdminDisableUserCommand({ UserPoolId: POOL, Username: 'cat' }));
    const before = await Promise.all(people.map((u) => admin.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: u }))));
    admin.destroy();

    const file = join(from.dataDir, 'users.jsonl');
    const exported = await cli({ DATA_DIR: from.dataDir, BROKER_CONFIG: join(from.dataDir, 'broker.yaml'), BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789' }, 'export-users', POOL, file);
    assert.match(exported.stderr, /exported 3 users/);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the export is for its owner alone');
    assert.equal(readFileSync(file, 'utf8').includes('sealed:v1:'), false, 'nothing sealed under the old key travels');
    const imported = await cli(toEnv, 'import-users', POOL, file);
    assert.match(imported.stdout, /imported 3 users into local_Mov1; 0 lines failed/);

    const moved = adminSdk(to.url);
    const after = await Promise.all(people.map((u) => moved.send(new AdminGetUserCommand({ UserPoolId: POOL, Username: u }))));
    for (const [i, a] of after.entries()) {
      assert.deepEqual(a.UserAttributes, before[i]!.UserAttributes, `${people[i]}: the same sub and attributes`);
      assert.equal(a.UserStatus, before[i]!.UserStatus);
      assert.equal(a.Enabled, before[i]!.Enabled);
    }
    // SRP, as Amplify and amazon-cognito-identity-js sign in: the verifier came along.
    const session = await new Promise<CognitoUserSession>((resolve, reject) => {
      new CognitoUser({ Username: 'ann@example.com', Pool: new CognitoUserPool({ UserPoolId: POOL, ClientId: 'app', endpoint: to.url }) })
        .authenticateUser(new AuthenticationDetails({ Username: 'ann@example.com', Password: 'ann has a password' }), { onSuccess: resolve, onFailure: reject });
    });
    const id = claimsOf(session.getIdToken().getJwtToken());
    assert.deepEqual(id['cognito:groups'], ['staff']);
    assert.equal(id['cognito:preferred_role'], 'arn:aws:iam::123456789012:role/Staff');
    const app = new CognitoIdentityProviderClient({ endpoint: to.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    const ben = (await app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'ben', PASSWORD: 'ben has a password' } }))).AuthenticationResult!;
    assert.deepEqual((claimsOf(ben.IdToken!).identities as { userId: string }[]).map((x) => x.userId), ['corp-ben'], 'the linked identity came along');
    assert.equal((await refused(app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'cat', PASSWORD: 'cat has a password' } })))).message, 'User is disabled.');

    // Again: every user is there already, so every line fails and nothing changes.
    const again = await cli(toEnv, 'import-users', POOL, file).then(() => null, (e: { stdout: string; stderr: string }) => e);
    assert.match(again!.stdout, /imported 0 users/);
    assert.match(again!.stderr, /User already exists|UsernameExists|exists/);
    moved.destroy();
    app.destroy();
  });
});
