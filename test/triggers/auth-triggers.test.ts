// Cognito's authentication and token triggers, the whole broker over HTTP: PreAuthentication and
// PostAuthentication (through the API and the hosted pages), and PreTokenGeneration V1_0, V2_0 and
// V3_0 (claims and scopes in both tokens, groups overridden, protocol claims kept, refreshes and
// client-credentials tokens), with ClientMetadata passed through and refusals changing nothing.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateGroupCommand, InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { adminSdk } from '../support/admin.js';
import { Browser, formFields, unescapeHtml } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { claimsOf } from '../support/jwt.js';
import { refused } from '../support/refused.js';

const PASSWORD = 'correct horse battery staple';
const CB = 'http://127.0.0.1:5590/cb';
const SVC_SECRET = 'svc-client-secret-for-tests-0123';
const dir = mkdtempSync(join(tmpdir(), 'broker-auth-triggers-'));
const events = join(dir, 'events.jsonl');
const record = `appendFileSync(${JSON.stringify(events)}, JSON.stringify(event) + '\\n');`;
const module = (name: string, body: string) => {
  writeFileSync(join(dir, name), `import { appendFileSync } from 'node:fs';\nexport const handler = async (event) => { ${record} ${body} return event; };`);
  return `file:${join(dir, name)}`;
};
const seen = (source: string, who?: string): Record<string, any>[] =>
  (existsSync(events) ? readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>) : [])
    .filter((e) => e.triggerSource === source && (who === undefined || e.userName === who || e.request.userAttributes?.email === who));

const preAuth = module('pre-auth.mjs', "if ((event.request.userAttributes.email ?? '').startsWith('blocked')) throw new Error('Blocked by policy');");
const postAuth = module('post-auth.mjs', "if ((event.request.userAttributes.email ?? '').startsWith('audit')) throw new Error('Audit log unavailable');");
const v2 = module('pre-token-v2.mjs', `
  event.response.claimsAndScopeOverrideDetails = {
    idTokenGeneration: { claimsToAddOrOverride: { tenant: 'acme', plan: { tier: 'gold', seats: 5 }, sub: 'forged', 'cognito:username': 'forged' }, claimsToSuppress: ['email', 'iss'] },
    accessTokenGeneration: { claimsToAddOrOverride: { tenant: 'acme', client_id: 'forged' }, scopesToAdd: ['orders/read', 'aws.cognito.signin.user.admin'], scopesToSuppress: ['openid'] },
    groupOverrideDetails: { groupsToOverride: ['vip'], iamRolesToOverride: [], preferredRole: null },
  };`);
const v1 = module('pre-token-v1.mjs', "event.response.claimsOverrideDetails = { claimsToAddOrOverride: { tenant: 'v1' }, claimsToSuppress: ['email'] };");
const v3 = module('pre-token-v3.mjs', `
  if (event.triggerSource === 'TokenGeneration_ClientCredentials')
    event.response.claimsAndScopeOverrideDetails = { accessTokenGeneration: { claimsToAddOrOverride: { machine: true }, scopesToSuppress: ['api/write'] } };`);
const badToken = module('pre-token-bad.mjs', "event.response.claimsAndScopeOverrideDetails = { idTokenGeneration: { claimsToSuppress: 'email' } };");

const pool = (id: string, lambdaConfig: string, clients = '') => `
  - Id: ${id}
    PoolName: ${id}
    UsernameAttributes: [email]
    LambdaConfig: ${lambdaConfig}
    ResourceServers:
      - { Identifier: api, Name: API, Scopes: [{ ScopeName: read, ScopeDescription: Read }, { ScopeName: write, ScopeDescription: Write }] }
    Clients:
      - ClientId: ${id.slice(6).toLowerCase()}
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email]${clients}`;

