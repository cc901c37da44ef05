// The directory's users managed at run time through the AWS SDK (and the AWS CLI), signed with SigV4:
// invited with a temporary password that works once, changed, disabled, reset, signed out, deleted
// and listed with Cognito's filter. Each effect is checked where users meet it: by signing in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AdminConfirmSignUpCommand, AdminCreateUserCommand, AdminDeleteUserAttributesCommand, AdminDeleteUserCommand, AdminDisableUserCommand,
  AdminEnableUserCommand, AdminGetDeviceCommand, AdminGetUserCommand, AdminListDevicesCommand, AdminResetUserPasswordCommand, AdminSetUserPasswordCommand,
  AdminInitiateAuthCommand, AdminRespondToAuthChallengeCommand, AdminUpdateUserAttributesCommand, AdminUserGlobalSignOutCommand, AdminAddUserToGroupCommand, AdminRemoveUserFromGroupCommand, AdminListGroupsForUserCommand,
  CreateGroupCommand, DeleteGroupCommand, GetGroupCommand, ListGroupsCommand, ListUsersInGroupCommand, UpdateGroupCommand, CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, InitiateAuthCommand,
  ListUsersCommand, RespondToAuthChallengeCommand, SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';
import { adminSdk, awsCli } from '../support/admin.js';
import { claimsOf } from '../support/jwt.js';

