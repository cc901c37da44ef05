// The management API (SigV4) under load, the whole broker in this process on a temp SQLite directory
// (test/support/broker-app.ts), driven through the AWS SDK v3 by BENCH_CLIENTS concurrent callers:
// AdminCreateUser per second beside the machine's limit measured in the same run (one argon2id hash
// and one SRP verifier per user, as many at once as the hashing gate allows); ListUsers with a filter
// at BENCH_LIST_USERS users (p50/p99) beside a signed call that reads one record (DescribeUserPool:
// SigV4 both sides, HTTP, JSON); and a user import job's rows per second beside the store's own
// createUser rate.
//   npm run bench:admin   (BENCH_CLIENTS=8, BENCH_SECONDS=5, BENCH_LIST_USERS=100000, BENCH_IMPORT_ROWS=5000)
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  AdminCreateUserCommand, CreateUserImportJobCommand, DescribeUserImportJobCommand, DescribeUserPoolCommand, ListUsersCommand, StartUserImportJobCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import bcrypt from 'bcryptjs';
import { passwordCredentials } from '../src/native/credentials.js';
import { Sealer } from '../src/directory/secrets.js';
import { DEFAULT_HASH_CONCURRENCY } from '../src/native/hash-gate.js';
import { adminSdk } from '../test/support/admin.js';
import { startTestBroker } from '../test/support/broker-app.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LIST_USERS = Number(process.env.BENCH_LIST_USERS ?? 100_000);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 5000);
const POOL = 'bench_Adm1';
const LIST_POOL = 'bench_Adm2';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: admin bench
  - Id: ${LIST_POOL}
    PoolName: list bench
`;

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000)}/s`;
const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** `fn` by `workers` callers at once for `seconds`; how many calls ended. */
async function forSeconds(workers: number, seconds: number, fn: (worker: number, k: number) => Promise<void>): Promise<{ n: number; ms: number }> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let k = 0; performance.now() < end; k++) {
      await fn(w, k);
      n++;
    }
  }));
  return { n, ms: performance.now() - t0 };
}

/** Latencies of `n` calls one after another. */
async function latencies(n: number, fn: (k: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    await fn(k);
    out.push(performance.now() - t);
  }
  return out;
}

