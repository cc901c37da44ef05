// SMS through the broker's other transports, with the whole broker over HTTP: Amazon SNS (the AWS
// SDK's SNSClient against a stand-in that speaks SNS's query protocol, SigV4-signed) and an HTTPS
// webhook whose posts are signed with a per-pool key the receiver derives on its own. A failed
// hand-over leaves the message pending for the next flush.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CognitoIdentityProviderClient, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { startSnsFake, type SnsFake } from '../fakes/sns.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

const POOL = 'local_Sms1';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Sms
    UsernameAttributes: [phone_number]
    AutoVerifiedAttributes: [phone_number]
    Clients:
      - ClientId: sms
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
`;
const signUp = (broker: TestBroker, phone: string) => {
  const sdk = new CognitoIdentityProviderClient({ endpoint: broker.url, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return sdk.send(new SignUpCommand({ ClientId: 'sms', Username: phone, Password: 'a long enough password', UserAttributes: [{ Name: 'phone_number', Value: phone }] })).finally(() => sdk.destroy());
};

describe('SMS by Amazon SNS (SMS_DELIVERY=sns)', () => {
  let sns: SnsFake;
  let broker: TestBroker;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  before(async () => {
    sns = await startSnsFake();
    // The SDK's own credentials chain: the environment, as on a server.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDSNSTESTTESTTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'sns-test-secret-0123456789';
    broker = await startTestBroker(CONFIG, { SMS_DELIVERY: 'sns', SNS_ENDPOINT: sns.url, AWS_REGION: 'eu-west-1' });
  });
  after(async () => {
    await broker.close();
    await sns.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  });

  it('publishes the code as a transactional SMS, signed with SigV4 for the region, and nothing to the outbox file', async () => {
    const up = await signUp(broker, '+15550100001');
    assert.equal(up.CodeDeliveryDetails?.DeliveryMedium, 'SMS');
    await waitFor(() => sns.messages.length === 1);
    const [m] = sns.messages;
    assert.equal(m!.phoneNumber, '+15550100001');
    assert.match(m!.message, /\d{6}/);
    assert.equal(m!.smsType, 'Transactional');
    assert.match(m!.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDSNSTESTTESTTEST\/\d{8}\/eu-west-1\/sns\/aws4_request/);
    assert.equal(broker.messageCount('+15550100001'), 0, 'the outbox file holds no SMS');
  });

  it('keeps a message SNS refused pending, and hands it over at the next flush', async () => {
    sns.failNext();
    const before = sns.requests.length;
    await signUp(broker, '+15550100002');
    await waitFor(() => sns.requests.length > before);
    assert.equal(sns.messages.filter((m) => m.phoneNumber === '+15550100002').length, 0, 'refused once');
    assert.ok((await broker.store.outbox.listPending(10)).some((p) => p.to === '+15550100002'), 'still pending');
    await signUp(broker, '+15550100004'); // its message's flush takes the pending one too
    await waitFor(() => sns.messages.some((m) => m.phoneNumber === '+15550100002') && sns.messages.some((m) => m.phoneNumber === '+15550100004'));
  });
});

describe('SMS by a signed webhook (SMS_DELIVERY=<url>)', () => {
  const SECRET = 'webhook-secret-for-the-tests-0123';
  let server: Server;
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  let broker: TestBroker;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
    broker = await startTestBroker(CONFIG, { SMS_DELIVERY: url, SMS_WEBHOOK_SECRET: SECRET });
  });
  after(async () => {
    await broker.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('posts the message as JSON, signed with the pool’s key (HMAC of the pool id under the secret) over the timestamp and body', async () => {
    await signUp(broker, '+15550100003');
    await waitFor(() => received.length === 1);
    const { headers, body } = received[0]!;
    assert.equal(headers['x-broker-pool'], POOL);
    const json = JSON.parse(body) as { poolId: string; to: string; body: string };
    assert.equal(json.poolId, POOL);
    assert.equal(json.to, '+15550100003');
    assert.match(json.body, /\d{6}/);
    // What a receiver does: derive the pool's key, check the signature over "<timestamp>.<body>", and the timestamp's age.
    const key = createHmac('sha256', SECRET).update(POOL).digest();
    const expected = createHmac('sha256', key).update(`${String(headers['x-broker-timestamp'])}.${body}`).digest('hex');
    assert.equal(headers['x-broker-signature'], `v1=${expected}`);
    assert.ok(Math.abs(Date.now() / 1000 - Number(headers['x-broker-timestamp'])) < 300);
    const otherPool = createHmac('sha256', createHmac('sha256', SECRET).update('local_Other1').digest()).update(`${String(headers['x-broker-timestamp'])}.${body}`).digest('hex');
    assert.notEqual(otherPool, expected, 'another pool’s key does not verify it');
  });
});

/** Waits until `done` holds: each check after the event loop has run what is queued (no clock). */
async function waitFor(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail('the condition never held');
}
