// Users moved in with an import job through the AWS SDK (SigV4): the CSV PUT to the broker's own
// PreSignedUrl, once; rows with bcrypt, scrypt, PBKDF2-SHA256 and argon2id hashes from other systems
// sign in with their original passwords (and are rehashed to the pool's argon2id); a row without a
// hash resets its password by code; a bad row is reported and leaves nothing.
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, CreateUserImportJobCommand, DescribeUserImportJobCommand, ForgotPasswordCommand,
  GetCSVHeaderCommand, InitiateAuthCommand, ListUserImportJobsCommand, StartUserImportJobCommand, StopUserImportJobCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { hash as argon2 } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { refused } from '../support/refused.js';
import { adminSdk, awsCli } from '../support/admin.js';

const POOL = 'local_Imp1';
const ROLE = 'arn:aws:iam::123456789012:role/import';
// PasswordHashingAlgorithm is the broker's own member: the typed SDK sends it (its JSON serialiser passes members through), with a cast.
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Imports
    AliasAttributes: [email]
    Schema: [{ Name: team }]
    Clients:
      - ClientId: app
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;
const ab64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
const scryptHash = (pw: string) => {
  const salt = randomBytes(16);
  return `$scrypt$ln=14,r=8,p=1$${ab64(salt)}$${ab64(scryptSync(pw, salt, 32, { N: 2 ** 14, r: 8, p: 1 }))}`;
};
const pbkdf2Passlib = (pw: string) => {
  const salt = randomBytes(16);
  return `$pbkdf2-sha256$29000$${ab64(salt)}$${ab64(pbkdf2Sync(pw, salt, 29000, 32, 'sha256'))}`;
};
const pbkdf2Django = (pw: string) => `pbkdf2_sha256$260000$saltsalt$${pbkdf2Sync(pw, 'saltsalt', 260000, 32, 'sha256').toString('base64')}`;

