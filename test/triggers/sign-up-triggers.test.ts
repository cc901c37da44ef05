// Cognito's PreSignUp and PostConfirmation triggers through the API, the whole broker over HTTP: the
// three kinds of target (a local module in worker threads, a signed https endpoint, an AWS Lambda ARN
// against a stand-in of Lambda's Invoke API), Cognito's event and response, its errors, and a handler
// that hangs or answers nonsense changing nothing.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AdminGetUserCommand, CognitoIdentityProviderClient, ConfirmSignUpCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { adminSdk } from '../support/admin.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'trigger-webhook-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'broker-triggers-'));
const events = join(dir, 'events.jsonl');
// The operator's handler, as written for Cognito: confirm trusted domains, refuse blocked ones.
writeFileSync(join(dir, 'pre-sign-up.mjs'), `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(${JSON.stringify(events)}, JSON.stringify(event) + '\\n');
  const email = event.request.userAttributes.email ?? '';
  if (email.endsWith('@blocked.example')) throw new Error('Blocked domain');
  if (email.endsWith('@trusted.example')) { event.response.autoConfirmUser = true; event.response.autoVerifyEmail = true; }
  return event;
};`);
writeFileSync(join(dir, 'post-confirmation.mjs'), `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => { appendFileSync(${JSON.stringify(events)}, JSON.stringify(event) + '\\n'); return event; };`);
writeFileSync(join(dir, 'hangs.mjs'), 'export const handler = async () => { for (;;) {} };');
writeFileSync(join(dir, 'nonsense.mjs'), "export const handler = async () => 'nonsense';");
const seen = (): Record<string, any>[] => (existsSync(events) ? readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);

let hook: Server;
let lambda: Server;
const hookPosts: { headers: Record<string, unknown>; body: string }[] = [];
const lambdaCalls: { path: string; authorization: string; body: string }[] = [];

const pool = (id: string, client: string, lambdaConfig: string) => `
  - Id: ${id}
    PoolName: ${id}
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    LambdaConfig: ${lambdaConfig}
    Clients:
      - ClientId: ${client}
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]`;