const broker = await startTestBroker(CONFIG);
const sdks = Array.from({ length: CLIENTS }, () => adminSdk(broker.url));
try {
  const pool = (await broker.store.pools.getPool(POOL))!;
  console.log(`management API bench: ${CLIENTS} clients, ${SECONDS} s a phase, Node ${process.version}`);

  // AdminCreateUser: each call hashes a temporary password (argon2id) and makes its SRP verifier.
  const credentials = () => passwordCredentials(new Sealer(undefined), pool, randomUUID(), 'Temp-pass-1234!');
  for (let i = 0; i < 8; i++) await credentials(); // the SRP threads start, argon2 warms
  // As many callers as the API phase: the hashing gate lets DEFAULT_HASH_CONCURRENCY hash at once.
  const limit = await forSeconds(CLIENTS, 2, () => credentials().then(() => undefined));
  const created = await forSeconds(CLIENTS, SECONDS, async (w, k) => {
    await sdks[w]!.send(new AdminCreateUserCommand({ UserPoolId: POOL, Username: `u${w}-${k}`, TemporaryPassword: 'Temp-pass-1234!', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `u${w}-${k}@example.com` }] }));
  });
  console.log(`AdminCreateUser: ${rate(created.n, created.ms)}  (limit: argon2id hash + SRP verifier through the hashing gate, ${DEFAULT_HASH_CONCURRENCY} at once: ${rate(limit.n, limit.ms)})`);

  // ListUsers with a filter at LIST_USERS users (made straight in the store, not timed).
  const listPool = (await broker.store.pools.getPool(LIST_POOL))!;
  const fill0 = performance.now();
  for (let i = 0; i < LIST_USERS; i++) {
    const name = `user${String(i).padStart(6, '0')}`;
    await broker.store.users.createUser({ poolId: listPool.id, username: name, status: i % 10 ? 'CONFIRMED' : 'UNCONFIRMED', attributes: { email: `${name}@example${i % 100}.com`, family_name: `F${i % 1000}` } });
  }
  console.log(`(${LIST_USERS} users made in the store in ${Math.round((performance.now() - fill0) / 1000)} s, not timed)`);
  // A fresh client: the others' idle keep-alive sockets were closed by the server during the fill.
  const lister = adminSdk(broker.url);
  sdks.push(lister);
  const floor = await latencies(300, async () => {
    await lister.send(new DescribeUserPoolCommand({ UserPoolId: LIST_POOL }));
  });
  const rnd = (k: number) => String((k * 7919) % LIST_USERS).padStart(6, '0');
  const exact = await latencies(300, async (k) => {
    const r = await lister.send(new ListUsersCommand({ UserPoolId: LIST_POOL, Filter: `email = "user${rnd(k)}@example${Number(rnd(k)) % 100}.com"` }));
    if (r.Users?.length !== 1) throw new Error('expected one user');
  });
  const prefix = await latencies(300, async (k) => {
    const r = await lister.send(new ListUsersCommand({ UserPoolId: LIST_POOL, Filter: `email ^= "user${rnd(k).slice(0, 5)}"`, Limit: 60 }));
    if (LIST_USERS >= 100_000 && r.Users?.length !== 10) throw new Error(`expected 10 users, got ${r.Users?.length}`);
  });
  const status = await latencies(300, async () => {
    const r = await lister.send(new ListUsersCommand({ UserPoolId: LIST_POOL, Filter: 'cognito:user_status = "UNCONFIRMED"', Limit: 60 }));
    if (r.Users?.length !== 60) throw new Error('short page');
  });
  const line = (what: string, xs: number[]) => `${what}: p50 ${ms(pct(xs, 50))}, p99 ${ms(pct(xs, 99))}`;
  console.log(`ListUsers at ${LIST_USERS} users, one caller:`);
  console.log(`  ${line('email = "…" (1 match)            ', exact)}`);
  console.log(`  ${line('email ^= "user01234" (10 matches)', prefix)}`);
  console.log(`  ${line('cognito:user_status, 60 a page   ', status)}`);
  console.log(`  ${line('floor: DescribeUserPool (SigV4)  ', floor)}`);

  // An import job: IMPORT_ROWS rows with bcrypt hashes (cost 4; hashing them is not timed).
  const hash = bcrypt.hashSync('imported password', 4);
  const header = 'cognito:username,email,email_verified,password_hash';
  const csv = [header, ...Array.from({ length: IMPORT_ROWS }, (_, i) => `imp${i},imp${i}@example.com,true,${hash}`)].join('\n');
  const job = (await lister.send(new CreateUserImportJobCommand({ UserPoolId: POOL, JobName: 'bench', CloudWatchLogsRoleArn: 'arn:aws:iam::123456789012:role/import' }))).UserImportJob!;
  await fetch(job.PreSignedUrl!, { method: 'PUT', body: csv });
  const i0 = performance.now();
  await lister.send(new StartUserImportJobCommand({ UserPoolId: POOL, JobId: job.JobId }));
  let done;
  do {
    await new Promise((r) => setTimeout(r, 20));
    done = (await lister.send(new DescribeUserImportJobCommand({ UserPoolId: POOL, JobId: job.JobId }))).UserImportJob!;
  } while (done.Status === 'InProgress');
  const importMs = performance.now() - i0;
  if (done.ImportedUsers !== IMPORT_ROWS) throw new Error(`import: ${done.Status} ${done.CompletionMessage}`);
  const direct = await latencies(2000, async (k) => {
    await broker.store.users.createUser({ poolId: POOL, username: `direct${k}`, status: 'CONFIRMED', attributes: { email: `direct${k}@example.com`, email_verified: 'true' }, passwordHash: hash });
  });
  console.log(`import job: ${rate(IMPORT_ROWS, importMs)} rows (limit: the store's createUser one at a time: ${rate(direct.length, direct.reduce((a, b) => a + b, 0))})`);
} finally {
  for (const s of sdks) s.destroy();
  await broker.close();
}
