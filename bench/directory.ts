// Directory benchmark: loads 100,000 users into each store and prints the creation rate and the
// p50/p99 of lookups by username and by alias and of filtered ListUsers pages; then the RSS of an
// idle broker. SQLite always (in a temporary directory); MongoDB when MONGODB_URI is set.
//   npm run bench:directory            USERS=20000 npm run bench:directory   (a quicker run)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { poolSchema } from '../src/directory/schema.js';
import { openSqliteStore } from '../src/directory/sqlite/index.js';
import type { Store } from '../src/directory/store.js';

const USERS = Number(process.env.USERS ?? 100_000);
const SAMPLES = Number(process.env.SAMPLES ?? 2_000);
// FerretDB 1.24 answers every query with a full scan (see docs/performance.md): fewer samples there.
const MONGO_SAMPLES = Number(process.env.MONGO_SAMPLES ?? 200);
const POOL = 'bench_Pool1';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return `p50 ${percentile(times, 50).toFixed(3)} ms  p99 ${percentile(times, 99).toFixed(3)} ms`;
}

const pad = (i: number) => String(i).padStart(6, '0');

async function bench(name: string, store: Store, concurrency: number, samples: number): Promise<void> {
  await store.pools.putPool({ id: POOL, settings: poolSchema.parse({ Id: POOL, PoolName: 'bench' }) });
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < USERS; i = next++) {
        const email = `user${pad(i)}@example${i % 100}.com`;
        await store.users.createUser({
          poolId: POOL, username: `user${pad(i)}`, status: i % 10 ? 'CONFIRMED' : 'UNCONFIRMED',
          attributes: { email, email_verified: 'true', name: `User ${i}`, given_name: 'User', family_name: `N${i}` },
          aliases: [{ kind: 'email', value: email }],
        });
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${name}: created ${USERS} users in ${secs.toFixed(1)} s (${Math.round(USERS / secs)} users/s, ${concurrency} at a time)`);

  const rnd = () => Math.floor(Math.random() * USERS);
  console.log(`${name}: lookup by username      ${await timeEach(samples, async () => {
    if (!(await store.users.findUserByUsername(POOL, `USER${pad(rnd())}`))) throw new Error('missing user');
  })}`);
  console.log(`${name}: lookup by alias (email) ${await timeEach(samples, async () => {
    const i = rnd();
    if (!(await store.users.findUserByAlias(POOL, 'email', `User${pad(i)}@Example${i % 100}.com`))) throw new Error('missing alias');
  })}`);
  console.log(`${name}: listUsers email ^= "user0123" (10 matches)          ${await timeEach(Math.max(10, samples / 10), async (k) => {
    const page = await store.users.listUsers(POOL, { filter: { attribute: 'email', op: '^=', value: `user${pad(rnd()).slice(0, 5)}` }, limit: 60 });
    if (USERS >= 100_000 && page.items.length !== 10 && k === 0) throw new Error(`expected 10, got ${page.items.length}`);
  })}`);
  console.log(`${name}: listUsers cognito:user_status = "UNCONFIRMED", 60 a page ${await timeEach(Math.max(10, samples / 10), async () => {
    const page = await store.users.listUsers(POOL, { filter: { attribute: 'cognito:user_status', op: '=', value: 'UNCONFIRMED' }, limit: 60 });
    if (page.items.length !== 60) throw new Error('short page');
  })}`);
  let token: string | undefined;
  console.log(`${name}: listUsers all users, successive pages of 60      ${await timeEach(Math.max(10, samples / 10), async () => {
    const page = await store.users.listUsers(POOL, { limit: 60, nextToken: token });
    token = page.nextToken;
  })}`);
}

async function idleRss(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const proc = spawn(process.execPath, ['dist/src/main.js'], { env: { PATH: process.env.PATH ?? '', PORT: '0', DATA_DIR: dir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d) => String(d).includes('listening on') && resolve());
    proc.on('exit', () => reject(new Error('broker exited; run `npm run build` first')));
  });
  await new Promise((r) => setTimeout(r, 2000));
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1];
  console.log(`idle broker (SQLite, built): RSS ${Math.round(Number(rss) / 1024)} MB`);
  proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

const dir = mkdtempSync(join(tmpdir(), 'bench-directory-'));
try {
  const sqlite = openSqliteStore({ file: join(dir, 'bench.sqlite') });
  await bench('sqlite', sqlite, 1, SAMPLES);
  await sqlite.close();
  if (process.env.MONGODB_URI) {
    const { openMongoStore } = await import('../src/directory/mongo/index.js');
    const dbName = `bench_${randomBytes(4).toString('hex')}`;
    const mongo = await openMongoStore({ uri: process.env.MONGODB_URI, dbName });
    try {
      await bench('mongo', mongo, 32, MONGO_SAMPLES);
    } finally {
      await mongo.dropDatabase();
      await mongo.close();
    }
  } else {
    console.log('mongo: skipped (MONGODB_URI is not set; scripts/ferretdb.sh start prints one)');
  }
  await idleRss();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
