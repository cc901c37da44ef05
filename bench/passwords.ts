// Sign-in answer time by path: a known user with a wrong password, an unknown name, a
// locked name (known and unknown), and an account locked through another of its names, through
// Accounts on a temp SQLite store as test/native/harness.ts builds it, one sign-in at a time; beside
// the machine's argon2id verification time measured in the same run.   npm run bench:passwords
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { PASSWORD_HASH_OPTIONS, hashPassword, passwordGate } from '../src/native/passwords.js';
import { CTX, GOOD, harness } from '../test/native/harness.js';

const N = Number(process.env.BENCH_SIGNINS ?? 200);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/** Verifications a second with `workers` at a time, for `seconds`. */
async function verifyRate(stored: string, workers: number, seconds: number): Promise<number> {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (Date.now() < end) {
      await verify(stored, 'a wrong password');
      n++;
    }
  }));
  return n / (ms(t) / 1000);
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  const stored = await hash('some password', PASSWORD_HASH_OPTIONS);
  const one = await verifyRate(stored, 1, 2);
  const many = await verifyRate(stored, cores, 2);
  console.log(`machine (${cores} cores), same run: argon2id (m=19456, t=2, p=1) verify`);
  console.log(`  ${'one at a time'.padEnd(44)}${one.toFixed(0)}/s   ${(1000 / one).toFixed(1)} ms each`);
  console.log(`  ${`${cores} at a time`.padEnd(44)}${many.toFixed(0)}/s`);

  const h = await harness({ AliasAttributes: ['email'], AutoVerifiedAttributes: ['email'] });
  try {
    // Known users share one stored hash (made once); each takes at most 4 wrong guesses, under the lock.
    const shared = await hashPassword(GOOD);
    const known = Math.ceil(N / 4);
    for (let k = 0; k < known; k++) await h.store.users.createUser({ poolId: h.pool.id, username: `known${k}`, status: 'CONFIRMED', passwordHash: shared });
    // Locked names: a known one and an unknown one after 5 wrong guesses each (the clock stands still,
    // so the locks hold). Locked accounts: locked by their username, signed in to by their email, each
    // email at most 4 times (a fifth would lock the email as a name, the other path).
    await h.store.users.createUser({ poolId: h.pool.id, username: 'known-locked', status: 'CONFIRMED', passwordHash: shared });
    for (let i = 0; i < 5; i++) {
      for (const name of ['known-locked', 'ghost-locked']) await h.accounts.signIn(h.pool, name, `wrong ${i}`, CTX).catch(() => undefined);
    }
    const lockedAccounts = known;
    for (let k = 0; k < lockedAccounts; k++) {
      const email = `locked${k}@example.com`;
      const user = await h.store.users.createUser({
        poolId: h.pool.id, username: `locked${k}`, status: 'CONFIRMED', passwordHash: shared,
        attributes: { email, email_verified: 'true' }, aliases: [{ kind: 'email', value: email }],
      });
      for (let i = 0; i < 5; i++) await h.accounts.signIn(h.pool, `locked${k}`, `wrong ${i}`, CTX).catch(() => undefined);
      if (!(await h.store.users.getUser(h.pool.id, user.id))?.lockedUntil) throw new Error('the account did not lock');
    }

    const answer = async (username: string, expected: string): Promise<number> => {
      const t = process.hrtime.bigint();
      const got = await h.accounts.signIn(h.pool, username, 'a wrong password', CTX).then(() => 'signed in', (e: Error) => e.message);
      const took = ms(t);
      if (got !== expected) throw new Error(`${username}: ${got}`);
      return took;
    };
    const WRONG = 'Incorrect username or password.';
    const LOCKED = 'Password attempts exceeded';
    const rows: [string, (i: number) => Promise<number>][] = [
      ['known user, wrong password', (i) => answer(`known${i % known}`, WRONG)],
      ['unknown name', (i) => answer(`ghost-${i}`, WRONG)],
      ['locked name, known user', () => answer('known-locked', LOCKED)],
      ['locked name, unknown', () => answer('ghost-locked', LOCKED)],
      ['locked account, by its email', (i) => answer(`locked${i % lockedAccounts}@example.com`, LOCKED)],
    ];
    const times = rows.map(() => [] as number[]);
    // Interleaved, in a fresh random order each round: noise, and what the sign-in before leaves behind
    // (a cheap answer right after an argon2 run is slower), fall on every row alike.
    for (let i = 0; i < N; i++) {
      const order = rows.map((_, r) => r);
      for (let j = order.length - 1; j > 0; j--) {
        const k = Math.floor(Math.random() * (j + 1));
        [order[j], order[k]] = [order[k]!, order[j]!];
      }
      for (const r of order) times[r]!.push(await rows[r]![1](i));
    }

    // Each row took the path it names: the accounts' locks (with a user id) refused the email rows.
    const byAccount = (await h.store.audit.list(h.pool.id, { type: 'sign_in.locked', limit: 100 * N })).filter((e) => e.userId !== null);
    if (byAccount.length !== N) throw new Error(`${byAccount.length} sign-ins refused by an account's lock, not ${N}`);

    console.log(`\nsign-in answer time through Accounts on SQLite, one at a time (${N} each, interleaved; hashing gate ${passwordGate.concurrency} at once)`);
    console.log(`  ${''.padEnd(32)}     p50      p99`);
    for (const [r, [label]] of rows.entries()) {
      const xs = times[r]!;
      console.log(`  ${label.padEnd(32)} ${pct(xs, 50).toFixed(2).padStart(7)} ms ${pct(xs, 99).toFixed(2).padStart(7)} ms`);
    }
  } finally {
    await h.cleanup();
  }
}

await main();
