// A hosted session changes its user's MFA settings only while its sign-in is recent (FRESH_SIGN_IN_MS):
// on a real SQLite store and a settable clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freshSession, FRESH_SIGN_IN_MS, openSession } from '../../src/auth/sessions.js';
import { sha256 } from '../../src/shared/hashing.js';
import { confirmedUser, harness, type Harness } from '../native/harness.js';

describe('fresh sessions (src/auth/sessions.ts)', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ AutoVerifiedAttributes: ['email'] });
  });
  after(() => h.cleanup());

  it('serves a session signed in within the last 15 minutes, and not one older (while it is still open)', async () => {
    const user = await confirmedUser(h, 'fay', 'fay@example.com');
    const d = { store: h.store, now: h.now };
    const { cookie } = await openSession(d, h.pool.id, user, { via: 'COGNITO' });
    h.advance(FRESH_SIGN_IN_MS - 1000);
    assert.equal((await freshSession(d, h.pool.id, cookie.id))?.user.id, user.id);
    h.advance(2000);
    assert.equal(await freshSession(d, h.pool.id, cookie.id), null);
    assert.ok(await h.store.flows.findSession(sha256(cookie.id), h.now()), 'the session itself is still open');
    assert.equal(await freshSession(d, 'local_Other1', cookie.id), null, 'nor in another pool');
  });
});