describe('user import jobs through the management API (SigV4)', () => {
  let broker: TestBroker;
  let admin: CognitoIdentityProviderClient;
  let app: CognitoIdentityProviderClient;
  let header: string[];

  before(async () => {
    broker = await startTestBroker(CONFIG);
    admin = adminSdk(broker.url);
    app = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
    header = (await admin.send(new GetCSVHeaderCommand({ UserPoolId: POOL }))).CSVHeader!;
  });
  after(async () => {
    admin.destroy();
    app.destroy();
    await broker.close();
  });

  const signIn = (username: string, password: string) =>
    app.send(new InitiateAuthCommand({ ClientId: 'app', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }));
  /** A CSV in GetCSVHeader's columns, each row given by the columns it fills. */
  const csvOf = (rows: Record<string, string>[]) =>
    [header.join(','), ...rows.map((r) => header.map((h) => (r[h] === undefined ? '' : `"${r[h]!.replace(/"/g, '""')}"`)).join(','))].join('\r\n') + '\r\n';
  /** The job once it has ended (it runs in the background): DescribeUserImportJob, asked again while it runs. */
  async function settled(jobId: string) {
    for (;;) {
      const job = (await admin.send(new DescribeUserImportJobCommand({ UserPoolId: POOL, JobId: jobId }))).UserImportJob!;
      if (!['Created', 'Pending', 'InProgress', 'Stopping'].includes(job.Status!)) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const put = (url: string, body: string) => fetch(url, { method: 'PUT', body, headers: { 'content-type': 'text/csv' } });

  it('answers the header with the custom attributes and the broker\'s password_hash column', () => {
    assert.equal(header.at(-1), 'password_hash');
    assert.ok(header.includes('cognito:username') && header.includes('custom:team') && header.includes('email_verified'));
  });

  it('imports bcrypt, scrypt, PBKDF2 and argon2id users who sign in with their old passwords; a bad row is reported and leaves nothing', async () => {
    const rows: Record<string, string>[] = [
      { 'cognito:username': 'bee', email: 'bee@example.com', email_verified: 'true', 'custom:team': 'red', password_hash: bcrypt.hashSync('bee password 1', 10) },
      { 'cognito:username': 'sam', password_hash: scryptHash('sam password 2') },
      { 'cognito:username': 'pat', password_hash: pbkdf2Passlib('pat password 3') },
      { 'cognito:username': 'dj', password_hash: pbkdf2Django('dj password 4') },
      { 'cognito:username': 'ari', password_hash: await argon2('ari password 5', { algorithm: 2, memoryCost: 4096, timeCost: 3, parallelism: 1 }) },
      { 'cognito:username': 'nohash', email: 'nohash@example.com', email_verified: 'true' },
      { 'cognito:username': 'broken', email: 'not-an-email', password_hash: bcrypt.hashSync('x', 4) },
      { 'cognito:username': 'badhash', password_hash: '$md5$nope' },
    ];
    const job = (await admin.send(new CreateUserImportJobCommand({ UserPoolId: POOL, JobName: 'from-legacy', CloudWatchLogsRoleArn: ROLE }))).UserImportJob!;
    assert.equal(job.Status, 'Created');
    assert.ok(job.PreSignedUrl?.startsWith(`${broker.url}/${POOL}/import-jobs/${job.JobId}?token=`));
    assert.equal((await refused(admin.send(new StartUserImportJobCommand({ UserPoolId: POOL, JobId: job.JobId })))).name, 'PreconditionNotMetException', 'nothing uploaded yet');
    const wrong = job.PreSignedUrl!.replace(/token=[^&]+/, 'token=guessed');
    assert.equal((await put(wrong, csvOf(rows))).status, 403);
    assert.equal((await put(job.PreSignedUrl!, csvOf(rows))).status, 200);
    assert.equal((await put(job.PreSignedUrl!, csvOf([{ 'cognito:username': 'intruder' }]))).status, 403, 'the URL works once');

    const started = (await admin.send(new StartUserImportJobCommand({ UserPoolId: POOL, JobId: job.JobId }))).UserImportJob!;
    assert.equal(started.Status, 'InProgress');
    assert.equal((await refused(admin.send(new StartUserImportJobCommand({ UserPoolId: POOL, JobId: job.JobId })))).name, 'InvalidParameterException');
    const done = await settled(job.JobId!);
    assert.equal(done.Status, 'Succeeded');
    assert.equal(done.ImportedUsers, 6);
    assert.equal(done.FailedUsers, 2);
    assert.match(done.CompletionMessage!, /row 7: Invalid email address format/);
    assert.match(done.CompletionMessage!, /row 8: password_hash: not a bcrypt/);
    assert.equal(await broker.store.users.findUserByUsername(POOL, 'broken'), null, 'a failed row leaves nothing');

    for (const [name, password] of [['bee@example.com', 'bee password 1'], ['sam', 'sam password 2'], ['pat', 'pat password 3'], ['dj', 'dj password 4'], ['ari', 'ari password 5']] as const) {
      assert.equal((await refused(signIn(name, 'not the password'))).name, 'NotAuthorizedException', name);
      assert.ok((await signIn(name, password)).AuthenticationResult?.IdToken, `${name} signs in with the old password`);
    }
    const bee = (await broker.store.users.findUserByUsername(POOL, 'bee'))!;
    assert.match(bee.passwordHash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 'rehashed to the pool\'s argon2id at sign-in');
    assert.ok(bee.srpVerifier, 'and given its SRP verifier');
    assert.equal(bee.attributes['custom:team'], 'red');
    assert.ok((await signIn('bee', 'bee password 1')).AuthenticationResult, 'the new hash works');

    // No hash: RESET_REQUIRED, the password is set by code.
    assert.equal((await admin.send(new DescribeUserImportJobCommand({ UserPoolId: POOL, JobId: job.JobId }))).UserImportJob?.Status, 'Succeeded');
    assert.equal((await broker.store.users.findUserByUsername(POOL, 'nohash'))!.status, 'RESET_REQUIRED');
    await app.send(new ForgotPasswordCommand({ ClientId: 'app', Username: 'nohash' }));
    await app.send(new ConfirmForgotPasswordCommand({ ClientId: 'app', Username: 'nohash', ConfirmationCode: await broker.lastCode('nohash@example.com'), Password: 'a brand new password' }));
    assert.ok((await signIn('nohash', 'a brand new password')).AuthenticationResult);
  });

  it('holds hashes to the job\'s PasswordHashingAlgorithm, fails a CSV with a foreign column, stops, and lists jobs', async () => {
    const strict = (await admin.send(new CreateUserImportJobCommand({ UserPoolId: POOL, JobName: 'bcrypt-only', CloudWatchLogsRoleArn: ROLE, PasswordHashingAlgorithm: 'BCRYPT' } as never))).UserImportJob!;
    await put(strict.PreSignedUrl!, csvOf([{ 'cognito:username': 'sc2', password_hash: scryptHash('p') }, { 'cognito:username': 'bc2', password_hash: bcrypt.hashSync('bc2 password', 4) }]));
    await admin.send(new StartUserImportJobCommand({ UserPoolId: POOL, JobId: strict.JobId }));
    const s = await settled(strict.JobId!);
    assert.deepEqual([s.ImportedUsers, s.FailedUsers], [1, 1]);
    assert.match(s.CompletionMessage!, /row 1: password_hash: the hash is SCRYPT, not BCRYPT/);

    const foreign = (await admin.send(new CreateUserImportJobCommand({ UserPoolId: POOL, JobName: 'bad-header', CloudWatchLogsRoleArn: ROLE }))).UserImportJob!;
    await put(foreign.PreSignedUrl!, 'cognito:username,shoe_size\r\nx,42\r\n');
    await admin.send(new StartUserImportJobCommand({ UserPoolId: POOL, JobId: foreign.JobId }));
    const f = await settled(foreign.JobId!);
    assert.equal(f.Status, 'Failed');
    assert.match(f.CompletionMessage!, /shoe_size/);

    const idle = (await admin.send(new CreateUserImportJobCommand({ UserPoolId: POOL, JobName: 'never-run', CloudWatchLogsRoleArn: ROLE }))).UserImportJob!;
    assert.equal((await admin.send(new StopUserImportJobCommand({ UserPoolId: POOL, JobId: idle.JobId }))).UserImportJob?.Status, 'Stopped');
    assert.equal((await put(idle.PreSignedUrl!, csvOf([{ 'cognito:username': 'late' }]))).status, 403, 'a stopped job takes no CSV');
    const listed = (await admin.send(new ListUserImportJobsCommand({ UserPoolId: POOL, MaxResults: 2 })));
    assert.equal(listed.UserImportJobs?.length, 2);
    const rest = await admin.send(new ListUserImportJobsCommand({ UserPoolId: POOL, MaxResults: 10, PaginationToken: listed.PaginationToken }));
    assert.deepEqual([...listed.UserImportJobs!, ...rest.UserImportJobs!].map((j) => j.JobName), ['from-legacy', 'bcrypt-only', 'bad-header', 'never-run']);
  });

  it('answers the AWS CLI', async () => {
    const out = await awsCli<{ CSVHeader: string[] }>(broker.url, 'get-csv-header', '--user-pool-id', POOL);
    assert.deepEqual(out.CSVHeader, header);
  });
});
