// Key rotation by configuration (TokenSigningKeyMaxAgeDays) and by the operator's command: new tokens
// get the new key, tokens signed before still verify, and the JWKS lists both until they expire.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { poolSchema } from '../../src/directory/schema.js';
import { mintAccessToken, mintIdToken } from '../../src/tokens/mint.js';
import { rotateDueKeys } from '../../src/tokens/rotation.js';
import { verifyPoolToken } from '../../src/tokens/verify.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { headerOf } from '../support/jwt.js';
import { ISSUER, POOL, openFixture, type Fixture } from './fixture.js';

const DAY = 86_400_000;
const kidOf = (jwt: string) => headerOf(jwt).kid as string;

describe('rotation by configuration', () => {
  let f: Fixture;
  before(async () => {
    f = await openFixture();
  });
  after(() => f.cleanup());

  it('rotates keys older than the pool allows, and only those', async () => {
    const t0 = Date.now();
    const before = await mintAccessToken(f.ring, f.subject(), t0);
    await mintIdToken(f.ring, f.subject(), t0);
    assert.deepEqual(await rotateDueKeys(f.store, f.ring, t0 + 10 * DAY), [], 'no age configured: no rotation');
    await f.store.pools.putPool({ id: POOL, settings: poolSchema.parse({ Id: POOL, PoolName: 'tokens', TokenSigningKeyMaxAgeDays: 30 }) });
    assert.deepEqual(await rotateDueKeys(f.store, f.ring, t0 + 10 * DAY), [], 'not old enough yet');
    const rotatedAt = t0 + 31 * DAY;
    assert.deepEqual(await rotateDueKeys(f.store, f.ring, rotatedAt), [POOL]);
    const after = await mintAccessToken(f.ring, f.subject(), rotatedAt);
    assert.notEqual(kidOf(after), kidOf(before));
    const jwks = await f.ring.jwks(POOL, rotatedAt);
    assert.equal(jwks.keys.length, 4, 'two purposes, old and new');
    // A token signed before the rotation verifies (within its lifetime).
    const fresh = await mintAccessToken(f.ring, f.subject(), Date.now());
    assert.ok(await verifyPoolToken(f.ring, fresh, { issuer: ISSUER, poolId: POOL, use: 'access' }));
  });
});

describe('rotation by the operator', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker(`pools:\n  - { Id: ${POOL}, PoolName: ops }\n`);
  });
  after(() => broker.close());

  it('npm run admin -- rotate-keys publishes new keys beside the old ones', async () => {
    const jwks = async () => ((await (await fetch(`${broker.issuer(POOL)}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const before = await jwks();
    assert.equal(before.length, 2);
    // The broker under test runs on SQLite: the command must open the same store, whatever CI exports.
    const { MONGODB_URI: _mongo, ...inherited } = process.env;
    const env = { ...inherited, DATA_DIR: broker.dataDir, BROKER_CONFIG: `${broker.dataDir}/broker.yaml`, BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'rotate-keys', POOL], { env });
    assert.match(stdout, /rotated the signing keys of test_Tokens1; the JWKS now lists 4 keys/);
    const now = await jwks();
    assert.equal(now.length, 4);
    for (const kid of before) assert.ok(now.includes(kid), 'the old keys stay published');
    await assert.rejects(promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'rotate-keys', 'no_Such1'], { env }), /no pool no_Such1/);
  });
});
