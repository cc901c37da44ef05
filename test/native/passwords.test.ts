// argon2id storage: OWASP parameters in the stored hash, NFKC, no truncation or case folding, rehash detection.
import assert from 'node:assert/strict';
import { hash, parseOptions } from '@node-rs/argon2';
import { describe, it } from 'node:test';
import { hashPassword, verifyDummy, verifyPassword } from '../../src/native/index.js';

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

  it('verifyDummy costs about what a real verification costs', async () => {
    const stored = await hashPassword('real password');
    await verifyDummy('warm up');
    const time = async (f: () => Promise<unknown>) => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) await f();
      return Number(process.hrtime.bigint() - t) / 5e6;
    };
    const real = await time(() => verifyPassword(stored, 'guess'));
    const dummy = await time(() => verifyDummy('guess'));
    assert.ok(dummy > real / 3 && dummy < real * 3, `dummy ${dummy} ms vs real ${real} ms`);
  });
});
