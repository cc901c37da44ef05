// The server shell, run as a real process on the embedded store: health and readiness, request ids,
// one log line per request, the listening line, clean shutdown, and nothing lost across a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';
import { spawnBroker, startBroker, waitForOutput, type BrokerProcess } from '../support/broker-process.js';

describe('broker process on SQLite', () => {
  let dir: string;
  let broker: BrokerProcess;
  const env = () => ({ DATA_DIR: join(dir, 'data'), BROKER_CONFIG: 'config/broker.yaml' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'broker-server-'));
    broker = await startBroker(env());
  });
  after(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its URL, and the new management key once', () => {
    assert.match(broker.url, /^http:\/\/localhost:\d+$/);
    assert.match(broker.output(), /management key created \(shown once\): ADMIN_ACCESS_KEY_ID=BRKR[A-Z2-7]{16} ADMIN_SECRET_ACCESS_KEY=\S{40}/);
    assert.match(broker.output(), /BROKER_KEY_SECRET is not set/);
  });

  it('answers /health and /ready', async () => {
    const health = await fetch(`${broker.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${broker.url}/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', store: 'sqlite' });
  });

  it('tags each request with an id and logs it once, without the query', async () => {
    const res = await fetch(`${broker.url}/health?code=SECRET123`, { headers: { 'x-request-id': 'test-req-42' } });
    assert.equal(res.headers.get('x-request-id'), 'test-req-42');
    const minted = await fetch(`${broker.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(minted.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    // Lines reach the pipe in order: once a later request's line is there, every line of the first is too.
    await fetch(`${broker.url}/health`, { headers: { 'x-request-id': 'test-req-43' } });
    await waitForOutput(broker, /"reqId":"test-req-43"/);
    const lines = broker.output().split('\n').filter((l) => l.includes('"reqId":"test-req-42"'));
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]!);
    assert.equal(line.path, '/health');
    assert.equal(line.status, 200);
    assert.equal(typeof line.ms, 'number');
    assert.ok(!broker.output().includes('SECRET123'), 'queries are not logged');
  });

  it('answers unknown paths with 404', async () => {
    assert.equal((await fetch(`${broker.url}/nope`)).status, 404);
  });

  it('stops with exit code 0 on SIGTERM and keeps its data across a restart', async () => {
    assert.equal(await broker.stop('SIGTERM'), 0);
    const store = openSqliteStore({ file: join(dir, 'data', 'broker.sqlite') });
    const key = await store.meta.get('admin-key');
    assert.ok((await store.pools.getPool('local_Main1'))?.settings.PoolName === 'main');
    await store.close();
    broker = await startBroker(env());
    assert.doesNotMatch(broker.output(), /management key created/, 'the key is made once and kept');
    const again = openSqliteStore({ file: join(dir, 'data', 'broker.sqlite') });
    assert.equal(await again.meta.get('admin-key'), key);
    await again.close();
    assert.equal((await fetch(`${broker.url}/ready`)).status, 200);
    assert.equal(await broker.stop('SIGINT'), 0);
  });

  it('refuses to start on a bad config file, naming the field', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'pools:\n  - Id: local_Bad1\n    PoolName: bad\n    Clients:\n      - { ClientId: x, CallbackURLs: ["http://evil.example/cb"] }\n');
    const p = spawnBroker({ DATA_DIR: join(dir, 'data2'), BROKER_CONFIG: bad });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /configuration error: .*bad\.yaml: pools\[0\]\.Clients\[0\]\.CallbackURLs\[0\]: must be https or a loopback URL/);
    await waitForOutput(p, /configuration error/);
  });
});
