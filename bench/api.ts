// The Cognito JSON API (`POST /`) under load, the whole broker in this process on a temp SQLite
// directory (test/support/broker-app.ts), driven over HTTP by BENCH_CLIENTS concurrent clients (undici,
// in this process too): SRP sign-ins (InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge
// PASSWORD_VERIFIER), USER_PASSWORD_AUTH sign-ins, and GetTokensFromRefreshToken; each beside the
// machine's limit measured in the same run: the server's SRP math on one thread (what one of the
// broker's SRP threads, src/native/srp-math.ts, can do), argon2id verification with PASSWORD_HASH_OPTIONS one at a time
// and as many at once as the hashing gate allows, RS256 signing (a refresh signs two tokens).
//
// The SRP clients are amazon-cognito-identity-js's AuthenticationHelper, unchanged. Its pure-JS bigint
// work (0.1–0.4 s a sign-in) stays out of every timed window: A/a pairs are made beforehand in worker
// threads (one per core, each keeping its helpers); a round of up to SRP_ROUND InitiateAuth calls is
// timed; the workers then compute every answer of the round (not timed, nothing else running); then
// the round's RespondToAuthChallenge calls are timed. The SRP rate is sign-ins over the sum of the
// timed windows, which covers all of the server's work for them. The password and refresh phases run
// in SLICES slices, alternating with slices of their limit, so a shared machine's changing speed falls
// on both alike. Each phase also reports the event loop's busy time a call (eventLoopUtilization), the
// cores the process used and the SQL statements a call. To see where that time goes:
// BENCH_MARKS=1 node --import tsx --cpu-prof bench/api.ts prints each timed window in the profile's
// clock (µs, on stderr).
//   npm run bench:api   (BENCH_CLIENTS=8, BENCH_SECONDS=5, BENCH_USERS=300, BENCH_SRP_SIGNINS=800)
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { hash, verify } from '@node-rs/argon2';
import { Agent, request } from 'undici';
import { clientSchema, poolSchema } from '../src/directory/schema.js';
import { Sealer } from '../src/directory/secrets.js';
import { openSqliteStore } from '../src/directory/sqlite/index.js';
import { PASSWORD_HASH_OPTIONS, passwordGate } from '../src/native/passwords.js';
import { makeVerifier, serverChallenge, srpPoolName, verifyPasswordClaim } from '../src/native/srp.js';
import { KeyRing } from '../src/tokens/keys.js';
import { mintAccessToken } from '../src/tokens/mint.js';
import { startTestBroker } from '../test/support/broker-app.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const USERS = Number(process.env.BENCH_USERS ?? 300);
const SRP_SIGNINS = Number(process.env.BENCH_SRP_SIGNINS ?? 800);
/** Sign-ins a round: its answers are computed in well under AuthSessionValidity (3 min) and TIMESTAMP's 5-minute skew. */
const SRP_ROUND = 400;
/** The password and refresh phases run in this many slices, each between two slices of the machine's limit. */
const SLICES = 5;
const LIMIT_SECONDS = 2;

const POOL = 'bench_Api1';
const POOL_NAME = srpPoolName(POOL);
const PASSWORD = 'correct horse battery staple';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: bench
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    RateLimits: { SignUpsAndCodesPerSourceAddress: 100000 }
    Clients:
      - { ClientId: web, ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH] }
      - { ClientId: server, ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH] }
