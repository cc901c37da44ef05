// Floods and look-alike timing (issue 17 §2, §3), in one process on SQLite: refresh-grant latency alone
// and during a password flood (wrong passwords for unknown names from 40 workers), beside the machine's
// argon2id and signing limits measured in the same run; then, page by page, the median time of a known
// and an unknown user's answer.   npm run bench:flood
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { pino } from 'pino';
import { openSqliteStore } from '../src/directory/sqlite/index.js';
import { Sealer } from '../src/directory/secrets.js';
import { PASSWORD_HASH_OPTIONS, passwordGate } from '../src/native/passwords.js';
import { KeyRing } from '../src/tokens/keys.js';
import { mintAccessToken } from '../src/tokens/mint.js';
import { FLOW_CONFIG, POOL, SPA_CB } from '../test/oauth/flow-config.js';
import { pkce, signUp, spaParams, submit, tokenRequest } from '../test/oauth/helpers.js';
import { Browser, formFields } from '../test/support/browser.js';
import { startTestBroker } from '../test/support/broker-app.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolSchema, clientSchema } from '../src/directory/schema.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

async function rate(label: string, workers: number, op: () => Promise<unknown>): Promise<void> {
  let n = 0;
  const end = Date.now() + 2000;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (Date.now() < end) {
      await op();
      n++;
    }
  }));
  console.log(`  ${label.padEnd(44)} ${Math.round(n / (ms(t) / 1000))}/s`);
}

async function machineLimits(): Promise<void> {
  console.log(`machine (${availableParallelism()} cores), same run:`);
  const stored = await hash('some password', PASSWORD_HASH_OPTIONS);
  await rate(`argon2id verify, ${availableParallelism()} at a time`, availableParallelism(), () => verify(stored, 'wrong password'));
  const store = openSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'bench-flood-')), 'k.sqlite') });
  const pool = await store.pools.putPool({ id: 'bench_Sign1', settings: poolSchema.parse({ Id: 'bench_Sign1', PoolName: 'b' }) });
  const client = await store.pools.putClient({ poolId: pool.id, clientId: 'c', secretHash: null, sealedSecret: null, settings: clientSchema.parse({ ClientId: 'c', CallbackURLs: ['http://127.0.0.1/cb'] }) });
  const keys = new KeyRing(store, new Sealer(undefined));
  const user = await store.users.createUser({ poolId: pool.id, username: 'u', status: 'CONFIRMED', attributes: {}, passwordHash: null, aliases: [] });
  const subject = { issuer: 'http://x/bench_Sign1', pool, client, user, groups: [], identities: [], scopes: ['openid'], authTime: 0, originJti: 'o', nonce: null };
  await rate('RS256 access-token signing, 2 at a time', 2, () => mintAccessToken(keys, subject, Date.now()));
  await store.close();
}