describe('PreAuthentication, PostAuthentication and PreTokenGeneration triggers', () => {
  let broker: TestBroker;
  let sdk: CognitoIdentityProviderClient;
  let admin: CognitoIdentityProviderClient;
  before(async () => {
    broker = await startTestBroker(`pools:${[
      pool('local_AuthTrig', `{ PreAuthentication: "${preAuth}", PostAuthentication: "${postAuth}", PreTokenGenerationConfig: { LambdaVersion: V2_0, LambdaArn: "${v2}" } }`),
      pool('local_TokenVone', `{ PreTokenGeneration: "${v1}" }`),
      pool('local_TokenVthree', `{ PreTokenGenerationConfig: { LambdaVersion: V3_0, LambdaArn: "${v3}" } }`, `
      - ClientId: svc
        ClientSecret: ${SVC_SECRET}
        AllowedOAuthFlows: [client_credentials]
        AllowedOAuthScopes: [api/read, api/write]`),
      pool('local_TokenBad', `{ PreTokenGenerationConfig: { LambdaVersion: V2_0, LambdaArn: "${badToken}" } }`),
    ].join('')}\n`);
    sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    admin = adminSdk(broker.url);
    await admin.send(new CreateGroupCommand({ UserPoolId: 'local_AuthTrig', GroupName: 'staff' }));
  });
  after(async () => {
    sdk.destroy();
    admin.destroy();
    await broker.close();
  });

  const user = async (poolId: string, email: string, group?: string) => {
    await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }], MessageAction: 'SUPPRESS' }));
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: PASSWORD, Permanent: true }));
    if (group) await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: group }));
  };
  const signIn = (client: string, email: string, meta?: Record<string, string>) =>
    sdk.send(new InitiateAuthCommand({ ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD }, ...(meta ? { ClientMetadata: meta } : {}) }));

  it('runs pre and post authentication and pre token generation V2 on an API sign-in, ClientMetadata passed to each', async () => {
    await user('local_AuthTrig', 'ann@example.com', 'staff');
    const r = await signIn('authtrig', 'ann@example.com', { app: 'web' });
    const pre = seen('PreAuthentication_Authentication', 'ann@example.com');
    const post = seen('PostAuthentication_Authentication', 'ann@example.com');
    const token = seen('TokenGeneration_Authentication', 'ann@example.com');
    assert.deepEqual([pre.length, post.length, token.length], [1, 1, 1]);
    assert.deepEqual(pre[0]!.request.clientMetadata, { app: 'web' });
    assert.equal(pre[0]!.request.userAttributes['cognito:user_status'], 'CONFIRMED');
    assert.equal(post[0]!.request.newDeviceUsed, false);
    assert.deepEqual(post[0]!.request.clientMetadata, { app: 'web' });
    assert.equal(token[0]!.version, '2');
    assert.deepEqual(token[0]!.request.groupConfiguration, { groupsToOverride: ['staff'], iamRolesToOverride: [], preferredRole: null });
    assert.deepEqual(token[0]!.request.scopes, ['aws.cognito.signin.user.admin']);
    assert.deepEqual(token[0]!.request.clientMetadata, { app: 'web' });

    const id = claimsOf(r.AuthenticationResult!.IdToken!);
    const access = claimsOf(r.AuthenticationResult!.AccessToken!);
    assert.equal(id.tenant, 'acme');
    assert.deepEqual(id.plan, { tier: 'gold', seats: 5 }, 'V2 takes any JSON value');
    assert.equal(id.email, undefined, 'suppressed');
    assert.deepEqual(id['cognito:groups'], ['vip']);
    assert.equal(id.sub, token[0]!.request.userAttributes.sub, 'protocol claims stay the broker’s');
    assert.equal(id['cognito:username'], token[0]!.userName);
    assert.equal(id.iss, `${broker.url}/local_AuthTrig`);
    assert.equal(access.tenant, 'acme', 'V2 edits the access token too');
    assert.equal(access.client_id, 'authtrig');
    assert.deepEqual(access['cognito:groups'], ['vip']);
    assert.deepEqual(String(access.scope).split(' ').sort(), ['aws.cognito.signin.user.admin', 'orders/read']);
  });

  it('runs pre token generation on a refresh (TokenGeneration_RefreshTokens)', async () => {
    const r = await signIn('authtrig', 'ann@example.com');
    const refreshed = await sdk.send(new InitiateAuthCommand({ ClientId: 'authtrig', AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: r.AuthenticationResult!.RefreshToken! }, ClientMetadata: { step: 'refresh' } }));
    assert.equal(claimsOf(refreshed.AuthenticationResult!.IdToken!).tenant, 'acme');
    const ev = seen('TokenGeneration_RefreshTokens', 'ann@example.com');
    assert.equal(ev.length, 1);
    assert.deepEqual(ev[0]!.request.clientMetadata, { step: 'refresh' });
  });

  it('refuses the sign-in a pre or post authentication handler refuses, with its message, and issues nothing', async () => {
    await user('local_AuthTrig', 'blocked@example.com');
    await user('local_AuthTrig', 'audit@example.com');
    const pre = await refused(signIn('authtrig', 'blocked@example.com'));
    assert.deepEqual([pre.name, pre.message], ['UserLambdaValidationException', 'PreAuthentication failed with error Blocked by policy.']);
    const post = await refused(signIn('authtrig', 'audit@example.com'));
    assert.deepEqual([post.name, post.message], ['UserLambdaValidationException', 'PostAuthentication failed with error Audit log unavailable.']);
    assert.equal(seen('TokenGeneration_Authentication', 'blocked@example.com').length + seen('TokenGeneration_Authentication', 'audit@example.com').length, 0, 'no tokens were made');
    assert.equal(seen('PostAuthentication_Authentication', 'blocked@example.com').length, 0);
    const audit = await broker.store.audit.list('local_AuthTrig', { type: 'sign_in.refused' });
    assert.ok(audit.some((e) => e.detail.reason === 'UserLambdaValidationException'));
  });

  it('runs them on a hosted-UI sign-in: a refusal is a readable page, a sign-in gets TokenGeneration_HostedAuth at the code exchange', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({ response_type: 'code', client_id: 'authtrig', redirect_uri: CB, scope: 'openid email', state: 's1', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const login = async (email: string) => {
      const browser = new Browser();
      const page = await browser.get(`${broker.issuer('local_AuthTrig')}/login?${params}`);
      const f = formFields(page.body, '/login');
      return browser.post(`${broker.url}${f.action}`, { ...f.fields, username: email, password: PASSWORD });
    };
    const refusedPage = await login('blocked@example.com');
    assert.equal(refusedPage.status, 400);
    assert.match(unescapeHtml(refusedPage.body), /PreAuthentication failed with error Blocked by policy\./);

    const res = await login('ann@example.com');
    assert.equal(res.status, 303, res.body);
    const code = new URL(res.location!).searchParams.get('code')!;
    const token = await fetch(`${broker.issuer('local_AuthTrig')}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'authtrig', code, redirect_uri: CB, code_verifier: verifier }).toString(),
    });
    const t = (await token.json()) as { id_token: string; access_token: string };
    assert.equal(claimsOf(t.id_token).tenant, 'acme');
    assert.deepEqual(String(claimsOf(t.access_token).scope).split(' ').sort(), ['email', 'orders/read'], 'openid suppressed, orders/read added; the self-service scope is never a handler’s to grant');
    assert.equal(seen('TokenGeneration_HostedAuth', 'ann@example.com').length, 1);
  });

  it('V1_0 edits the ID token only', async () => {
    await user('local_TokenVone', 'vic@example.com');
    const r = await signIn('tokenvone', 'vic@example.com');
    const id = claimsOf(r.AuthenticationResult!.IdToken!);
    assert.deepEqual([id.tenant, id.email], ['v1', undefined]);
    assert.equal(claimsOf(r.AuthenticationResult!.AccessToken!).tenant, undefined);
    assert.equal(seen('TokenGeneration_Authentication', 'vic@example.com')[0]!.version, '1');
    assert.equal(seen('TokenGeneration_Authentication', 'vic@example.com')[0]!.request.scopes, undefined, 'V1 events carry no scopes');
  });

  it('V3_0 edits client-credentials tokens', async () => {
    const res = await fetch(`${broker.issuer('local_TokenVthree')}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`svc:${SVC_SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    const access = claimsOf(((await res.json()) as { access_token: string }).access_token);
    assert.equal(access.machine, true);
    assert.equal(access.scope, 'api/read');
    assert.equal(access.sub, 'svc');
    const ev = seen('TokenGeneration_ClientCredentials');
    assert.equal(ev.length, 1);
    assert.deepEqual([ev[0]!.version, ev[0]!.callerContext.clientId, ev[0]!.request.scopes], ['3', 'svc', ['api/read', 'api/write']]);
  });

  it('answers a malformed pre token generation response with InvalidLambdaResponseException and no tokens', async () => {
    await user('local_TokenBad', 'bad@example.com');
    const r = await refused(signIn('tokenbad', 'bad@example.com'));
    assert.equal(r.name, 'InvalidLambdaResponseException');
  });
});