`;

// ---- amazon-cognito-identity-js's internals (untyped; typed here as used, as test/native/srp.test.ts does) ----
interface JsbnInteger { toString(radix: number): string }
interface V5Helper {
  getLargeAValue(cb: (err: unknown, A: JsbnInteger) => void): void;
  getPasswordAuthenticationKey(username: string, password: string, B: JsbnInteger, salt: JsbnInteger, cb: (err: unknown, key: Buffer) => void): void;
}
interface Challenge { SALT: string; SRP_B: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string }
interface Answer { timestamp: string; signature: string }
type ToWorker = { op: 'a'; ids: number[] } | { op: 'answer'; items: [number, Challenge][] };
type FromWorker = { op: 'a'; pairs: [number, string][] } | { op: 'answer'; answers: [number, Answer][] };

function cognitoJs() {
  const require = createRequire(import.meta.url);
  return {
    Helper: (require('amazon-cognito-identity-js/lib/AuthenticationHelper.js') as { default: new (poolName: string) => V5Helper }).default,
    BigInteger: (require('amazon-cognito-identity-js/lib/BigInteger.js') as { default: new (hex: string, radix: number) => JsbnInteger }).default,
    DateHelper: (require('amazon-cognito-identity-js/lib/DateHelper.js') as { default: new () => { getNowString(): string } }).default,
  };
}

/** A client's answer to a challenge, the message built as CognitoUser.js builds it. */
function answerWith(lib: ReturnType<typeof cognitoJs>, helper: V5Helper, poolName: string, c: Challenge, password: string): Answer {
  let key: Buffer | undefined;
  helper.getPasswordAuthenticationKey(c.USER_ID_FOR_SRP, password, new lib.BigInteger(c.SRP_B, 16), new lib.BigInteger(c.SALT, 16), (err, k) => {
    if (err) throw err;
    key = k;
  });
  if (!key) throw new Error('the client gave no key synchronously');
  const timestamp = new lib.DateHelper().getNowString();
  const signature = createHmac('sha256', key).update(Buffer.from(poolName, 'utf8')).update(Buffer.from(c.USER_ID_FOR_SRP, 'utf8'))
    .update(Buffer.from(c.SECRET_BLOCK, 'base64')).update(Buffer.from(timestamp, 'utf8')).digest('base64');
  return { timestamp, signature };
}

/** A worker thread: SRP clients, one AuthenticationHelper (its own a and A) per sign-in id, kept until it answered. */
function clientWorker(): void {
  const lib = cognitoJs();
  const { poolName, password } = workerData as { poolName: string; password: string };
  const helpers = new Map<number, V5Helper>();
  parentPort!.on('message', (m: ToWorker) => {
    if (m.op === 'a') {
      const pairs: [number, string][] = m.ids.map((id) => {
        const helper = new lib.Helper(poolName); // draws a and computes A = g^a mod N
        helpers.set(id, helper);
        let A = '';
        helper.getLargeAValue((_err, a) => void (A = a.toString(16)));
        return [id, A];
      });
      parentPort!.postMessage({ op: 'a', pairs } satisfies FromWorker);
    } else {
      const answers: [number, Answer][] = m.items.map(([id, c]) => {
        const helper = helpers.get(id)!;
        helpers.delete(id);
        return [id, answerWith(lib, helper, poolName, c, password)];
      });
      parentPort!.postMessage({ op: 'answer', answers } satisfies FromWorker);
    }
  });
}

/** The worker threads, as one: sign-in id k always goes to worker k % size (it holds that id's helper). */
class SrpClients {
  private readonly workers: Worker[];
  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => new Worker(new URL(import.meta.url), { workerData: { poolName: POOL_NAME, password: PASSWORD } }));
  }
  private async each<T>(ids: number[], make: (mine: number[]) => ToWorker, take: (m: FromWorker) => [number, T][]): Promise<Map<number, T>> {
    const out = new Map<number, T>();
    await Promise.all(this.workers.map(async (w, k) => {
      const mine = ids.filter((id) => id % this.workers.length === k);
      if (!mine.length) return;
      const reply = new Promise<FromWorker>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      w.postMessage(make(mine));
      for (const [id, v] of take(await reply)) out.set(id, v);
    }));
    return out;
  }
  largeA(ids: number[]): Promise<Map<number, string>> {
    return this.each(ids, (mine) => ({ op: 'a', ids: mine }), (m) => (m.op === 'a' ? m.pairs : []));
  }
  answers(items: Map<number, Challenge>): Promise<Map<number, Answer>> {
    return this.each([...items.keys()], (mine) => ({ op: 'answer', items: mine.map((id) => [id, items.get(id)!]) }), (m) => (m.op === 'answer' ? m.answers : []));
  }
  terminate(): Promise<number[]> {
    return Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// ---- measuring ----
/**
 * The store's work a call, counted in node:sqlite itself (the SQLite adapter's only door to the file):
 * statements prepared and executed, the writes among them (INSERT, UPDATE, DELETE) and explicit
 * transactions (BEGIN). Counting costs a few increments a statement.
 */
const sql = { prepared: 0, executed: 0, writes: 0, transactions: 0 };
function countSql(): void {
  const writes = new WeakSet<object>();
  const prepare = DatabaseSync.prototype.prepare;
  DatabaseSync.prototype.prepare = function (this: DatabaseSync, text: string) {
    sql.prepared++;
    const st = prepare.call(this, text);
    if (/^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(text)) writes.add(st);
    return st;
  };
  const exec = DatabaseSync.prototype.exec;
  DatabaseSync.prototype.exec = function (this: DatabaseSync, text: string) {
    if (/^\s*BEGIN\b/i.test(text)) sql.transactions++;
    return exec.call(this, text);
  };
  for (const name of ['run', 'get', 'all', 'iterate'] as const) {
    const original = StatementSync.prototype[name] as (...a: unknown[]) => unknown;
    (StatementSync.prototype as unknown as Record<string, unknown>)[name] = function (this: StatementSync, ...a: unknown[]) {
      sql.executed++;
      if (writes.has(this)) sql.writes++;
      return original.apply(this, a);
    };
  }
}
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);

let dispatcher: Agent | undefined;
let apiUrl = '';

interface Phase {
  done: number;
  secs: number;
  /** Per call, in call order (index i is call i), ms. */
  times: number[];
  failures: Map<string, number>;
  /** The event loop's busy share over the phase (performance.eventLoopUtilization). */
  elu: number;
  /** CPU time of the process (every thread) over the wall time: cores kept busy. */
  cores: number;
  /** The store's statements over the phase (see `sql`). */
  sql: typeof sql;
}

/** Each timed window, [label, start, end] in µs of the monotonic clock --cpu-prof's samples use: BENCH_MARKS=1 prints them (stderr). */
const marks: [string, number, number][] = [];
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** `op(i)` from CLIENTS workers, for `count` calls or `seconds`; `op` answers null, or what went wrong. */
async function drive(label: string, count: number, seconds: number, op: (i: number) => Promise<string | null>): Promise<Phase> {
  // Fresh connections each phase: idle ones the server closed (keep-alive 5 s) would fail as ECONNRESET.
  await dispatcher?.close();
  dispatcher = new Agent({ connections: CLIENTS, pipelining: 1 });
  const times: number[] = [];
  const failures = new Map<string, number>();
  let next = 0;
  const end = Date.now() + seconds * 1000;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const sql0 = { ...sql };
  const start = process.hrtime.bigint();
  const startUs = nowUs();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (;;) {
      const i = next++;
      if (i >= count || Date.now() >= end) return;
      const t = process.hrtime.bigint();
      const wrong = await op(i);
      times[i] = ms(t);
      if (wrong) failures.set(wrong, (failures.get(wrong) ?? 0) + 1);
    }
  }));
  const secs = ms(start) / 1000;
  marks.push([label, startUs, nowUs()]);
  const cpu = process.cpuUsage(cpu0);
  const sqlUsed = { prepared: sql.prepared - sql0.prepared, executed: sql.executed - sql0.executed, writes: sql.writes - sql0.writes, transactions: sql.transactions - sql0.transactions };
  return {
    done: times.filter((x) => x !== undefined).length, secs, times, failures, elu: performance.eventLoopUtilization(elu0).utilization,
    cores: (cpu.user + cpu.system) / 1e6 / secs, sql: sqlUsed,
  };
}

const latency = (times: number[]) => {
  const s = times.filter((x) => x !== undefined).sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99) };
};
/** The store's statements a call: executed (all prepared anew when prepared = executed), writes, transactions. */
const sqlPerCall = (q: typeof sql, done: number) =>
  `SQL a call: ${f1(q.executed / done)} statements (${f1(q.prepared / done)} prepared), ${f1(q.writes / done)} writes, ${f1(q.transactions / done)} transactions`;
const failed = (p: Phase) => (p.failures.size ? `   FAILED: ${[...p.failures].map(([k, v]) => `${v}× ${k}`).join(', ')}` : '');
/** The event loop's share and its busy time a call (where the broker's JS, SQLite and this load generator run; the SRP math runs in its threads), and the cores used. */
const usage = (elu: number, secs: number, done: number, cores: number) =>
  `event loop ${f0(elu * 100)}% busy = ${((elu * secs * 1000) / done).toFixed(2)} ms a call, ${cores.toFixed(2)} cores`;


/** One JSON API call; the answer's status and body. */
async function api(action: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(apiUrl, {
    method: 'POST', dispatcher, body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}
const refusal = (r: { status: number; json: Record<string, unknown> }) => `${r.status} ${String(r.json.__type ?? '')}`.trim();

// ---- the machine's limits ----
/** argon2id verifications a second with `parallel` at once (PASSWORD_HASH_OPTIONS, straight to @node-rs/argon2, no gate). */
async function verifyRate(stored: string, parallel: number, seconds: number): Promise<number> {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (Date.now() < end) {
      await verify(stored, PASSWORD);
      n++;
    }
  }));
  return n / (ms(t) / 1000);
}

/** RS256 tokens signed a second, `parallel` at once (an access token through the broker's own minting, as bench:flood). */
async function signer(): Promise<{ rate(parallel: number, seconds: number): Promise<number>; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-sign-'));
  const store = openSqliteStore({ file: join(dir, 'k.sqlite') });
  const pool = await store.pools.putPool({ id: POOL, settings: poolSchema.parse({ Id: POOL, PoolName: 'b' }) });
  const client = await store.pools.putClient({ poolId: pool.id, clientId: 'c', secretHash: null, sealedSecret: null, settings: clientSchema.parse({ ClientId: 'c' }) });
  const keys = new KeyRing(store, new Sealer(undefined));
  const user = await store.users.createUser({ poolId: pool.id, username: 'u', status: 'CONFIRMED', attributes: { email: 'u@example.com' }, passwordHash: null, aliases: [] });
  const subject = { issuer: `http://x/${POOL}`, pool, client, user, groups: [], identities: [], scopes: ['aws.cognito.signin.user.admin'], authTime: 0, originJti: 'o', nonce: null };
  await mintAccessToken(keys, subject, Date.now()); // the key is made and cached
  return {
    async rate(parallel, seconds) {
      let n = 0;
      const end = Date.now() + seconds * 1000;
      const t = process.hrtime.bigint();
      await Promise.all(Array.from({ length: parallel }, async () => {
        while (Date.now() < end) {
          await mintAccessToken(keys, subject, Date.now());
          n++;
        }
      }));
      return n / (ms(t) / 1000);
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's SRP math, back to back on this thread: serverChallenge, verifyPasswordClaim of a real client's claim, and both (a sign-in's). */
function srpMath(): { rate(which: 'challenge' | 'proof' | 'signIn', seconds: number): number } {
  const lib = cognitoJs();
  const verifier = makeVerifier(POOL_NAME, 'alice', PASSWORD);
  const helper = new lib.Helper(POOL_NAME);
  let A = '';
  helper.getLargeAValue((_err, a) => void (A = a.toString(16)));
  const { b, B } = serverChallenge(verifier);
  const secretBlock = randomBytes(64).toString('base64');
  const { timestamp, signature } = answerWith(lib, helper, POOL_NAME, { SALT: verifier.salt, SRP_B: B, SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: 'alice' }, PASSWORD);
  const claim = { poolName: POOL_NAME, userIdForSrp: 'alice', verifier, A, b, B, secretBlock, timestamp, signature, now: Date.now() };
  if (!verifyPasswordClaim(claim)) throw new Error('the client\'s claim was refused');
  const work = {
    challenge: () => serverChallenge(verifier),
    proof: () => verifyPasswordClaim(claim),
    signIn: () => {
      serverChallenge(verifier);
      verifyPasswordClaim(claim);
    },
  };
  return {
    rate(which, seconds) {
      let n = 0;
      const end = Date.now() + seconds * 1000;
      const t = process.hrtime.bigint();
      while (Date.now() < end) {
        work[which]();
        n++;
      }
      return n / (ms(t) / 1000);
    },
  };
}

/** Phases run in parts, as one: calls and time added, the event loop and CPU weighted by time, latencies pooled. */
function merge(parts: Phase[]): Phase {
  const secs = parts.reduce((a, p) => a + p.secs, 0);
  const failures = new Map<string, number>();
  for (const p of parts) for (const [k, v] of p.failures) failures.set(k, (failures.get(k) ?? 0) + v);
  const sum = (key: keyof typeof sql) => parts.reduce((a, p) => a + p.sql[key], 0);
  return {
    done: parts.reduce((a, p) => a + p.done, 0), secs, failures,
    times: parts.flatMap((p) => p.times.filter((x) => x !== undefined)),
    elu: parts.reduce((a, p) => a + p.elu * p.secs, 0) / secs,
    cores: parts.reduce((a, p) => a + p.cores * p.secs, 0) / secs,
    sql: { prepared: sum('prepared'), executed: sum('executed'), writes: sum('writes'), transactions: sum('transactions') },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The phase in SLICES slices of SECONDS/SLICES, each after a slice of the limit (and one more after the
 * last): on a shared machine the two see the same conditions, and the ratio holds when the machine's
 * speed does not. Answers the merged phase and each limit slice's rate.
 */
async function interleaved(limit: (seconds: number) => Promise<number>, phase: (seconds: number) => Promise<Phase>): Promise<{ phase: Phase; limits: number[] }> {
  const slice = SECONDS / SLICES;
  const limits = [await limit(slice)];
  const parts: Phase[] = [];
  for (let k = 0; k < SLICES; k++) {
    parts.push(await phase(slice));
    limits.push(await limit(slice));
  }
  return { phase: merge(parts), limits };
}

const range = (xs: number[]) => `${f0(Math.min(...xs))}–${f0(Math.max(...xs))}`;
const line = (label: string, p: Phase, note = '') => {
  const { p50, p99 } = latency(p.times);
  console.log(`  ${label.padEnd(42)}${f0(p.done / p.secs).padStart(6)}/s   p50 ${f1(p50)} ms   p99 ${f1(p99)} ms   ${usage(p.elu, p.secs, p.done, p.cores)}   (${p.done}${note})${failed(p)}`);
  console.log(`  ${''.padEnd(42)}${sqlPerCall(p.sql, p.done)}`);
};

// ---- the run ----
async function main(): Promise<void> {
  countSql();
  const cores = availableParallelism();
  const gate = passwordGate.concurrency;
  console.log(`Cognito JSON API, in process on SQLite: ${CLIENTS} concurrent clients over HTTP, ${cores} cores, Node ${process.versions.node}; `
    + `hashing gate ${gate} at once, ${passwordGate.maxQueued} queued; ${USERS} users`);

  // The SRP clients' A/a pairs, made in the workers while the broker starts and the users sign up.
  const clients = new SrpClients(cores);
  const ids = Array.from({ length: SRP_SIGNINS }, (_, k) => k);
  let t = process.hrtime.bigint();
  const largeA = clients.largeA(ids).then((m) => ({ m, took: ms(t) }));

  const broker = await startTestBroker(CONFIG);
  apiUrl = `${broker.url}/`;
  const tokenSigner = await signer();
  try {
    // Users: SignUp and ConfirmSignUp through the API (Accounts.signUp gives each password its SRP verifier).
    const emails = Array.from({ length: USERS }, (_, k) => `user${k}@example.com`);
    t = process.hrtime.bigint();
    const made = await drive('setup', USERS, Infinity, async (k) => {
      const r = await api('SignUp', { ClientId: 'server', Username: emails[k], Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: emails[k] }] });
      if (r.status !== 200) return `SignUp ${refusal(r)}`;
      const c = await api('ConfirmSignUp', { ClientId: 'server', Username: emails[k], ConfirmationCode: await broker.lastCode(emails[k]!) });
      return c.status === 200 ? null : `ConfirmSignUp ${refusal(c)}`;
    });
    if (made.failures.size) throw new Error(`users not made:${failed(made)}`);
    const { m: aValues, took: aTook } = await largeA;
    console.log(`setup: ${USERS} users signed up and confirmed in ${f1(ms(t) / 1000)} s; ${SRP_SIGNINS} SRP A/a pairs made in the workers in ${f1(aTook / 1000)} s (not timed)`);

    // 1. SRP: rounds of InitiateAuth (timed), the clients' answers (workers, not timed), RespondToAuthChallenge
    // (timed); the server's SRP math on this thread measured before each round and after the last.
    const math = srpMath();
    const mathOnce = { challenge: math.rate('challenge', 1), proof: math.rate('proof', 1) };
    const mathRates: number[] = [];
    const inits: Phase[] = [];
    const responds: Phase[] = [];
    const pairs: number[] = [];
    let answerSecs = 0;
    for (let r0 = 0; r0 < SRP_SIGNINS; r0 += SRP_ROUND) {
      mathRates.push(math.rate('signIn', 1));
      const round = ids.slice(r0, r0 + SRP_ROUND);
      const challenges = new Map<number, Challenge>();
      const sessions = new Map<number, string>();
      const init = await drive('InitiateAuth USER_SRP_AUTH', round.length, Infinity, async (j) => {
        const id = round[j]!;
        const r = await api('InitiateAuth', { AuthFlow: 'USER_SRP_AUTH', ClientId: 'web', AuthParameters: { USERNAME: emails[id % USERS], SRP_A: aValues.get(id) } });
        if (r.status !== 200 || r.json.ChallengeName !== 'PASSWORD_VERIFIER') return `InitiateAuth ${refusal(r)}`;
        challenges.set(id, r.json.ChallengeParameters as Challenge);
        sessions.set(id, r.json.Session as string);
        return null;
      });
      t = process.hrtime.bigint();
      const answers = await clients.answers(challenges);
      answerSecs += ms(t) / 1000;
      const respond = await drive('RespondToAuthChallenge', round.length, Infinity, async (j) => {
        const id = round[j]!;
        const c = challenges.get(id);
        const a = answers.get(id);
        if (!c || !a) return 'no challenge';
        const r = await api('RespondToAuthChallenge', {
          ClientId: 'web', ChallengeName: 'PASSWORD_VERIFIER', Session: sessions.get(id),
          ChallengeResponses: { USERNAME: c.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: c.SECRET_BLOCK, TIMESTAMP: a.timestamp, PASSWORD_CLAIM_SIGNATURE: a.signature },
        });
        const result = r.json.AuthenticationResult as { IdToken?: string; RefreshToken?: string } | undefined;
        return r.status === 200 && result?.IdToken && result.RefreshToken ? null : `RespondToAuthChallenge ${refusal(r)}`;
      });
      round.forEach((_, j) => pairs.push(init.times[j]! + respond.times[j]!));
      inits.push(init);
      responds.push(respond);
    }
    mathRates.push(math.rate('signIn', 1));
    await clients.terminate();
    const [init, respond] = [merge(inits), merge(responds)];
    const srp: Phase = { ...merge([init, respond]), done: init.done, times: pairs };
    const srpRate = srp.done / srp.secs;
    const srpLimit = mean(mathRates);
    console.log(`\nmachine, same run: the server's SRP math on one thread, as one SRP thread runs it (3 exponentiations mod a 3072-bit N)`);
    console.log(`  serverChallenge ${f0(mathOnce.challenge)}/s, verifyPasswordClaim ${f0(mathOnce.proof)}/s; both (a sign-in's) ${f0(srpLimit)}/s = ${(1000 / srpLimit).toFixed(2)} ms `
      + `(${range(mathRates)}/s before each round and after)`);
    console.log(`SRP sign-in, ${srp.done} in rounds of ${SRP_ROUND} (the clients' answers: ${f1(answerSecs)} s in the workers, not timed)`);
    line('InitiateAuth USER_SRP_AUTH', init);
    line('RespondToAuthChallenge PASSWORD_VERIFIER', respond);
    line('sign-ins (both round trips)', srp, ', p50/p99 of the two trips\' sum');

    // 2. USER_PASSWORD_AUTH, in slices between slices of the machine's argon2id limit with the gate's concurrency.
    const stored = await hash(PASSWORD, PASSWORD_HASH_OPTIONS);
    const argonOnce = { one: await verifyRate(stored, 1, LIMIT_SECONDS), all: await verifyRate(stored, cores, LIMIT_SECONDS) };
    const refreshTokens: string[] = [];
    let nextUser = 0; // across the slices: every user in turn, none twice at once
    const pw = await interleaved((secs) => verifyRate(stored, gate, secs), (secs) => drive('USER_PASSWORD_AUTH', Infinity, secs, async () => {
      const k = nextUser++ % USERS;
      const r = await api('InitiateAuth', { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'server', AuthParameters: { USERNAME: emails[k], PASSWORD } });
      const result = r.json.AuthenticationResult as { RefreshToken?: string } | undefined;
      if (r.status !== 200 || !result?.RefreshToken) return refusal(r);
      refreshTokens[k] = result.RefreshToken;
      return null;
    }));
    const pwLimit = mean(pw.limits);
    const pwRate = pw.phase.done / pw.phase.secs;
    console.log(`\nmachine, same run: argon2id (m=${PASSWORD_HASH_OPTIONS.memoryCost}, t=${PASSWORD_HASH_OPTIONS.timeCost}, p=${PASSWORD_HASH_OPTIONS.parallelism}) verify`);
    console.log(`  one at a time ${f0(argonOnce.one)}/s, ${cores} at a time ${f0(argonOnce.all)}/s; ${gate} at a time (the gate's) ${f0(pwLimit)}/s (${range(pw.limits)}/s in ${pw.limits.length} slices around the phase's)`);
    console.log(`USER_PASSWORD_AUTH, ${SECONDS} s in ${SLICES} slices`);
    line('InitiateAuth USER_PASSWORD_AUTH', pw.phase);
    console.log(`  = ${f0((pwRate / pwLimit) * 100)}% of the argon2id limit with the gate's ${gate} at a time`);

    // 3. GetTokensFromRefreshToken (no rotation), in slices between slices of the RS256 signing rate.
    const tokens = refreshTokens.filter(Boolean);
    const signOnce = await tokenSigner.rate(1, LIMIT_SECONDS);
    let nextToken = 0;
    const rf = await interleaved((secs) => tokenSigner.rate(cores, secs), (secs) => drive('GetTokensFromRefreshToken', Infinity, secs, async () => {
      const r = await api('GetTokensFromRefreshToken', { ClientId: 'server', RefreshToken: tokens[nextToken++ % tokens.length] });
      const result = r.json.AuthenticationResult as { IdToken?: string; AccessToken?: string } | undefined;
      return r.status === 200 && result?.IdToken && result.AccessToken ? null : refusal(r);
    }));
    const signing = mean(rf.limits);
    const rfRate = rf.phase.done / rf.phase.secs;
    console.log(`\nmachine, same run: RS256 signing (2048-bit, jose over WebCrypto)`);
    console.log(`  one at a time ${f0(signOnce)} tokens/s; ${cores} at a time ${f0(signing)} tokens/s (${range(rf.limits)} in ${rf.limits.length} slices around the phase's) = ${f0(signing / 2)} refreshes/s, two tokens each`);
    console.log(`GetTokensFromRefreshToken, ${SECONDS} s in ${SLICES} slices, ${tokens.length} refresh tokens in turn`);
    line('GetTokensFromRefreshToken', rf.phase);
    console.log(`  = ${f0((rfRate / (signing / 2)) * 100)}% of the signing limit`);

    // The table.
    const yes = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const lat = (p: Phase) => latency(p.times);
    const rows: [string, Phase, string, string][] = [
      ['SRP sign-in (both round trips)', srp, `server SRP math ${f0(srpLimit)}/s (1 thread)`, `≥ 250/s: ${yes(srpRate >= 250)} (${f0((srpRate / srpLimit) * 100)}% of the math's)`],
      ['  InitiateAuth USER_SRP_AUTH', init, `serverChallenge ${f0(mathOnce.challenge)}/s`, ''],
      ['  RespondToAuthChallenge', respond, `verifyPasswordClaim ${f0(mathOnce.proof)}/s`, ''],
      ['USER_PASSWORD_AUTH', pw.phase, `argon2id ${f0(pwLimit)}/s (${gate} at a time)`, `${f0((pwRate / pwLimit) * 100)}% (≥ 85%): ${yes(pwRate >= 0.85 * pwLimit)}`],
      ['GetTokensFromRefreshToken', rf.phase, `RS256 ${f0(signing / 2)} pairs/s (${cores} at a time)`, `${f0((rfRate / (signing / 2)) * 100)}% of it`],
    ];
    const table = [['', 'rate', 'p50', 'p99', 'event loop a call', 'machine limit, same run', 'target'], ...rows.map(([label, p, limit, target]) => [
      label, `${f0(p.done / p.secs)}/s`, `${f1(lat(p).p50)} ms`, `${f1(lat(p).p99)} ms`, `${((p.elu * p.secs * 1000) / p.done).toFixed(2)} ms`, limit, target,
    ])];
    const width = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    console.log(`\nsummary (${CLIENTS} clients, ${cores} cores)`);
    for (const r of table) console.log(`  ${r.map((x, c) => (c === 0 || c >= 5 ? x.padEnd(width[c]!) : x.padStart(width[c]!))).join('   ').trimEnd()}`);
    if (process.env.BENCH_MARKS) console.error(JSON.stringify({ marks }));
  } finally {
    await clients.terminate();
    await dispatcher?.close();
    await tokenSigner.close();
    await broker.close();
  }
}

if (isMainThread) await main();
else clientWorker();
