// Token benchmark: the built broker in its own process (as `npm start` runs it), loaded from this
// process over loopback with 50 concurrent connections: authorization-code exchange, refresh grant,
// JWKS and discovery; then the cost of signing one ID + access token pair. SQLite always; FerretDB
// too when MONGODB_URI is set.   npm run build && npm run bench:tokens
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { openSqliteStore } from '../src/directory/sqlite/index.js';
import { poolSchema, clientSchema } from '../src/directory/schema.js';
import { Sealer } from '../src/directory/secrets.js';
import { KeyRing } from '../src/tokens/keys.js';
import { mintAccessToken, mintIdToken } from '../src/tokens/mint.js';
import { pkce, submit } from '../test/oauth/helpers.js';
import { Browser } from '../test/support/browser.js';
import { freePort } from '../test/support/ferretdb.js';
import { readFileSync } from 'node:fs';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const POOL = 'bench_Tokens1';
const CB = 'http://127.0.0.1:5555/cb';

const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: bench
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    Clients:
      - { ClientId: app, CallbackURLs: ["${CB}"], AllowedOAuthScopes: [openid, email, profile], ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH] }
`;

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Runs `make` from 50 workers for `seconds` (or until `total` calls); prints throughput and latency. */
async function load(label: string, seconds: number, make: (i: number) => Promise<number>, total = Infinity): Promise<void> {
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const end = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < end) {
      const i = next++;
      if (i >= total) return;
      const t = process.hrtime.bigint();
      const status = await make(i);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (status !== 200) errors++;
    }
  }));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort((a, b) => a - b);
  console.log(`  ${label.padEnd(30)} ${Math.round(times.length / secs).toString().padStart(6)} req/s   p50 ${pct(times, 50).toFixed(1)} ms   p99 ${pct(times, 99).toFixed(1)} ms   (${times.length} requests${errors ? `, ${errors} NOT 200` : ''})`);
}

async function startBroker(env: Record<string, string>): Promise<{ url: string; proc: ChildProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-tokens-'));
  writeFileSync(join(dataDir, 'broker.yaml'), CONFIG);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(process.execPath, [...(process.env.BROKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'dist/src/main.js'], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), PUBLIC_URL: url, DATA_DIR: dataDir, BROKER_CONFIG: join(dataDir, 'broker.yaml'), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('listening on') && resolve());
    proc.on('exit', () => reject(new Error('broker exited; run `npm run build` first')));
  });
  return { url, proc, dataDir };
}

async function benchStore(name: string, env: Record<string, string>): Promise<void> {
  const { url, proc, dataDir } = await startBroker(env);
  const iss = `${url}/${POOL}`;
  const dispatcher = new Agent({ connections: CONNECTIONS, pipelining: 1 });
  try {
    // One user, signed up and signed in through the hosted pages; then codes come from the session.
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const params = { response_type: 'code', client_id: 'app', redirect_uri: CB, scope: 'openid email', code_challenge: challenge, code_challenge_method: 'S256' };
    let page = await browser.get(`${iss}/signup?${new URLSearchParams(params)}`);
    page = await browser.follow(await submit(browser, { url } as never, page, '/signup', { username: 'bench@example.com', password: 'a-long-bench-password' }), url);
    let code: string | undefined;
    for (let i = 0; i < 250 && !code; i++) {
      await new Promise((r) => setTimeout(r, 20)); // messages are sent in the background
      code = /\b(\d{6})\b/.exec(readFileSync(join(dataDir, 'outbox.jsonl'), { encoding: 'utf8', flag: 'a+' }))?.[1];
    }
    if (!code) throw new Error('no confirmation code was sent');
    const signedIn = await submit(browser, { url } as never, page, '/confirmUser', { username: 'bench@example.com', code });
    if (signedIn.status !== 303) throw new Error('sign-up failed');
    const cookie = browser.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const authorizeUrl = `${iss}/oauth2/authorize?${new URLSearchParams(params)}`;
    const codes: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const res = await request(authorizeUrl, { headers: { cookie }, dispatcher });
      await res.body.dump();
      codes.push(new URL(String(res.headers.location)).searchParams.get('code')!);
    }
    const form = (o: Record<string, string>) => ({ method: 'POST' as const, dispatcher, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o).toString() });
    let refreshToken = '';
    console.log(`${name}:`);
    await load('authorization_code exchange', SECONDS, async (i) => {
      const res = await request(`${iss}/oauth2/token`, form({ grant_type: 'authorization_code', client_id: 'app', code: codes[i]!, redirect_uri: CB, code_verifier: verifier }));
      const body = (await res.body.json()) as { refresh_token?: string };
      refreshToken ||= body.refresh_token ?? '';
      return res.statusCode;
    }, codes.length);
    await load('refresh_token grant', SECONDS, async () => {
      const res = await request(`${iss}/oauth2/token`, form({ grant_type: 'refresh_token', client_id: 'app', refresh_token: refreshToken }));
      await res.body.dump();
      return res.statusCode;
    });
    for (const [label, path] of [['JWKS', '/.well-known/jwks.json'], ['discovery', '/.well-known/openid-configuration']] as const)
      await load(label, Math.min(SECONDS, 4), async () => {
        const res = await request(`${iss}${path}`, { dispatcher });
        await res.body.dump();
        return res.statusCode;
      });
  } finally {
    await dispatcher.close();
    proc.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What signing costs alone: ID + access token pairs, one at a time and 2 at once (WebCrypto runs on libuv's pool). */
async function signingCost(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sign-'));
  const store = openSqliteStore({ file: join(dir, 's.sqlite') });
  try {
    const pool = await store.pools.putPool({ id: POOL, settings: poolSchema.parse({ Id: POOL, PoolName: 'bench' }) });
    const client = await store.pools.putClient({ poolId: POOL, clientId: 'app', settings: clientSchema.parse({ ClientId: 'app', CallbackURLs: [CB] }), secretHash: null, sealedSecret: null });
    const user = await store.users.createUser({ poolId: POOL, username: 'u', status: 'CONFIRMED', attributes: { email: 'u@example.com', email_verified: 'true' } });
    const ring = new KeyRing(store, new Sealer(undefined));
    const subject = { issuer: `http://x/${POOL}`, pool, client, user, groups: [], identities: [], scopes: ['openid', 'email'], authTime: 1, originJti: 'o' };
    for (const parallel of [1, 2, 4]) {
      const n = 2000;
      const start = process.hrtime.bigint();
      let next = 0;
      await Promise.all(Array.from({ length: parallel }, async () => {
        while (next++ < n) {
          const access = await mintAccessToken(ring, subject, Date.now());
          await mintIdToken(ring, subject, Date.now(), access);
        }
      }));
      const secs = Number(process.hrtime.bigint() - start) / 1e9;
      console.log(`  signing an ID + access pair, ${parallel} at a time: ${Math.round(n / secs)} pairs/s (${((secs / n) * 1000).toFixed(2)} ms each)`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`token benchmark: ${CONNECTIONS} connections, ${SECONDS} s a phase, 2 cores`);
await benchStore('sqlite', {});
if (process.env.MONGODB_URI) await benchStore('mongo (FerretDB)', { MONGODB_URI: process.env.MONGODB_URI.replace(/\/?$/, `/bench_tokens_${process.pid}`) });
else console.log('mongo: skipped (MONGODB_URI is not set)');
console.log('signing cost (in process):');
await signingCost();
