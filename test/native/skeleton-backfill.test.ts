// Users made before usernames had skeletons (issue 17 §8): the start-up backfill gives them theirs, so a
// new look-alike of an old name collides; two old look-alikes both keep signing in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword } from '../../src/native/passwords.js';
import { backfillUsernameSkeletons } from '../../src/native/skeletons.js';
import { CTX, GOOD, harness, rejectsWith } from './harness.js';

describe('username skeleton backfill', () => {
  it('claims skeletons for old users once; old look-alikes keep working, new ones are refused', async () => {
    const h = await harness();
    const passwordHash = await hashPassword(GOOD);
    // As the store held them before this change: no skeleton aliases.
    for (const username of ['carol', 'сarol' /* Cyrillic с */])
      await h.store.users.createUser({ poolId: h.pool.id, username, status: 'CONFIRMED', attributes: {}, passwordHash, aliases: [] });
    const signUp = (username: string) => h.accounts.signUp(h.pool, { clientId: CTX.clientId, username, password: GOOD, attributes: { email: 'x@example.com' } });
    await signUp('cаrol' /* Cyrillic а */); // before the backfill a look-alike still gets through

    assert.ok((await backfillUsernameSkeletons(h.store, h.log)) >= 2);
    assert.equal(await backfillUsernameSkeletons(h.store, h.log), 0, 'once per pool');
    assert.ok(h.logs.some((l) => l.includes('looks like another one')));
    await rejectsWith(signUp('caroI' /* capital I */), 'UsernameExistsException');
    await rejectsWith(signUp('ｃarol'), 'UsernameExistsException');
    for (const name of ['carol', 'сarol']) assert.equal((await h.accounts.signIn(h.pool, name, GOOD, CTX)).username, name, `${name} still signs in`);
    await h.cleanup();
  });
});