const P = 'local_Adm1';
const E = 'local_Adm2';
const PASSWORD = 'correct horse battery staple';
const CONFIG = `
pools:
  - Id: ${P}
    PoolName: Aliases
    AliasAttributes: [email, preferred_username]
    AutoVerifiedAttributes: [email]
    Policies:
      PasswordPolicy: { MinimumLength: 10, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3 }
    AdminCreateUserConfig:
      AllowAdminCreateUserOnly: true
      InviteMessageTemplate:
        EmailSubject: Welcome aboard
        EmailMessage: "Hello {username}, your first password is {####}"
        SMSMessage: "{username}: {####}"
    Clients:
      - ClientId: app
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      - ClientId: backend
        ExplicitAuthFlows: [ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
  - Id: ${E}
    PoolName: Email usernames
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Clients:
      - ClientId: mail
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

describe('users through the management API (SigV4)', () => {
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

  const signIn = (username: string, password: string, clientId = 'app') =>
    app.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  const create = (Username: string, more: Partial<ConstructorParameters<typeof AdminCreateUserCommand>[0]> = {}) =>
    admin.send(new AdminCreateUserCommand({ UserPoolId: P, Username, ...more }));
  /** A confirmed user with PASSWORD, made through the API. */
  async function confirmedUser(username: string, email?: string) {
    await create(username, { MessageAction: 'SUPPRESS', UserAttributes: email ? [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }] : [] });
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: P, Username: username, Password: 'Pass-word-1234', Permanent: true }));
    return (await signIn(username, 'Pass-word-1234')).AuthenticationResult!;
  }

  describe('AdminCreateUser', () => {
    it('invites with the pool\'s template; the temporary password leads to NEW_PASSWORD_REQUIRED once, then the user\'s own works', async () => {
      const made = await create('ivy', { UserAttributes: [{ Name: 'email', Value: 'ivy@example.com' }, { Name: 'email_verified', Value: 'true' }], DesiredDeliveryMediums: ['EMAIL'] });
      assert.equal(made.User?.Username, 'ivy');
      assert.equal(made.User?.UserStatus, 'FORCE_CHANGE_PASSWORD');
      assert.equal(made.User?.Enabled, true);
      assert.equal(made.User?.Attributes?.[0]?.Name, 'sub');
      const mail = await broker.nextMessage('ivy@example.com');
      assert.equal(mail.subject, 'Welcome aboard');
      const temporary = /your first password is (\S+)$/.exec(mail.body)![1]!;
      assert.match(mail.body, /^Hello ivy, /);
      assert.ok(temporary.length >= 12 && /\d/.test(temporary) && /[!@#$%^&*\-_=+?]/.test(temporary), 'a generated password meets the policy');

      const first = await signIn('ivy@example.com', temporary); // a verified email signs in at once in an alias pool
      assert.equal(first.ChallengeName, 'NEW_PASSWORD_REQUIRED');
      const done = await app.send(new RespondToAuthChallengeCommand({ ClientId: 'app', ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: first.Session, ChallengeResponses: { USERNAME: 'ivy', NEW_PASSWORD: 'Ivy-own-pass-1' } }));
      assert.ok(done.AuthenticationResult?.IdToken);
      assert.equal((await refused(signIn('ivy', temporary))).name, 'NotAuthorizedException', 'the temporary password is spent');
      assert.ok((await signIn('ivy', 'Ivy-own-pass-1')).AuthenticationResult);
      const got = await admin.send(new AdminGetUserCommand({ UserPoolId: P, Username: 'ivy' }));
      assert.equal(got.UserStatus, 'CONFIRMED');
    });

    it('takes a TemporaryPassword, refuses one the policy refuses, a taken name, and SUPPRESS sends nothing', async () => {
      const weak = await refused(create('jay', { TemporaryPassword: 'short' }));
      assert.equal(weak.name, 'InvalidPasswordException');
      assert.equal(await broker.store.users.findUserByUsername(P, 'jay'), null, 'nothing was made');
      await create('jay', { TemporaryPassword: 'Temp-pass-123', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'jay@example.com' }] });
      assert.equal(broker.messageCount('jay@example.com'), 0);
      assert.equal((await signIn('jay', 'Temp-pass-123')).ChallengeName, 'NEW_PASSWORD_REQUIRED');
      const taken = await refused(create('JAY', { MessageAction: 'SUPPRESS' }));
      assert.equal(taken.name, 'UsernameExistsException');
    });

    it('RESEND gives a user who never signed in a new temporary password, and is refused once they have', async () => {
      await create('kim', { UserAttributes: [{ Name: 'email', Value: 'kim@example.com' }], DesiredDeliveryMediums: ['EMAIL'] });
      const first = /is (\S+)$/.exec((await broker.nextMessage('kim@example.com')).body)![1]!;
      await create('kim', { MessageAction: 'RESEND', DesiredDeliveryMediums: ['EMAIL'] });
      const second = /is (\S+)$/.exec((await broker.nextMessage('kim@example.com', 1)).body)![1]!;
      assert.notEqual(first, second);
      assert.equal((await refused(signIn('kim', first))).name, 'NotAuthorizedException');
      const challenge = await signIn('kim', second);
      await app.send(new RespondToAuthChallengeCommand({ ClientId: 'app', ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session, ChallengeResponses: { USERNAME: 'kim', NEW_PASSWORD: 'Kim-own-pass-1' } }));
      assert.equal((await refused(create('kim', { MessageAction: 'RESEND' }))).name, 'UnsupportedUserStateException');
      assert.equal((await refused(create('nobody', { MessageAction: 'RESEND' }))).name, 'UserNotFoundException');
    });

    it('ForceAliasCreation moves a verified email from the user who held it; without it the email is refused', async () => {
      await confirmedUser('old-holder', 'shared@example.com');
      const clash = await refused(create('new-holder', { MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'shared@example.com' }, { Name: 'email_verified', Value: 'true' }] }));
      assert.equal(clash.name, 'AliasExistsException');
      assert.equal(await broker.store.users.findUserByUsername(P, 'new-holder'), null, 'nothing half-made is left');
      await create('new-holder', { MessageAction: 'SUPPRESS', ForceAliasCreation: true, TemporaryPassword: 'Temp-pass-123', UserAttributes: [{ Name: 'email', Value: 'shared@example.com' }, { Name: 'email_verified', Value: 'true' }] });
      assert.equal((await signIn('shared@example.com', 'Temp-pass-123')).ChallengeName, 'NEW_PASSWORD_REQUIRED', 'the email signs the new holder in');
      assert.equal((await refused(signIn('shared@example.com', 'Pass-word-1234'))).name, 'NotAuthorizedException');
    });

    it('in an email-username pool the email is the username and the user is found by email or sub', async () => {
      const made = await admin.send(new AdminCreateUserCommand({ UserPoolId: E, Username: 'lee@example.com', MessageAction: 'SUPPRESS', TemporaryPassword: 'Temp-pass-123' }));
      const sub = made.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
      assert.equal(made.User?.Username, sub);
      assert.equal((await admin.send(new AdminGetUserCommand({ UserPoolId: E, Username: 'lee@example.com' }))).Username, sub);
      assert.equal((await admin.send(new AdminGetUserCommand({ UserPoolId: E, Username: sub }))).Username, sub);
      const notEmail = await refused(admin.send(new AdminCreateUserCommand({ UserPoolId: E, Username: 'lee', MessageAction: 'SUPPRESS' })));
      assert.equal(notEmail.name, 'InvalidParameterException');
    });
  });

  describe('changing a user', () => {
    it('AdminUpdateUserAttributes sets a verified email that signs in at once; AdminDeleteUserAttributes removes it', async () => {
      await confirmedUser('max');
      await admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: P, Username: 'max', UserAttributes: [{ Name: 'email', Value: 'max@example.com' }, { Name: 'email_verified', Value: 'true' }, { Name: 'given_name', Value: 'Max' }] }));
      assert.equal(broker.messageCount('max@example.com'), 0, 'no code for an address the administrator verified');
      const tokens = (await signIn('max@example.com', 'Pass-word-1234')).AuthenticationResult!;
      assert.equal(claimsOf(tokens.IdToken!).email_verified, true);
      assert.equal(claimsOf(tokens.IdToken!).given_name, 'Max');
      await admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: P, Username: 'max', UserAttributes: [{ Name: 'email', Value: 'max2@example.com' }] }));
      await broker.lastCode('max2@example.com'); // unverified now: the pool auto-verifies email, so a code is sent
      assert.equal((await refused(signIn('max2@example.com', 'Pass-word-1234'))).name, 'NotAuthorizedException', 'an unverified alias does not sign in');
      await admin.send(new AdminDeleteUserAttributesCommand({ UserPoolId: P, Username: 'max', UserAttributeNames: ['given_name', 'email'] }));
      const got = await admin.send(new AdminGetUserCommand({ UserPoolId: P, Username: 'max' }));
      assert.deepEqual(got.UserAttributes?.map((a) => a.Name), ['sub']);
      const bad = await refused(admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: P, Username: 'max', UserAttributes: [{ Name: 'email_verified', Value: 'yes' }] })));
      assert.equal(bad.name, 'InvalidParameterException');
      const ids = await refused(admin.send(new AdminUpdateUserAttributesCommand({ UserPoolId: P, Username: 'max', UserAttributes: [{ Name: 'sub', Value: 'mine' }] })));
      assert.equal(ids.name, 'NotAuthorizedException');
    });

    it('AdminDisableUser ends the refresh token and refuses sign-in; AdminEnableUser lets the user back', async () => {
      const tokens = await confirmedUser('ned');
      await admin.send(new AdminDisableUserCommand({ UserPoolId: P, Username: 'ned' }));
      const disabled = await refused(signIn('ned', 'Pass-word-1234'));
      assert.equal(disabled.message, 'User is disabled.');
      const refresh = await refused(app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })));
      assert.equal(refresh.name, 'NotAuthorizedException');
      await admin.send(new AdminEnableUserCommand({ UserPoolId: P, Username: 'ned' }));
      assert.ok((await signIn('ned', 'Pass-word-1234')).AuthenticationResult);
    });

    it('AdminUserGlobalSignOut ends every refresh token; the password still works', async () => {
      const tokens = await confirmedUser('oli');
      await admin.send(new AdminUserGlobalSignOutCommand({ UserPoolId: P, Username: 'oli' }));
      const refresh = await refused(app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })));
      assert.equal(refresh.name, 'NotAuthorizedException');
      assert.ok((await signIn('oli', 'Pass-word-1234')).AuthenticationResult);
    });

    it('AdminSetUserPassword: temporary means NEW_PASSWORD_REQUIRED, permanent signs in; the policy applies', async () => {
      await confirmedUser('pia');
      await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: P, Username: 'pia', Password: 'Temp-pass-456' }));
      assert.equal((await signIn('pia', 'Temp-pass-456')).ChallengeName, 'NEW_PASSWORD_REQUIRED');
      const weak = await refused(admin.send(new AdminSetUserPasswordCommand({ UserPoolId: P, Username: 'pia', Password: 'nonumbers!!', Permanent: true })));
      assert.equal(weak.name, 'InvalidPasswordException');
      assert.equal((await signIn('pia', 'Temp-pass-456')).ChallengeName, 'NEW_PASSWORD_REQUIRED', 'the refused call changed nothing');
    });

    it('AdminResetUserPassword: the old password is told PasswordResetRequired, the code sent resets it', async () => {
      const tokens = await confirmedUser('quin', 'quin@example.com');
      await admin.send(new AdminResetUserPasswordCommand({ UserPoolId: P, Username: 'quin' }));
      assert.equal((await refused(signIn('quin', 'Pass-word-1234'))).name, 'PasswordResetRequiredException');
      const refresh = await refused(app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! } })));
      assert.equal(refresh.name, 'NotAuthorizedException');
      const code = await broker.lastCode('quin@example.com');
      await app.send(new ConfirmForgotPasswordCommand({ ClientId: 'app', Username: 'quin', ConfirmationCode: code, Password: 'Quin-new-pass-1' }));
      assert.ok((await signIn('quin', 'Quin-new-pass-1')).AuthenticationResult);
      await confirmedUser('nomail');
      assert.equal((await refused(admin.send(new AdminResetUserPasswordCommand({ UserPoolId: P, Username: 'nomail' })))).name, 'InvalidParameterException');
      assert.ok((await signIn('nomail', 'Pass-word-1234')).AuthenticationResult, 'the refused reset changed nothing');
    });

    it('AdminConfirmSignUp confirms a user who signed up, once', async () => {
      await app.send(new SignUpCommand({ ClientId: 'mail', Username: 'rae@example.com', Password: PASSWORD }));
      await admin.send(new AdminConfirmSignUpCommand({ UserPoolId: E, Username: 'rae@example.com' }));
      assert.ok((await signIn('rae@example.com', PASSWORD, 'mail')).AuthenticationResult);
      const again = await refused(admin.send(new AdminConfirmSignUpCommand({ UserPoolId: E, Username: 'rae@example.com' })));
      assert.equal(again.name, 'NotAuthorizedException');
      assert.equal(again.message, 'User cannot be confirmed. Current status is CONFIRMED');
    });

    it('AdminDeleteUser removes the user; the name is free again', async () => {
      await confirmedUser('sid', 'sid@example.com');
      await admin.send(new AdminDeleteUserCommand({ UserPoolId: P, Username: 'sid@example.com' }));
      assert.equal((await refused(admin.send(new AdminGetUserCommand({ UserPoolId: P, Username: 'sid' })))).name, 'UserNotFoundException');
      assert.equal((await refused(signIn('sid', 'Pass-word-1234'))).name, 'NotAuthorizedException');
      await confirmedUser('sid', 'sid@example.com');
    });

    it('devices: an unknown one is ResourceNotFound, a user without any lists none', async () => {
      await confirmedUser('tom');
      assert.deepEqual((await admin.send(new AdminListDevicesCommand({ UserPoolId: P, Username: 'tom' }))).Devices, []);
      const none = await refused(admin.send(new AdminGetDeviceCommand({ UserPoolId: P, Username: 'tom', DeviceKey: 'local_00000000-0000-0000-0000-000000000000' })));
      assert.equal(none.name, 'ResourceNotFoundException');
    });

    it('an unknown user, and an unknown pool, are refused with Cognito\'s names', async () => {
      assert.equal((await refused(admin.send(new AdminDisableUserCommand({ UserPoolId: P, Username: 'nobody' })))).name, 'UserNotFoundException');
      assert.equal((await refused(admin.send(new AdminDisableUserCommand({ UserPoolId: 'local_None', Username: 'x' })))).name, 'ResourceNotFoundException');
    });
  });

  describe('ListUsers', () => {
    before(async () => {
      for (let n = 0; n < 7; n++)
        await admin.send(new AdminCreateUserCommand({ UserPoolId: E, Username: `list${n}@corp.example`, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'family_name', Value: n % 2 ? 'Odd "quoted"' : 'Even' }] }));
    });

    it('filters on one attribute, exactly or by prefix, with escaped quotes', async () => {
      const prefix = await admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'email ^= "list"' }));
      assert.equal(prefix.Users?.length, 7);
      const exact = await admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'family_name = "Odd \\"quoted\\""' }));
      assert.equal(exact.Users?.length, 3);
      const status = await admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'cognito:user_status = "force_change_password"' }));
      assert.ok(status.Users!.length >= 7);
      const enabled = await admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'status = "Disabled"' }));
      assert.equal(enabled.Users?.length, 0);
    });

    it('pages stably with PaginationToken and returns only AttributesToGet', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'email ^= "list"', Limit: 3, AttributesToGet: ['email'], PaginationToken: token }));
        assert.ok(page.Users!.length <= 3);
        for (const u of page.Users!) {
          assert.deepEqual(u.Attributes?.map((a) => a.Name), ['email']);
          seen.push(u.Attributes![0]!.Value!);
        }
        token = page.PaginationToken;
      } while (token);
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6].map((n) => `list${n}@corp.example`));
    });

    it('refuses a filter it cannot read, an attribute it cannot search, and a Limit over 60', async () => {
      assert.match((await refused(admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'email = list' })))).message, /parsing filter/);
      assert.match((await refused(admin.send(new ListUsersCommand({ UserPoolId: E, Filter: 'custom:team = "x"' })))).message, /Invalid search attribute/);
      assert.equal((await refused(admin.send(new ListUsersCommand({ UserPoolId: E, Limit: 61 })))).name, 'InvalidParameterException');
    });

    it('answers the AWS CLI', async () => {
      const aws = <T>(...args: string[]) => awsCli<T>(broker.url, ...args);
      await aws('admin-create-user', '--user-pool-id', E, '--username', 'cli@corp.example', '--message-action', 'SUPPRESS');
      const out = await aws<{ Users: { UserStatus: string }[] }>('list-users', '--user-pool-id', E, '--filter', 'email = "cli@corp.example"');
      assert.equal(out.Users.length, 1);
      assert.equal(out.Users[0]!.UserStatus, 'FORCE_CHANGE_PASSWORD');
      await aws('create-group', '--user-pool-id', E, '--group-name', 'cli-group', '--precedence', '5');
      await aws('admin-add-user-to-group', '--user-pool-id', E, '--username', 'cli@corp.example', '--group-name', 'cli-group');
      const groups = await aws<{ Groups: { GroupName: string; Precedence: number }[] }>('admin-list-groups-for-user', '--user-pool-id', E, '--username', 'cli@corp.example');
      assert.deepEqual(groups.Groups.map((g) => [g.GroupName, g.Precedence]), [['cli-group', 5]]);
    });
  });

  describe('groups', () => {
    const role = (n: string) => `arn:aws:iam::123456789012:role/${n}`;
    const refresh = async (token: string) =>
      (await app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: token } }))).AuthenticationResult!;

    it('reach the tokens in precedence order with their roles; changes show at the next refresh', async () => {
      const tokens = await confirmedUser('uma');
      await admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'readers', Precedence: 20, RoleArn: role('Reader') }));
      await admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'admins', Precedence: 1, RoleArn: role('Admin'), Description: 'root' }));
      await admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'all' }));
      for (const g of ['readers', 'admins', 'all']) await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: P, Username: 'uma', GroupName: g }));
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: P, Username: 'uma', GroupName: 'all' })); // again: no change

      const next = await refresh(tokens.RefreshToken!);
      const id = claimsOf(next.IdToken!);
      assert.deepEqual(id['cognito:groups'], ['admins', 'readers', 'all']);
      assert.deepEqual(id['cognito:roles'], [role('Admin'), role('Reader')]);
      assert.equal(id['cognito:preferred_role'], role('Admin'));
      assert.deepEqual(claimsOf(next.AccessToken!)['cognito:groups'], ['admins', 'readers', 'all']);

      // Another group as low as admins with another role: Cognito names no preferred role.
      await admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'ops', Precedence: 1, RoleArn: role('Ops') }));
      await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: P, Username: 'uma', GroupName: 'ops' }));
      assert.equal(claimsOf((await refresh(tokens.RefreshToken!)).IdToken!)['cognito:preferred_role'], undefined);

      await admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: P, Username: 'uma', GroupName: 'ops' }));
      await admin.send(new DeleteGroupCommand({ UserPoolId: P, GroupName: 'admins' }));
      const after = claimsOf((await refresh(tokens.RefreshToken!)).IdToken!);
      assert.deepEqual(after['cognito:groups'], ['readers', 'all']);
      assert.equal(after['cognito:preferred_role'], role('Reader'));
    });

    it('are read, replaced, listed and paged; refusals name what is wrong', async () => {
      await admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'g1', Precedence: 3, Description: 'one' }));
      assert.equal((await refused(admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'g1' })))).name, 'GroupExistsException');
      const got = (await admin.send(new GetGroupCommand({ UserPoolId: P, GroupName: 'g1' }))).Group!;
      assert.equal(got.Description, 'one');
      assert.equal(got.Precedence, 3);
      assert.ok(got.CreationDate instanceof Date);
      const updated = (await admin.send(new UpdateGroupCommand({ UserPoolId: P, GroupName: 'g1', Description: 'uno' }))).Group!;
      assert.equal(updated.Description, 'uno');
      assert.equal(updated.Precedence, undefined, 'not given: cleared, as Cognito does');
      const badRole = await refused(admin.send(new CreateGroupCommand({ UserPoolId: P, GroupName: 'g2', RoleArn: 'not-an-arn-at-all-really' })));
      assert.equal(badRole.name, 'InvalidParameterException');
      assert.match(badRole.message, /roleArn|RoleArn/);
      assert.equal((await refused(admin.send(new GetGroupCommand({ UserPoolId: P, GroupName: 'nope' })))).name, 'ResourceNotFoundException');
      assert.equal((await refused(admin.send(new AdminAddUserToGroupCommand({ UserPoolId: P, Username: 'uma', GroupName: 'nope' })))).name, 'ResourceNotFoundException');

      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await admin.send(new ListGroupsCommand({ UserPoolId: P, Limit: 2, NextToken: token }));
        names.push(...page.Groups!.map((g) => g.GroupName!));
        token = page.NextToken;
      } while (token);
      assert.deepEqual(names, [...names].sort());
      assert.ok(names.includes('g1') && names.includes('readers'));
      assert.deepEqual((await admin.send(new AdminListGroupsForUserCommand({ UserPoolId: P, Username: 'uma' }))).Groups?.map((g) => g.GroupName), ['all', 'readers']);
      assert.deepEqual((await admin.send(new ListUsersInGroupCommand({ UserPoolId: P, GroupName: 'readers' }))).Users?.map((u) => u.Username), ['uma']);
    });
  });

  describe('AdminInitiateAuth', () => {
    it('signs a user in for a back end, through NEW_PASSWORD_REQUIRED, with the same refusals as an app', async () => {
      await create('vic', { MessageAction: 'SUPPRESS', TemporaryPassword: 'Temp-pass-123' });
      const auth = (password: string, ClientId = 'backend', AuthFlow: 'ADMIN_USER_PASSWORD_AUTH' | 'ADMIN_NO_SRP_AUTH' = 'ADMIN_USER_PASSWORD_AUTH', UserPoolId = P) =>
        admin.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId, AuthFlow, AuthParameters: { USERNAME: 'vic', PASSWORD: password } }));
      const first = await auth('Temp-pass-123');
      assert.equal(first.ChallengeName, 'NEW_PASSWORD_REQUIRED');
      const done = await admin.send(new AdminRespondToAuthChallengeCommand({
        UserPoolId: P, ClientId: 'backend', ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: first.Session, ChallengeResponses: { USERNAME: 'vic', NEW_PASSWORD: 'Vic-own-pass-1' },
      }));
      assert.equal(claimsOf(done.AuthenticationResult!.IdToken!)['cognito:username'], 'vic');
      assert.ok((await auth('Vic-own-pass-1', 'backend', 'ADMIN_NO_SRP_AUTH')).AuthenticationResult, 'the legacy name of the flow');
      assert.equal((await refused(auth('wrong-pass-1!'))).message, 'Incorrect username or password.');
      assert.match((await refused(auth('Vic-own-pass-1', 'app'))).message, /ADMIN_USER_PASSWORD_AUTH flow not enabled/);
      assert.equal((await refused(auth('Vic-own-pass-1', 'mail', 'ADMIN_USER_PASSWORD_AUTH', P))).name, 'ResourceNotFoundException', 'a client of another pool');
      const unsigned = await refused(app.send(new AdminInitiateAuthCommand({ UserPoolId: P, ClientId: 'backend', AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'vic', PASSWORD: 'Vic-own-pass-1' } })));
      assert.equal(unsigned.name, 'UnrecognizedClientException', 'an app key cannot sign in as a back end');
    });
  });
});
