// Bodies and connections a client gets wrong on purpose (docs/security.md, "Hostile input"; issue 17
// §5 and §9): an unknown or broken Content-Encoding is a 400/415 in the caller's shape, a gzip bomb is
// cut off at the body limit after decompression, and slow headers or bodies are cut off by the
// server's deadlines.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FLOW_CONFIG, POOL } from '../oauth/flow-config.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

describe('hostile input', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG, {}, { timeouts: { headersMs: 300, requestMs: 800 } });
  });
  after(() => broker.close());

  const post = (path: string, type: string, encoding: string, body: string | Buffer) =>
    fetch(`${broker.url}${path}`, { method: 'POST', headers: { 'content-type': type, 'content-encoding': encoding }, body: typeof body === 'string' ? body : new Uint8Array(body) });

  it('answers an unknown Content-Encoding with 415 and a broken one with 400, in the caller’s shape', async () => {
    const token = await post(`/${POOL}/oauth2/token`, 'application/x-www-form-urlencoded', 'bogus', 'grant_type=x');
    assert.equal(token.status, 415);
    assert.equal(((await token.json()) as { error: string }).error, 'invalid_request', 'OAuth’s error shape');
    for (const enc of ['gzip', 'deflate', 'br']) {
      const res = await post(`/${POOL}/oauth2/token`, 'application/x-www-form-urlencoded', enc, 'not compressed at all');
      assert.equal(res.status, 400, enc);
      assert.match(((await res.json()) as { error_description: string }).error_description, /could not be read/);
    }
    const page = await post(`/${POOL}/login`, 'application/x-www-form-urlencoded', 'gzip', 'username=a');
    assert.equal(page.status, 400);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/, 'a page for the hosted UI');
    const api = await post('/', 'application/x-amz-json-1.1', 'bogus', '{}');
    assert.equal(api.status, 415);
    assert.equal(api.headers.get('x-amzn-errortype'), 'SerializationException');
    assert.equal(((await api.json()) as { __type: string }).__type, 'SerializationException', 'Cognito’s error shape');
  });

  it('still reads a well-formed gzip body, and cuts a gzip bomb off at the limit', async () => {
    const ok = await post(`/${POOL}/oauth2/token`, 'application/x-www-form-urlencoded', 'gzip', gzipSync('grant_type=password'));
    assert.equal(ok.status, 401);
    assert.equal(((await ok.json()) as { error: string }).error, 'invalid_client', 'the body was read (no such client)');
    const bomb = gzipSync(Buffer.concat([Buffer.from('grant_type='), Buffer.alloc(20 * 1024 * 1024, 'a')]));
    assert.ok(bomb.length < 100_000, 'a small body that inflates to 20 MB');
    const res = await post(`/${POOL}/oauth2/token`, 'application/x-www-form-urlencoded', 'gzip', bomb);
    assert.equal(res.status, 413);
  });

  it('logs no error-level stack for any of them', () => {
    assert.equal(broker.logs().filter((l) => JSON.parse(l).level >= 50).length, 0, broker.logs().join(''));
  });

  /** Writes `data` on a raw connection, never more, and resolves with what the server said once it closes it. */
  function stall(data: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(new URL(broker.url).port), '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.write(data);
    });
  }

  it('cuts off a client that sends its headers too slowly', async () => {
    assert.match(await stall(`POST /${POOL}/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\n`), /^HTTP\/1\.1 408/);
  });

  it('cuts off a client that sends its body too slowly', async () => {
    const head = `POST /${POOL}/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type`;
    assert.match(await stall(head), /^HTTP\/1\.1 408|^$/);
  });
});