async function main(): Promise<void> {
  await machineLimits();
  const broker = await startTestBroker(FLOW_CONFIG.replace('    Clients:', '    RateLimits: { SignUpsAndCodesPerSourceAddress: 100000 }\n    Clients:'));
  const { verifier, challenge } = pkce();
  const params = spaParams(challenge);
  const { callback } = await signUp(broker, 'bench@example.com', 'bench-has-a-long-password', params);
  const tokens = await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'spa', code: callback.searchParams.get('code')!, redirect_uri: SPA_CB, code_verifier: verifier });
  const refreshToken = String(tokens.json.refresh_token);

  const refreshes = async (until: () => boolean): Promise<number[]> => {
    const times: number[] = [];
    await Promise.all(Array.from({ length: 5 }, async () => {
      while (!until()) {
        const t = process.hrtime.bigint();
        const r = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refreshToken });
        if (r.status !== 200) throw new Error(`refresh ${r.status}`);
        times.push(ms(t));
      }
    }));
    return times;
  };
  const deadline = (s: number) => {
    const end = Date.now() + s * 1000;
    return () => Date.now() >= end;
  };

  console.log(`\nrefresh grant (5 at a time, ${SECONDS} s each), hashing gate: ${passwordGate.concurrency} at once, ${passwordGate.maxQueued} queued`);
  const quiet = await refreshes(deadline(SECONDS));
  console.log(`  alone                                        p50 ${pct(quiet, 50).toFixed(1)} ms   p99 ${pct(quiet, 99).toFixed(1)} ms   (${quiet.length})`);

  const browser = new Browser();
  const page = await browser.get(`${broker.issuer(POOL)}/login?${new URLSearchParams(params)}`);
  const { action, fields } = formFields(page.body, '/login');
  const done = deadline(SECONDS);
  const statuses = new Map<number, number>();
  let i = 0;
  const flood = Promise.all(Array.from({ length: 40 }, async () => {
    while (!done()) {
      const r = await browser.post(`${broker.url}${action}`, { ...fields, username: `nobody-${i++}@example.com`, password: 'a wrong password' });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
  }));
  const busy = await refreshes(done);
  await flood;
  const attempts = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(`  during a password flood (40 workers)         p50 ${pct(busy, 50).toFixed(1)} ms   p99 ${pct(busy, 99).toFixed(1)} ms   (${busy.length})`);
  console.log(`  the flood: ${Math.round(attempts / SECONDS)} attempts/s, ${Math.round((statuses.get(400) ?? 0) / SECONDS)}/s checked (400), ${Math.round((statuses.get(429) ?? 0) / SECONDS)}/s refused at once (429)`);

  // Page by page: known users and unknown names (a fresh name each time, so no limit is met), median ms.
  const N = 25;
  for (let k = 0; k < N; k++) await signUp(broker, `known${k}@example.com`, 'known-has-a-long-password', params);
  const timeOf = async (path: string, values: Record<string, string>) => {
    const b = new Browser();
    const form = await b.get(`${broker.issuer(POOL)}${path}?${new URLSearchParams(params)}`);
    const t = process.hrtime.bigint();
    await submit(b, broker, form, path, values);
    return ms(t);
  };
  const pages: [string, string, (u: string) => Record<string, string>][] = [
    ['sign-in, wrong password', '/login', (u) => ({ username: u, password: 'wrong password' })],
    ['confirm account', '/confirmUser', (u) => ({ username: u, code: '123456' })],
    ['send a new code', '/confirmUser', (u) => ({ username: u, resend: '1' })],
    ['forgot password', '/forgotPassword', (u) => ({ username: u })],
    ['reset with a wrong code', '/confirmForgotPassword', (u) => ({ username: u, code: '123456', password: 'a new long password' })],
  ];
  console.log(`\nanswer time, known user vs unknown name (median of ${N}, ms)`);
  const row = async (label: string, path: string, values: (u: string) => Record<string, string>, known: (k: number) => string, unknown: (k: number) => string) => {
    const a: number[] = [];
    const b: number[] = [];
    for (let k = 0; k < N; k++) {
      a.push(await timeOf(path, values(known(k))));
      b.push(await timeOf(path, values(unknown(k))));
    }
    console.log(`  ${label.padEnd(28)} known ${pct(a, 50).toFixed(1).padStart(6)}   unknown ${pct(b, 50).toFixed(1).padStart(6)}`);
  };
  for (const [label, path, values] of pages) await row(label, path, values, (k) => `known${k}@example.com`, (k) => `ghost-${label.length}-${k}@example.com`);
  for (let k = 0; k < 5; k++) for (const u of ['known0@example.com', 'ghost-locked@example.com']) await timeOf('/login', { username: u, password: 'wrong password' });
  await row('sign-in, locked name', '/login', (u) => ({ username: u, password: 'wrong password' }), () => 'known0@example.com', () => 'ghost-locked@example.com');
  await broker.close();
}

await main();