describe('PreSignUp and PostConfirmation triggers', () => {
  let broker: TestBroker;
  let sdk: CognitoIdentityProviderClient;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        hookPosts.push({ headers: req.headers, body });
        const event = JSON.parse(body) as { response: Record<string, unknown> };
        event.response.autoConfirmUser = true;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(event));
      });
    });
    lambda = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        lambdaCalls.push({ path: req.url ?? '', authorization: String(req.headers.authorization ?? ''), body });
        const event = JSON.parse(body) as { request: { userAttributes: { email?: string } }; response: Record<string, unknown> };
        if (event.request.userAttributes.email?.startsWith('fail')) {
          res.setHeader('x-amz-function-error', 'Unhandled');
          return res.end(JSON.stringify({ errorMessage: 'Not on the list', errorType: 'Error' }));
        }
        event.response.autoConfirmUser = true;
        res.end(JSON.stringify(event));
      });
    });
    await Promise.all([hook, lambda].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    process.env.AWS_ACCESS_KEY_ID = 'AKIDLAMBDATESTTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'lambda-test-secret-0123456789';
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/pre-sign-up`;
    broker = await startTestBroker(`pools:${[
      pool('local_TrigMod1', 'mod', `{ PreSignUp: "file:${join(dir, 'pre-sign-up.mjs')}", PostConfirmation: "file:${join(dir, 'post-confirmation.mjs')}" }`),
      pool('local_TrigHook1', 'hook', `{ PreSignUp: "${hookUrl}" }`),
      pool('local_TrigLam1', 'lam', '{ PreSignUp: "arn:aws:lambda:eu-west-1:123456789012:function:pre-sign-up" }'),
      pool('local_TrigHang1', 'hang', `{ PreSignUp: "file:${join(dir, 'hangs.mjs')}" }`),
      pool('local_TrigBad1', 'bad', `{ PreSignUp: "file:${join(dir, 'nonsense.mjs')}" }`),
    ].join('')}\n`, { TRIGGER_WEBHOOK_SECRET: SECRET, LAMBDA_ENDPOINT: `http://127.0.0.1:${(lambda.address() as AddressInfo).port}` });
    sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  });
  after(async () => {
    sdk.destroy();
    await broker.close();
    await Promise.all([hook, lambda].map((s) => new Promise((r) => s.close(r))));
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });
  const signUp = (client: string, email: string, extra: Record<string, unknown> = {}) =>
    sdk.send(new SignUpCommand({ ClientId: client, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }], ...extra }));
  const userOf = async (poolId: string, email: string) => {
    const admin = adminSdk(broker.url);
    try {
      return await admin.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }));
    } finally {
      admin.destroy();
    }
  };

  it("runs a local module with Cognito's event: it confirms and verifies a trusted sign-up, with ValidationData and ClientMetadata passed through", async () => {
    const r = await signUp('mod', 'ann@trusted.example', { ValidationData: [{ Name: 'invite', Value: 'x1' }], ClientMetadata: { app: 'web' } });
    assert.equal(r.UserConfirmed, true);
    assert.equal(r.CodeDeliveryDetails, undefined, 'no code for an account the trigger confirmed');
    const u = await userOf('local_TrigMod1', 'ann@trusted.example');
    assert.equal(u.UserStatus, 'CONFIRMED');
    assert.equal(u.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value, 'true');
    const [pre, post] = seen().filter((e) => e.request.userAttributes.email === 'ann@trusted.example');
    assert.equal(pre!.triggerSource, 'PreSignUp_SignUp');
    assert.deepEqual([pre!.version, pre!.region, pre!.userPoolId, pre!.callerContext.clientId], ['1', 'local', 'local_TrigMod1', 'mod']);
    assert.deepEqual([pre!.request.validationData, pre!.request.clientMetadata], [{ invite: 'x1' }, { app: 'web' }]);
    assert.equal(post!.triggerSource, 'PostConfirmation_ConfirmSignUp', 'an account the trigger confirmed is confirmed, so post confirmation runs');
    assert.equal(post!.request.userAttributes['cognito:user_status'], 'CONFIRMED');
  });

  it('refuses a sign-up the handler refuses (UserLambdaValidationException with its message) and makes no user', async () => {
    const r = await refused(signUp('mod', 'bob@blocked.example'));
    assert.deepEqual([r.name, r.message], ['UserLambdaValidationException', 'PreSignUp failed with error Blocked domain.']);
    assert.equal((await refused(userOf('local_TrigMod1', 'bob@blocked.example'))).name, 'UserNotFoundException');
  });

  it('runs post confirmation after ConfirmSignUp, with ClientMetadata', async () => {
    const email = 'cy@example.com';
    assert.equal((await signUp('mod', email)).UserConfirmed, false);
    await sdk.send(new ConfirmSignUpCommand({ ClientId: 'mod', Username: email, ConfirmationCode: await broker.lastCode(email), ClientMetadata: { step: 'confirm' } }));
    const post = seen().find((e) => e.triggerSource === 'PostConfirmation_ConfirmSignUp' && e.request.userAttributes.email === email);
    assert.ok(post, 'post confirmation ran');
    assert.deepEqual(post.request.clientMetadata, { step: 'confirm' });
    assert.equal(post.request.userAttributes.email_verified, 'true');
  });

  it('posts the event to an https target, signed with the pool’s key over the timestamp and body', async () => {
    const r = await signUp('hook', 'dee@example.com');
    assert.equal(r.UserConfirmed, true);
    const { headers, body } = hookPosts.at(-1)!;
    const key = createHmac('sha256', SECRET).update('local_TrigHook1').digest();
    assert.equal(headers['x-broker-signature'], `v1=${createHmac('sha256', key).update(`${String(headers['x-broker-timestamp'])}.${body}`).digest('hex')}`);
    assert.equal((JSON.parse(body) as { triggerSource: string }).triggerSource, 'PreSignUp_SignUp');
  });

  it("invokes an AWS Lambda ARN with the SDK (SigV4 for the function's region), its function error a UserLambdaValidationException", async () => {
    assert.equal((await signUp('lam', 'eve@example.com')).UserConfirmed, true);
    const call = lambdaCalls.at(-1)!;
    assert.match(call.path, /^\/2015-03-31\/functions\/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Apre-sign-up\/invocations/);
    assert.match(call.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDLAMBDATESTTEST\/\d{8}\/eu-west-1\/lambda\/aws4_request/);
    const r = await refused(signUp('lam', 'fail@example.com'));
    assert.deepEqual([r.name, r.message], ['UserLambdaValidationException', 'PreSignUp failed with error Not on the list.']);
  });

  it('answers a malformed response with InvalidLambdaResponseException, and a hanging handler with UnexpectedLambdaException after 3 tries; the broker carries on', async () => {
    assert.equal((await refused(signUp('bad', 'fay@example.com'))).name, 'InvalidLambdaResponseException');
    assert.equal((await refused(userOf('local_TrigBad1', 'fay@example.com'))).name, 'UserNotFoundException');
    const hung = await refused(signUp('hang', 'gus@example.com'));
    assert.equal(hung.name, 'UnexpectedLambdaException');
    assert.equal((await refused(userOf('local_TrigHang1', 'gus@example.com'))).name, 'UserNotFoundException');
    assert.equal(broker.logs().filter((l) => l.includes('trigger unavailable')).length, 3, 'three tries');
    assert.equal((await signUp('mod', 'hal@trusted.example')).UserConfirmed, true, 'the broker still serves');
  });
});
