// argon2id storage: OWASP parameters in the stored hash, NFKC, no truncation or case folding, rehash
// detection; and a real verification on every sign-in path an unknown name could be told apart by.
import assert from 'node:assert/strict';
import { hash, parseOptions } from '@node-rs/argon2';
import { after, describe, it } from 'node:test';
import { ATTEMPTS_EXCEEDED, INCORRECT_CREDENTIALS, TooManyRequestsException, hashPassword, verifyDummy, verifyPassword } from '../../src/native/index.js';
import { dummyHash } from '../../src/native/passwords.js';
import { passwordGate } from '../../src/native/passwords.js';
import { CTX, GOOD, confirmedUser, harness, type Harness } from './harness.js';

/**
 * Watches the password gate, which every argon2 call of the process goes through (passwords.ts): what
 * each call that ran answered. argon2's verify answers a boolean, its hash a string. The work itself is
 * the real one, untouched.
 */
function watchGate(): { seen: ('verify' | 'hash')[]; restore(): void } {
  const seen: ('verify' | 'hash')[] = [];
  const run = passwordGate.run;
  passwordGate.run = async <T>(work: () => Promise<T>): Promise<T> => {
    const result = await run.call(passwordGate, work);
    seen.push(typeof result === 'boolean' ? 'verify' : 'hash');
    return result as T;
  };
  return { seen, restore: () => void (passwordGate.run = run) };
}

describe('passwords', () => {
  it('stores argon2id with m=19456 KiB, t=2, p=1 and a fresh salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.notEqual(a, b);
    const p = parseOptions(a);
    assert.deepEqual([p.algorithm, p.memoryCost, p.timeCost, p.parallelism], [2, 19456, 2, 1]);
    assert.ok(p.saltLen >= 16);
    assert.deepEqual(await verifyPassword(a, 'correct horse'), { ok: true, needsRehash: false });
    assert.deepEqual(await verifyPassword(a, 'correct horsE'), { ok: false, needsRehash: false });
  });

  it('normalises with NFKC and never truncates', async () => {
    const h = await hashPassword('ﬁancé');
    assert.equal((await verifyPassword(h, 'fiance\u0301')).ok, true, 'ligature and combining accent fold to the same password');
    const long = 'x'.repeat(72) + 'A' + 'y'.repeat(100);
    const stored = await hashPassword(long);
    assert.equal((await verifyPassword(stored, long.slice(0, 72) + 'B' + long.slice(73))).ok, false, 'character 73 matters');
    assert.equal((await verifyPassword(stored, long)).ok, true);
  });

  it('asks for a rehash when the stored parameters differ, only once the password is right', async () => {
    const old = await hash('pw pw pw pw', { memoryCost: 4096, timeCost: 3, parallelism: 1 });
    assert.deepEqual(await verifyPassword(old, 'pw pw pw pw'), { ok: true, needsRehash: true });
    assert.deepEqual(await verifyPassword(old, 'wrong'), { ok: false, needsRehash: false });
    assert.deepEqual(await verifyPassword('not a hash', 'pw'), { ok: false, needsRehash: false });
  });

  it('verifyDummy runs one argon2 verification through the password gate, as a real check does', async () => {
    const stored = await hashPassword('real password');
    await verifyDummy('warm up'); // makes the dummy hash (outside the gate: no one waits for it twice)
    const gate = watchGate();
    try {
      assert.deepEqual(await verifyPassword(stored, 'guess'), { ok: false, needsRehash: false });
      assert.deepEqual(gate.seen.splice(0), ['verify'], 'a real check: one verification');
      await verifyDummy('guess');
      assert.deepEqual(gate.seen.splice(0), ['verify'], 'the dummy: one verification too');
      // …and as costly a one: the dummy hash has the parameters of a real one.
      const [real, fake] = [parseOptions(stored), parseOptions(await dummyHash())];
      assert.deepEqual({ ...fake, salt: undefined }, { ...real, salt: undefined });
    } finally {
      gate.restore();
    }
  });

  it('verifyDummy is refused by the same gate as a real check when it is full', async () => {
    const stored = await hashPassword('real password');
    await verifyDummy('warm up');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holders = Array.from({ length: passwordGate.concurrency + passwordGate.maxQueued }, () => passwordGate.run(() => held));
    try {
      assert.equal(passwordGate.full, true);
      await assert.rejects(verifyDummy('guess'), TooManyRequestsException);
      await assert.rejects(verifyPassword(stored, 'guess'), TooManyRequestsException);
    } finally {
      release();
      await Promise.all(holders);
    }
    assert.equal(passwordGate.full, false);
    await verifyDummy('guess'); // and runs again once the gate has room
  });
});

