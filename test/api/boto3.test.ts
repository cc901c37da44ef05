// A few calls through boto3 and the AWS CLI (this machine's Python has both): the broker answers
// Python's botocore as it answers the JavaScript SDK, errors included.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

const run = promisify(execFile);
const POOL = 'local_Boto1';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Boto
    AutoVerifiedAttributes: [email]
    Clients:
      - ClientId: cli
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;

const SCRIPT = `
import json, sys, boto3, botocore
endpoint, step = sys.argv[1], sys.argv[2]
args = json.loads(sys.argv[3])
c = boto3.client('cognito-idp', endpoint_url=endpoint, region_name='local',
                 aws_access_key_id='x', aws_secret_access_key='x')
try:
    r = getattr(c, step)(**args)
    r.pop('ResponseMetadata', None)
    print(json.dumps({'ok': r}, default=str))
except botocore.exceptions.ClientError as e:
    print(json.dumps({'error': e.response['Error']['Code'], 'message': e.response['Error']['Message'], 'status': e.response['ResponseMetadata']['HTTPStatusCode']}))
`;

/** boto3 and the CLI come with the machine's Python, not with npm: said aloud when absent. */
const pythonClients = await run('python3', ['-c', 'import boto3']).then(() => true, () => false)
  && await run('aws', ['--version']).then(() => true, () => false);
if (!pythonClients) console.log('# SKIPPED boto3 or the AWS CLI is not installed: the Python client tests did not run');

describe('boto3 and the AWS CLI', { skip: !pythonClients && 'boto3 or the AWS CLI is not installed' }, () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker(CONFIG);
  });
  after(() => broker.close());

  async function boto(step: string, args: Record<string, unknown>): Promise<{ ok?: Record<string, any>; error?: string; message?: string; status?: number }> {
    const { stdout } = await run('python3', ['-c', SCRIPT, broker.url, step, JSON.stringify(args)]);
    return JSON.parse(stdout);
  }

  it('signs up, confirms, signs in and reads the user through boto3', async () => {
    const up = await boto('sign_up', { ClientId: 'cli', Username: 'lena', Password: 'correct horse battery', UserAttributes: [{ Name: 'email', Value: 'lena@example.com' }] });
    assert.equal(up.ok?.UserConfirmed, false);
    assert.equal(up.ok?.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
    await boto('confirm_sign_up', { ClientId: 'cli', Username: 'lena', ConfirmationCode: await broker.lastCode('lena@example.com') });
    const auth = await boto('initiate_auth', { ClientId: 'cli', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'lena', PASSWORD: 'correct horse battery' } });
    const token = auth.ok?.AuthenticationResult?.AccessToken;
    assert.ok(token);
    const user = await boto('get_user', { AccessToken: token });
    assert.equal(user.ok?.Username, 'lena');
  });

  it('gives botocore Cognito’s error codes, and the CLI too', async () => {
    const wrong = await boto('initiate_auth', { ClientId: 'cli', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'lena', PASSWORD: 'not it at all' } });
    assert.deepEqual([wrong.error, wrong.message, wrong.status], ['NotAuthorizedException', 'Incorrect username or password.', 400]);
    const cli = await run('aws', ['cognito-idp', 'sign-up', '--endpoint-url', broker.url, '--region', 'local', '--client-id', 'cli', '--username', 'lena', '--password', 'correct horse battery'],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' } }).then(() => '', (e: { stderr: string }) => e.stderr);
    assert.match(cli, /UsernameExistsException/);
  });
});
