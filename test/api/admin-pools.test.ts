// Pools and app clients managed at run time through the AWS SDK, signed with SigV4: created, read,
// replaced, listed and removed; each refusal names the member and changes nothing; a client made
// through the API signs in at once and stops when deleted. The broker runs whole, on SQLite, over HTTP.
import assert from 'node:assert/strict';
import { createHmac, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CognitoIdentityProviderClient, ConfirmSignUpCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, DeleteUserPoolClientCommand,
  DeleteUserPoolCommand, DescribeUserPoolClientCommand, DescribeUserPoolCommand, GetSigningCertificateCommand, GetUserPoolMfaConfigCommand,
  InitiateAuthCommand, ListUserPoolClientsCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand, ListUserPoolsCommand, SetUserPoolMfaConfigCommand, SignUpCommand, UpdateUserPoolClientCommand,
  UpdateUserPoolCommand, CreateResourceServerCommand, DescribeResourceServerCommand, ListResourceServersCommand, UpdateResourceServerCommand,
  DeleteResourceServerCommand, AddUserPoolClientSecretCommand, DeleteUserPoolClientSecretCommand, ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';
import { adminSdk, awsCli } from '../support/admin.js';
import { claimsOf } from '../support/jwt.js';


const CONFIG = `
pools:
  - Id: local_Cfg1
    PoolName: Declared
    Clients:
      - ClientId: declared
`;
const PASSWORD = 'correct horse battery staple';

describe('user pools and app clients through the management API (SigV4)', () => {
  let broker: TestBroker;
  let admin: CognitoIdentityProviderClient;
  let app: CognitoIdentityProviderClient;

  before(async () => {
    broker = await startTestBroker(CONFIG);
    admin = adminSdk(broker.url);
    app = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  after(async () => {
    admin.destroy();
    app.destroy();
    await broker.close();
  });

  const poolIds = async () => (await broker.store.pools.listPools()).map((p) => p.id);
  const newPool = async (input: Partial<ConstructorParameters<typeof CreateUserPoolCommand>[0]> = {}) =>
    (await admin.send(new CreateUserPoolCommand({ PoolName: 'made', ...input }))).UserPool!;

  describe('user pools', () => {
    it('creates a pool with an Id of its choosing, describes it in Cognito\'s shape and lists it', async () => {
      const made = await newPool({
        PoolName: 'Made at run time', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'],
        Policies: { PasswordPolicy: { MinimumLength: 10, RequireNumbers: true } },
        Schema: [{ Name: 'department', AttributeDataType: 'String', Mutable: true, StringAttributeConstraints: { MinLength: '0', MaxLength: '64' } }],
        UserPoolTags: { team: 'x' },
      });
      assert.match(made.Id!, /^local_[0-9a-zA-Z]+$/);
      assert.equal(made.Name, 'Made at run time');
      assert.match(made.Arn!, new RegExp(`^arn:aws:cognito-idp:local:\\d{12}:userpool/${made.Id}$`));
      assert.ok(made.CreationDate instanceof Date && made.LastModifiedDate instanceof Date);
      assert.deepEqual(made.UsernameAttributes, ['email']);
      assert.equal(made.Policies?.PasswordPolicy?.MinimumLength, 10);
      assert.equal(made.Policies?.PasswordPolicy?.RequireNumbers, true);
      assert.equal(made.MfaConfiguration, 'OFF');
      assert.equal(made.DeletionProtection, 'INACTIVE');
      assert.deepEqual(made.SchemaAttributes?.map((a) => [a.Name, a.StringAttributeConstraints?.MaxLength]), [['custom:department', '64']]);
      assert.equal(made.AdminCreateUserConfig?.AllowAdminCreateUserOnly, false);

      const described = (await admin.send(new DescribeUserPoolCommand({ UserPoolId: made.Id }))).UserPool!;
      assert.deepEqual(described, made);
      assert.equal((await broker.store.pools.getPool(made.Id!))?.settings.PoolName, 'Made at run time');
      const listed = await admin.send(new ListUserPoolsCommand({ MaxResults: 60 }));
      assert.ok(listed.UserPools!.some((p) => p.Id === made.Id && p.Name === 'Made at run time'));
      assert.ok(listed.UserPools!.some((p) => p.Id === 'local_Cfg1'));
    });

    it('pages ListUserPools with NextToken, and refuses it without MaxResults or beyond 60', async () => {
      await newPool();
      const all = await poolIds();
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await admin.send(new ListUserPoolsCommand({ MaxResults: 1, NextToken: token }));
        assert.ok(page.UserPools!.length <= 1);
        seen.push(...page.UserPools!.map((p) => p.Id!));
        token = page.NextToken;
      } while (token);
      assert.deepEqual(seen, all);
      assert.equal((await refused(admin.send(new ListUserPoolsCommand({} as never)))).name, 'InvalidParameterException');
      const over = await refused(admin.send(new ListUserPoolsCommand({ MaxResults: 61 })));
      assert.equal(over.name, 'InvalidParameterException');
      assert.match(over.message, /maxResults/i);
      assert.equal((await refused(admin.send(new ListUserPoolsCommand({ MaxResults: 0 })))).name, 'InvalidParameterException');
    });

    it('refuses a pool the config file would refuse, naming the member, and creates nothing', async () => {
      const before = await poolIds();
      const short = await refused(newPool({ Policies: { PasswordPolicy: { MinimumLength: 3 } } }));
      assert.equal(short.name, 'InvalidParameterException');
      assert.match(short.message, /policies\.passwordPolicy\.minimumLength/i);
      const both = await refused(newPool({ UsernameAttributes: ['email'], AliasAttributes: ['email'] }));
      assert.equal(both.name, 'InvalidParameterException');
      assert.match(both.message, /aliasAttributes/i);
      const noName = await refused(admin.send(new CreateUserPoolCommand({} as never)));
      assert.equal(noName.name, 'InvalidParameterException');
      assert.match(noName.message, /poolName/i);
      const held = await refused(newPool({ UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] } }));
      assert.match(held.message, /AutoVerifiedAttributes/);
      assert.deepEqual(await poolIds(), before);
    });

    it('replaces settings on UpdateUserPool: members not given return to defaults, those it cannot change stay', async () => {
      const made = await newPool({ UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], Policies: { PasswordPolicy: { MinimumLength: 12 } } });
      await admin.send(new UpdateUserPoolCommand({ UserPoolId: made.Id, DeletionProtection: 'ACTIVE', AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } }));
      const after = (await admin.send(new DescribeUserPoolCommand({ UserPoolId: made.Id }))).UserPool!;
      assert.equal(after.Name, 'made', 'the name stays when not given');
      assert.deepEqual(after.UsernameAttributes, ['email'], 'UpdateUserPool cannot change UsernameAttributes');
      assert.deepEqual(after.AutoVerifiedAttributes, [], 'not given: back to the default');
      assert.equal(after.Policies?.PasswordPolicy?.MinimumLength, 8, 'not given: back to the default');
      assert.equal(after.AdminCreateUserConfig?.AllowAdminCreateUserOnly, true);
      assert.equal(after.DeletionProtection, 'ACTIVE');
      assert.ok(after.LastModifiedDate!.getTime() >= made.LastModifiedDate!.getTime());
    });

    it('refuses a bad UpdateUserPool, naming the member, and changes nothing; an unknown pool is not found', async () => {
      const made = await newPool({ AutoVerifiedAttributes: ['email'] });
      const stored = await broker.store.pools.getPool(made.Id!);
      const bad = await refused(admin.send(new UpdateUserPoolCommand({ UserPoolId: made.Id, Policies: { PasswordPolicy: { MinimumLength: 100 } } })));
      assert.equal(bad.name, 'InvalidParameterException');
      assert.match(bad.message, /policies\.passwordPolicy\.minimumLength/i);
      assert.deepEqual(await broker.store.pools.getPool(made.Id!), stored);
      const missing = await refused(admin.send(new UpdateUserPoolCommand({ UserPoolId: 'local_Missing1' })));
      assert.equal(missing.name, 'ResourceNotFoundException');
      assert.equal((await refused(admin.send(new DescribeUserPoolCommand({ UserPoolId: 'local_Missing1' })))).name, 'ResourceNotFoundException');
      assert.equal((await refused(admin.send(new DescribeUserPoolCommand({ UserPoolId: 'not a pool id' })))).name, 'InvalidParameterException');
    });

    it('refuses to delete a pool under DeletionProtection, then deletes it and everything in it', async () => {
      const made = await newPool({ DeletionProtection: 'ACTIVE', AutoVerifiedAttributes: ['email'] });
      const client = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: made.Id, ClientName: 'doomed', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!;
      await app.send(new SignUpCommand({ ClientId: client.ClientId, Username: 'gone@example.com', Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: 'gone@example.com' }] }));
      const guarded = await refused(admin.send(new DeleteUserPoolCommand({ UserPoolId: made.Id })));
      assert.equal(guarded.name, 'InvalidParameterException');
      assert.match(guarded.message, /deletion protection/i);
      assert.ok(await broker.store.pools.getPool(made.Id!), 'the pool is still there');
      assert.equal((await broker.store.pools.listClients(made.Id!)).length, 1);

      await admin.send(new UpdateUserPoolCommand({ UserPoolId: made.Id, DeletionProtection: 'INACTIVE' }));
      await admin.send(new DeleteUserPoolCommand({ UserPoolId: made.Id }));
      assert.equal((await refused(admin.send(new DescribeUserPoolCommand({ UserPoolId: made.Id })))).name, 'ResourceNotFoundException');
      assert.equal(await broker.store.pools.getPool(made.Id!), null);
      assert.deepEqual(await broker.store.pools.findClientsById(client.ClientId!), []);
      assert.equal((await refused(admin.send(new DeleteUserPoolCommand({ UserPoolId: made.Id })))).name, 'ResourceNotFoundException');
      const signIn = await refused(app.send(new InitiateAuthCommand({ ClientId: client.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'gone@example.com', PASSWORD } })));
      assert.equal(signIn.name, 'ResourceNotFoundException');
    });

    it('answers the pool\'s SAML signing certificate', async () => {
      const { Certificate } = await admin.send(new GetSigningCertificateCommand({ UserPoolId: 'local_Cfg1' }));
      const cert = new X509Certificate(Buffer.from(Certificate!, 'base64'));
      assert.ok(cert.publicKey.asymmetricKeyType === 'rsa');
      const again = await admin.send(new GetSigningCertificateCommand({ UserPoolId: 'local_Cfg1' }));
      assert.equal(again.Certificate, Certificate, 'the same key, not a new one per call');
      assert.equal((await refused(admin.send(new GetSigningCertificateCommand({ UserPoolId: 'local_Missing1' })))).name, 'ResourceNotFoundException');
    });

    it('keeps and answers the MFA settings (SetUserPoolMfaConfig, GetUserPoolMfaConfig), refusing bad ones unchanged', async () => {
      const made = await newPool();
      assert.equal((await admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: made.Id }))).MfaConfiguration, 'OFF');
      const set = await admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: made.Id, MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } }));
      assert.equal(set.MfaConfiguration, 'OPTIONAL');
      assert.deepEqual(set.SoftwareTokenMfaConfiguration, { Enabled: true });
      const got = await admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: made.Id }));
      assert.equal(got.MfaConfiguration, 'OPTIONAL');
      assert.deepEqual(got.SoftwareTokenMfaConfiguration, { Enabled: true });
      assert.equal((await admin.send(new DescribeUserPoolCommand({ UserPoolId: made.Id }))).UserPool!.MfaConfiguration, 'OPTIONAL');
      const bad = await refused(admin.send(new SetUserPoolMfaConfigCommand({ UserPoolId: made.Id, MfaConfiguration: 'SOMETIMES' as never })));
      assert.equal(bad.name, 'InvalidParameterException');
      assert.match(bad.message, /mfaConfiguration/i);
      assert.equal((await admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: made.Id }))).MfaConfiguration, 'OPTIONAL');
      assert.equal((await refused(admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: 'local_Missing1' })))).name, 'ResourceNotFoundException');
    });
  });

  describe('app clients', () => {
    let poolId: string;
    before(async () => {
      poolId = (await newPool({ UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] })).Id!;
    });
    const secretHash = (secret: string, username: string, clientId: string) => createHmac('sha256', secret).update(username + clientId).digest('base64');

    it('creates a client with a secret that signs in at once, and stops signing in once deleted', async () => {
      const made = (await admin.send(new CreateUserPoolClientCommand({
        UserPoolId: poolId, ClientName: 'server', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }))).UserPoolClient!;
      assert.match(made.ClientId!, /^[a-z0-9]{26}$/);
      assert.match(made.ClientSecret!, /^[a-z0-9]{51}$/);
      assert.equal(made.UserPoolId, poolId);
      assert.equal(made.ClientName, 'server');
      assert.deepEqual(made.ExplicitAuthFlows, ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
      const described = (await admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId }))).UserPoolClient!;
      assert.equal(described.ClientSecret, made.ClientSecret, 'Describe answers the secret, as Cognito');
      assert.deepEqual(described, made);

      const email = 'new@example.com';
      const sh = secretHash(made.ClientSecret!, email, made.ClientId!);
      await app.send(new SignUpCommand({ ClientId: made.ClientId, SecretHash: sh, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
      await app.send(new ConfirmSignUpCommand({ ClientId: made.ClientId, SecretHash: sh, Username: email, ConfirmationCode: await broker.lastCode(email) }));
      const signIn = () => app.send(new InitiateAuthCommand({ ClientId: made.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD, SECRET_HASH: sh } }));
      const tokens = (await signIn()).AuthenticationResult!;
      assert.equal(claimsOf(tokens.IdToken!).aud, made.ClientId);
      assert.equal(claimsOf(tokens.IdToken!).iss, broker.issuer(poolId));
      const noHash = await refused(app.send(new InitiateAuthCommand({ ClientId: made.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } })));
      assert.equal(noHash.name, 'NotAuthorizedException');

      await admin.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId }));
      assert.equal((await refused(signIn())).name, 'ResourceNotFoundException');
      assert.equal((await refused(admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId })))).name, 'ResourceNotFoundException');
      assert.equal((await refused(admin.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId })))).name, 'ResourceNotFoundException');
    });

    it('rotates a client secret: two live secrets, then the old one deleted stops working', async () => {
      const made = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'rotating', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }))).UserPoolClient!;
      const email = 'rotate@example.com';
      await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: 'SUPPRESS' }));
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: PASSWORD, Permanent: true }));
      const signIn = (secret: string) => app.send(new InitiateAuthCommand({ ClientId: made.ClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD, SECRET_HASH: secretHash(secret, email, made.ClientId!) } }));
      const added = (await admin.send(new AddUserPoolClientSecretCommand({ UserPoolId: poolId, ClientId: made.ClientId, ClientSecret: 'a_new_secret_of_at_least_24_chars' }))).ClientSecretDescriptor!;
      assert.equal(added.ClientSecretValue, 'a_new_secret_of_at_least_24_chars');
      assert.ok((await signIn(made.ClientSecret!)).AuthenticationResult, 'the old secret still works');
      assert.ok((await signIn(added.ClientSecretValue!)).AuthenticationResult, 'and so does the new one');
      const listed = (await admin.send(new ListUserPoolClientSecretsCommand({ UserPoolId: poolId, ClientId: made.ClientId }))).ClientSecrets!;
      assert.equal(listed.length, 2);
      assert.ok(listed.every((e) => e.ClientSecretValue === undefined && e.ClientSecretId && e.ClientSecretCreateDate instanceof Date), 'values are never listed');
      assert.equal((await refused(admin.send(new AddUserPoolClientSecretCommand({ UserPoolId: poolId, ClientId: made.ClientId })))).name, 'LimitExceededException');
      assert.equal((await refused(admin.send(new AddUserPoolClientSecretCommand({ UserPoolId: poolId, ClientId: made.ClientId, ClientSecret: 'short' })))).name, 'InvalidParameterException');
      await admin.send(new DeleteUserPoolClientSecretCommand({ UserPoolId: poolId, ClientId: made.ClientId, ClientSecretId: listed[0]!.ClientSecretId }));
      assert.equal((await refused(signIn(made.ClientSecret!))).name, 'NotAuthorizedException', 'the deleted secret is refused');
      assert.ok((await signIn(added.ClientSecretValue!)).AuthenticationResult);
      const last = await refused(admin.send(new DeleteUserPoolClientSecretCommand({ UserPoolId: poolId, ClientId: made.ClientId, ClientSecretId: added.ClientSecretId })));
      assert.equal(last.name, 'InvalidParameterException');
      const publicClient = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'public' }))).UserPoolClient!;
      assert.equal((await refused(admin.send(new AddUserPoolClientSecretCommand({ UserPoolId: poolId, ClientId: publicClient.ClientId })))).name, 'InvalidParameterException');
    });

    it('creates a public client (no secret) with Cognito\'s defaults', async () => {
      const made = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'spa' }))).UserPoolClient!;
      assert.equal(made.ClientSecret, undefined);
      assert.deepEqual(made.ExplicitAuthFlows, ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH']);
      assert.equal(made.RefreshTokenValidity, 30);
      assert.equal(made.PreventUserExistenceErrors, 'ENABLED');
      assert.equal(made.EnableTokenRevocation, true);
      assert.deepEqual(made.AllowedOAuthFlows, []);
    });

    it('refuses a client the config file would refuse, naming the member, and creates nothing', async () => {
      const before = (await broker.store.pools.listClients(poolId)).map((c) => c.clientId);
      const url = await refused(admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bad', CallbackURLs: ['http://example.com/cb'] })));
      assert.equal(url.name, 'InvalidParameterException');
      assert.match(url.message, /callbackURLs/i);
      const cc = await refused(admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bad', AllowedOAuthFlows: ['client_credentials'] })));
      assert.equal(cc.name, 'InvalidParameterException');
      assert.match(cc.message, /allowedOAuthFlows/i);
      const noName = await refused(admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId } as never)));
      assert.match(noName.message, /clientName/i);
      const validity = await refused(admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'bad', AccessTokenValidity: 48 })));
      assert.match(validity.message, /accessTokenValidity/i);
      assert.equal((await refused(admin.send(new CreateUserPoolClientCommand({ UserPoolId: 'local_Missing1', ClientName: 'x' })))).name, 'ResourceNotFoundException');
      assert.deepEqual((await broker.store.pools.listClients(poolId)).map((c) => c.clientId), before);
    });

    it('replaces a client\'s settings on UpdateUserPoolClient (members not given return to defaults) and keeps its secret', async () => {
      const made = (await admin.send(new CreateUserPoolClientCommand({
        UserPoolId: poolId, ClientName: 'web', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'], CallbackURLs: ['https://app.example.com/cb'],
        AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], AllowedOAuthFlowsUserPoolClient: true,
      }))).UserPoolClient!;
      const updated = (await admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId, IdTokenValidity: 2 }))).UserPoolClient!;
      assert.equal(updated.ClientName, 'web');
      assert.equal(updated.ClientSecret, made.ClientSecret);
      assert.equal(updated.IdTokenValidity, 2);
      assert.deepEqual(updated.CallbackURLs, [], 'not given: back to the default');
      assert.deepEqual(updated.AllowedOAuthFlows, []);
      assert.deepEqual(updated.ExplicitAuthFlows, ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH']);
      assert.deepEqual((await admin.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId }))).UserPoolClient, updated);

      const stored = await broker.store.pools.getClient(poolId, made.ClientId!);
      const bad = await refused(admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: made.ClientId, LogoutURLs: ['http://example.com/out'] })));
      assert.equal(bad.name, 'InvalidParameterException');
      assert.match(bad.message, /logoutURLs/i);
      assert.deepEqual(await broker.store.pools.getClient(poolId, made.ClientId!), stored);
      assert.equal((await refused(admin.send(new UpdateUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'nosuchclient' })))).name, 'ResourceNotFoundException');
      assert.equal((await refused(admin.send(new UpdateUserPoolClientCommand({ UserPoolId: 'local_Cfg1', ClientId: made.ClientId })))).name, 'ResourceNotFoundException',
        'a client of another pool is not found');
    });

    it('lists a pool\'s clients a page at a time', async () => {
      const own = await newPool();
      const ids: string[] = [];
      for (const name of ['a', 'b', 'c']) ids.push((await admin.send(new CreateUserPoolClientCommand({ UserPoolId: own.Id, ClientName: name }))).UserPoolClient!.ClientId!);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: own.Id, MaxResults: 2, NextToken: token }));
        assert.ok(page.UserPoolClients!.length <= 2);
        seen.push(...page.UserPoolClients!.map((c) => c.ClientId!));
        token = page.NextToken;
      } while (token);
      assert.deepEqual(seen, ids.sort());
      const one = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: own.Id }));
      assert.deepEqual(one.UserPoolClients!.map((c) => [c.UserPoolId, c.ClientName]).sort(), [[own.Id, 'a'], [own.Id, 'b'], [own.Id, 'c']]);
      assert.equal((await refused(admin.send(new ListUserPoolClientsCommand({ UserPoolId: 'local_Missing1' })))).name, 'ResourceNotFoundException');
    });
  });

  describe('resource servers', () => {
    it('define the custom scopes clients may be allowed and client_credentials grants', async () => {
      const poolId = (await newPool()).Id!;
      const scopes = [{ ScopeName: 'read', ScopeDescription: 'Read' }, { ScopeName: 'write', ScopeDescription: 'Write' }];
      const made = (await admin.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API', Scopes: scopes }))).ResourceServer!;
      assert.deepEqual(made.Scopes, scopes);
      assert.equal((await refused(admin.send(new CreateResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'again' })))).name, 'InvalidParameterException');
      const unknown = await refused(admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['https://api.example.com/delete'], AllowedOAuthFlowsUserPoolClient: true })));
      assert.equal(unknown.name, 'ScopeDoesNotExistException');
      const client = (await admin.send(new CreateUserPoolClientCommand({
        UserPoolId: poolId, ClientName: 'm2m', GenerateSecret: true, AllowedOAuthFlows: ['client_credentials'], AllowedOAuthScopes: ['https://api.example.com/read', 'https://api.example.com/write'], AllowedOAuthFlowsUserPoolClient: true,
      }))).UserPoolClient!;
      const grant = async (scope: string) => {
        const res = await fetch(`${broker.issuer(poolId)}/oauth2/token`, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.ClientId}:${client.ClientSecret}`).toString('base64')}` },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
        });
        return (await res.json()) as { access_token?: string; error?: string };
      };
      assert.equal(claimsOf((await grant('https://api.example.com/write')).access_token!).scope, 'https://api.example.com/write');
      // The write scope removed from the server: the client still lists it, and the grant refuses it.
      await admin.send(new UpdateResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com', Name: 'API v2', Scopes: [scopes[0]!] }));
      assert.equal((await admin.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com' }))).ResourceServer?.Name, 'API v2');
      assert.equal((await grant('https://api.example.com/write')).error, 'invalid_scope');
      assert.ok((await grant('https://api.example.com/read')).access_token);
      // UpdateUserPool leaves resource servers alone.
      await admin.send(new UpdateUserPoolCommand({ UserPoolId: poolId, PoolName: 'renamed' }));
      assert.equal((await admin.send(new ListResourceServersCommand({ UserPoolId: poolId, MaxResults: 10 }))).ResourceServers?.length, 1);
      await admin.send(new DeleteResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com' }));
      assert.equal((await grant('https://api.example.com/read')).error, 'invalid_scope');
      assert.equal((await refused(admin.send(new DescribeResourceServerCommand({ UserPoolId: poolId, Identifier: 'https://api.example.com' })))).name, 'ResourceNotFoundException');
    });

  });

  it('answers the AWS CLI: describe-user-pool, list-user-pool-clients, create-resource-server', async () => {
    const aws = (...args: string[]) => awsCli<Record<string, Record<string, unknown> & unknown[]>>(broker.url, ...args);
    assert.equal((await aws('describe-user-pool', '--user-pool-id', 'local_Cfg1')).UserPool!['Name'], 'Declared');
    assert.deepEqual((await aws('list-user-pool-clients', '--user-pool-id', 'local_Cfg1', '--max-results', '10')).UserPoolClients!.map((c) => (c as { ClientId: string }).ClientId), ['declared']);
    const server = await aws('create-resource-server', '--user-pool-id', 'local_Cfg1', '--identifier', 'cli-api', '--name', 'CLI', '--scopes', 'ScopeName=read,ScopeDescription=Read');
    assert.equal(server.ResourceServer!['Identifier'], 'cli-api');
  });
});
