// SigV4 on the management actions, through the AWS SDK v3, the AWS CLI and requests signed by hand with
// @smithy/signature-v4 (a stale date, a body changed after signing, an unsigned X-Amz-Target): every
// refusal answers AWS's exception and changes nothing. Limited keys are made with the operator's CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AdminGetUserCommand, DeleteUserPoolClientCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ADMIN_KEY, adminSdk, postApi, signByHand } from '../support/admin.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

const run = promisify(execFile);
const A = 'local_SigA1';
const B = 'local_SigB1';
const CONFIG = `
pools:
  - Id: ${A}
    PoolName: a
    Clients: [{ ClientId: siga, ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH] }]
  - Id: ${B}
    PoolName: b
    Clients: [{ ClientId: sigb, ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH] }]
`;

describe('SigV4 on management actions', () => {
  let broker: TestBroker;
  let cliEnv: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: cliEnv });
  const disable = (pool: string, username: string) => JSON.stringify({ UserPoolId: pool, Username: username });
  const CLIENT_OF: Record<string, string> = { [A]: 'siga', [B]: 'sigb' };
  /** The call the refusals are made with: one that would delete the pool's client. */
  const deleteClient = (pool: string) => JSON.stringify({ UserPoolId: pool, ClientId: CLIENT_OF[pool] });
  /** What a refused call must leave as it was: the pool's client, the user and the management calls audited. */
  const snapshot = async (pool: string, username: string) => {
    const u = await broker.store.users.findUserByUsername(pool, username);
    const c = await broker.store.pools.getClient(pool, CLIENT_OF[pool]!);
    return { client: c?.updatedAt, enabled: u?.enabled, status: u?.status, audited: (await broker.store.audit.list(pool, { type: 'admin.call' })).length };
  };

  before(async () => {
    broker = await startTestBroker(CONFIG);
    const { MONGODB_URI: _mongo, ...inherited } = process.env; // the broker under test runs on SQLite
    cliEnv = { ...inherited, DATA_DIR: broker.dataDir, BROKER_CONFIG: `${broker.dataDir}/broker.yaml`, BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789' };
    const sdk = adminSdk(broker.url);
    for (const [pool, client] of [[A, 'siga'], [B, 'sigb']] as const)
      for (const name of ['ann', 'bob']) await sdk.send(new SignUpCommand({ ClientId: client, Username: name, Password: 'correct horse battery' }));
  });
  after(() => broker.close());

  it('answers the management key pair through the SDK, and audits the call without its values', async () => {
    const user = await adminSdk(broker.url).send(new AdminGetUserCommand({ UserPoolId: A, Username: 'ann' }));
    assert.equal(user.Username, 'ann');
    const [last] = await broker.store.audit.list(A, { type: 'admin.call', limit: 1 });
    assert.deepEqual(last?.detail, { accessKeyId: ADMIN_KEY.accessKeyId, action: 'AdminGetUser', target: { Username: 'ann' }, outcome: 'ok' });
  });

  it('keeps public actions unsigned', async () => {
    const res = await postApi(broker.url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.SignUp' },
      JSON.stringify({ ClientId: 'siga', Username: 'cara', Password: 'correct horse battery' }));
    assert.equal(res.status, 200);
  });

  it('refuses an unsigned call, an unknown key and a wrong secret, changing nothing', async () => {
    const before = await snapshot(A, 'bob');
    const unsigned = await postApi(broker.url, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.DeleteUserPoolClient' }, deleteClient(A));
    assert.deepEqual([unsigned.status, unsigned.body.__type, unsigned.body.message], [403, 'MissingAuthenticationTokenException', 'Missing Authentication Token']);
    const refusal = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      adminSdk(broker.url, credentials).send(new DeleteUserPoolClientCommand({ UserPoolId: A, ClientId: 'siga' })).then(() => 'accepted', (e: Error & { $metadata: { httpStatusCode: number } }) => `${e.name} ${e.$metadata.httpStatusCode}`);
    assert.equal(await refusal({ accessKeyId: 'BRKRNOSUCHKEY0000000', secretAccessKey: ADMIN_KEY.secretAccessKey }), 'UnrecognizedClientException 403');
    assert.equal(await refusal({ accessKeyId: ADMIN_KEY.accessKeyId, secretAccessKey: 'not-the-secret' }), 'InvalidSignatureException 403');
    assert.deepEqual(await snapshot(A, 'bob'), before);
  });

  it('refuses a stale or future date, a body changed after signing, an unsigned X-Amz-Target and a replay, changing nothing', async () => {
    const before = await snapshot(A, 'bob');
    const send = async (o: Parameters<typeof signByHand>[1], body = o.body) => postApi(broker.url, await signByHand(broker.url, o), body);
    const stale = await send({ action: 'DeleteUserPoolClient', body: deleteClient(A), date: new Date(Date.now() - 6 * 60_000) });
    assert.equal(stale.body.__type, 'InvalidSignatureException');
    assert.match(stale.body.message ?? '', /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const future = await send({ action: 'DeleteUserPoolClient', body: deleteClient(A), date: new Date(Date.now() + 6 * 60_000) });
    assert.match(future.body.message ?? '', /^Signature not yet current/);
    // Signed for pool B's client, sent for pool A's: the body hash no longer matches.
    const changed = await send({ action: 'DeleteUserPoolClient', body: deleteClient(B) }, deleteClient(A));
    assert.deepEqual([changed.status, changed.body.__type], [403, 'InvalidSignatureException']);
    const target = await send({ action: 'DeleteUserPoolClient', body: deleteClient(A), unsigned: ['x-amz-target'] });
    assert.deepEqual([target.body.__type, target.body.message], ['InvalidSignatureException', "'x-amz-target' must be a signed header."]);
    assert.deepEqual(await snapshot(A, 'bob'), before);

    // A good signature works once; the same request again is a replay.
    const headers = await signByHand(broker.url, { action: 'AdminGetUser', body: disable(A, 'bob') });
    assert.equal((await postApi(broker.url, headers, disable(A, 'bob'))).status, 200);
    const replay = await postApi(broker.url, headers, disable(A, 'bob'));
    assert.deepEqual([replay.status, replay.body.__type, replay.body.message], [403, 'InvalidSignatureException', 'Signature has already been used.']);
  });

  it('limits a key made with create-access-key to its pool, lists it without its secret, and ends it with delete-access-key', async () => {
    const created = JSON.parse((await cli('create-access-key', '--pool', A, '--description', 'pool A operators')).stdout) as { AccessKeyId: string; SecretAccessKey: string };
    const key = { accessKeyId: created.AccessKeyId, secretAccessKey: created.SecretAccessKey };
    const sdk = adminSdk(broker.url, key);
    assert.equal((await sdk.send(new AdminGetUserCommand({ UserPoolId: A, Username: 'ann' }))).Username, 'ann');

    const before = await snapshot(B, 'bob');
    const denied = await sdk.send(new DeleteUserPoolClientCommand({ UserPoolId: B, ClientId: 'sigb' })).then(() => null, (e: Error) => e);
    assert.equal(denied?.name, 'AccessDeniedException');
    assert.equal(denied?.message, `User: ${key.accessKeyId} is not authorized to perform: cognito-idp:DeleteUserPoolClient on resource: arn:aws:cognito-idp:local:000000000000:userpool/${B}`);
    const after = await snapshot(B, 'bob');
    assert.deepEqual({ ...after, audited: before.audited }, before, 'the client is as it was');
    const [audit] = await broker.store.audit.list(B, { type: 'admin.call', limit: 1 });
    assert.deepEqual(audit?.detail, { accessKeyId: key.accessKeyId, action: 'DeleteUserPoolClient', target: { ClientId: 'sigb' }, outcome: 'AccessDeniedException' });

    const listed = (await cli('list-access-keys')).stdout;
    assert.match(listed, new RegExp(key.accessKeyId));
    assert.ok(!listed.includes(key.secretAccessKey), 'a listing never shows a secret');
    const sealed = await broker.store.meta.get(`access-key:${key.accessKeyId}`);
    assert.ok(sealed && !sealed.includes(key.secretAccessKey), 'the secret is sealed at rest');

    await cli('delete-access-key', key.accessKeyId);
    const gone = await sdk.send(new AdminGetUserCommand({ UserPoolId: A, Username: 'ann' })).then(() => null, (e: Error) => e.name);
    assert.equal(gone, 'UnrecognizedClientException');
  });

  it('refuses a policy that says what it cannot enforce', async () => {
    const file = join(broker.dataDir, 'policy.json');
    writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cognito-idp:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] }));
    const bad = await cli('create-access-key', '--policy', file).then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(bad, /invalid policy: Statement\.0: not supported in a broker policy: Condition/);
    assert.equal((await broker.store.meta.list('access-key:')).length, 0, 'no key was made');
  });

  it('signs with the AWS CLI, and the CLI reports a wrong secret as AWS would', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: ADMIN_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ADMIN_KEY.secretAccessKey, AWS_PAGER: '' };
    const args = ['cognito-idp', 'admin-get-user', '--endpoint-url', broker.url, '--region', 'local', '--user-pool-id', A, '--username', 'ann', '--output', 'json'];
    const ok = JSON.parse((await run('aws', args, { env })).stdout) as { Username: string };
    assert.equal(ok.Username, 'ann');
    const wrong = await run('aws', args, { env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' } }).then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(wrong, /InvalidSignatureException/);
  });

  it('prints the audit trail with npm run admin -- audit', async () => {
    const lines = (await cli('audit', A, '5')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; detail: Record<string, unknown> });
    assert.ok(lines.length > 0 && lines.length <= 5);
    assert.ok(lines.some((l) => l.type === 'admin.call' && l.detail.action === 'AdminGetUser'));
    assert.ok(!JSON.stringify(lines).includes('correct horse battery'), 'no value of an input is audited');
  });
});