// Every sign-in that is not refused for a locked name costs one argon2 verification, whoever the name
// is: a known user with a wrong password, an unknown name, a user without a password, an account
// locked through another of its names. A locked name costs none, known or not. (How long each takes
// is measured by `npm run bench:passwords`, docs/performance.md.)
describe('the password check on every sign-in path', () => {
  const opened: Harness[] = [];
  const open = async () => {
    const h = await harness({ AliasAttributes: ['email'], AutoVerifiedAttributes: ['email'] });
    opened.push(h);
    return h;
  };
  after(async () => {
    for (const h of opened) await h.cleanup();
  });

  /** The answer to one sign-in, and the argon2 calls it made. */
  async function attempt(h: Harness, username: string, password: string) {
    const gate = watchGate();
    try {
      const answer = await h.accounts.signIn(h.pool, username, password, CTX).then(
        () => assert.fail(`${username} signed in`),
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      );
      return { answer, argon2: gate.seen };
    } finally {
      gate.restore();
    }
  }
  const reasons = async (h: Harness) => (await h.store.audit.list(h.pool.id, { type: 'sign_in.failure' })).map((e) => e.detail.reason).sort();
  const WRONG = `NotAuthorizedException: ${INCORRECT_CREDENTIALS}`;
  const LOCKED = `NotAuthorizedException: ${ATTEMPTS_EXCEEDED}`;

  it('a known user with a wrong password and an unknown name: one verification each, one answer', async () => {
    const h = await open();
    await confirmedUser(h, 'ann', 'ann@example.com');
    assert.deepEqual(await attempt(h, 'ann', 'not the password'), { answer: WRONG, argon2: ['verify'] });
    assert.deepEqual(await attempt(h, 'nobody', 'not the password'), { answer: WRONG, argon2: ['verify'] });
    assert.deepEqual(await attempt(h, 'nobody@example.com', GOOD), { answer: WRONG, argon2: ['verify'] });
    assert.deepEqual(await reasons(h), ['unknown_user', 'unknown_user', 'wrong_password']);
  });

  it('users without a password (federated, or none set): one verification, the same answer', async () => {
    const h = await open();
    await h.store.users.createUser({ poolId: h.pool.id, username: 'Google_123', status: 'EXTERNAL_PROVIDER', passwordHash: null });
    await h.store.users.createUser({ poolId: h.pool.id, username: 'nopass', status: 'CONFIRMED', passwordHash: null });
    assert.deepEqual(await attempt(h, 'Google_123', GOOD), { answer: WRONG, argon2: ['verify'] });
    assert.deepEqual(await attempt(h, 'nopass', GOOD), { answer: WRONG, argon2: ['verify'] });
    assert.deepEqual(await reasons(h), ['no_password', 'no_password']);
  });

  it('an account locked through another of its names: one verification, the locked answer', async () => {
    const h = await open();
    const user = await confirmedUser(h, 'kim', 'kim@example.com');
    for (let i = 0; i < 5; i++) assert.deepEqual(await attempt(h, 'kim', `wrong guess ${i}`), { answer: WRONG, argon2: ['verify'] });
    // A name never tried before, so its own count allows the attempt; the account's lock refuses it.
    assert.deepEqual(await attempt(h, 'kim@example.com', GOOD), { answer: LOCKED, argon2: ['verify'] });
    const locked = await h.store.audit.list(h.pool.id, { type: 'sign_in.locked' });
    assert.deepEqual(locked.map((e) => e.userId), [user.id], 'refused by the account\'s lock, not the name\'s');
  });

  it('a locked name, known or not: no verification, one answer', async () => {
    const h = await open();
    await confirmedUser(h, 'lou', 'lou@example.com');
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await attempt(h, 'lou', `wrong guess ${i}`), { answer: WRONG, argon2: ['verify'] });
      assert.deepEqual(await attempt(h, 'ghost', `wrong guess ${i}`), { answer: WRONG, argon2: ['verify'] });
    }
    assert.deepEqual(await attempt(h, 'lou', GOOD), { answer: LOCKED, argon2: [] });
    assert.deepEqual(await attempt(h, 'ghost', GOOD), { answer: LOCKED, argon2: [] });
    const locked = await h.store.audit.list(h.pool.id, { type: 'sign_in.locked' });
    assert.deepEqual(locked.map((e) => e.userId), [null, null], 'refused by the name\'s lock, before any lookup');
  });
});
