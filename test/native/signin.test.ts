// Password sign-in: same answer for unknown users and wrong passwords, lockout under parallel guesses,
// account states told only after the password is proven, NFKC, rehash on old parameters.
import assert from 'node:assert/strict';
import { hash } from '@node-rs/argon2';
import { after, describe, it } from 'node:test';
import { ATTEMPTS_EXCEEDED, INCORRECT_CREDENTIALS } from '../../src/native/index.js';
import { CTX, GOOD, confirmedUser, harness, rejectsWith, type Harness } from './harness.js';

const opened: Harness[] = [];
const open = async (settings: Record<string, unknown> = {}) => {
  const h = await harness(settings);
  opened.push(h);
  return h;
};
after(async () => {
  for (const h of opened) await h.cleanup();
});

const errorOf = async (p: Promise<unknown>) => p.then(() => assert.fail('expected a rejection'), (e: Error & { code?: string }) => ({ code: e.code, message: e.message, name: e.name }));

describe('sign-in', () => {
  it('answers an unknown user exactly as a wrong password, and audits both without secrets', async () => {
    const h = await open();
    const user = await confirmedUser(h, 'jan', 'jan@example.com');
    const unknown = await errorOf(h.accounts.signIn(h.pool, 'nobody', GOOD, CTX));
    const wrong = await errorOf(h.accounts.signIn(h.pool, 'jan', 'not the password', CTX));
    assert.deepEqual(unknown, wrong);
    assert.deepEqual(unknown, { code: 'NotAuthorizedException', message: INCORRECT_CREDENTIALS, name: 'NotAuthorizedException' });

    const failures = await h.store.audit.list(h.pool.id, { type: 'sign_in.failure' });
    assert.deepEqual(failures.map((e) => [e.userId, e.detail.reason, e.clientId, e.ip]).sort(), [
      [null, 'unknown_user', CTX.clientId, CTX.ip],
      [user.id, 'wrong_password', CTX.clientId, CTX.ip],
    ].sort());
    const everything = JSON.stringify(await h.store.audit.list(h.pool.id, { limit: 1000 })) + h.logs.join('');
    assert.ok(!everything.includes(GOOD) && !everything.includes('not the password'));
  });

  it('20 parallel wrong guesses: 5 are checked, the rest refused, and then even the right password is', async () => {
    const h = await open();
    const user = await confirmedUser(h, 'kim', 'kim@example.com');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => h.accounts.signIn(h.pool, 'kim', `wrong guess ${i}`, CTX)));
    const messages = results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'signed in'));
    assert.equal(messages.filter((m) => m === INCORRECT_CREDENTIALS).length, 5);
    assert.equal(messages.filter((m) => m === ATTEMPTS_EXCEEDED).length, 15);
    assert.equal((await h.store.users.getUser(h.pool.id, user.id))!.failedSignIns, 5);
    assert.equal((await h.store.audit.list(h.pool.id, { type: 'sign_in.failure' })).length, 5);
    assert.equal((await h.store.audit.list(h.pool.id, { type: 'sign_in.locked' })).length, 15);
    assert.ok((await h.store.audit.list(h.pool.id, { type: 'user.locked' })).length >= 1);

    await rejectsWith(h.accounts.signIn(h.pool, 'kim', GOOD, CTX), 'NotAuthorizedException', ATTEMPTS_EXCEEDED);
    h.advance(1001); // the first lock is 1 s
    await h.accounts.signIn(h.pool, 'kim', GOOD, CTX);
    assert.equal((await h.store.users.getUser(h.pool.id, user.id))!.failedSignIns, 0, 'success resets the count');
  });

  it('tells disabled, unconfirmed and reset-required only after the password is proven', async () => {
    const h = await open();
    const lee = await confirmedUser(h, 'lee', 'lee@example.com');
    await h.store.users.updateUser(h.pool.id, lee.id, { enabled: false });
    await rejectsWith(h.accounts.signIn(h.pool, 'lee', 'wrong password', CTX), 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    await rejectsWith(h.accounts.signIn(h.pool, 'lee', GOOD, CTX), 'NotAuthorizedException', 'User is disabled.');

    await h.accounts.signUp(h.pool, { clientId: CTX.clientId, username: 'max', password: GOOD, attributes: {} });
    await rejectsWith(h.accounts.signIn(h.pool, 'max', 'wrong password', CTX), 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    await rejectsWith(h.accounts.signIn(h.pool, 'max', GOOD, CTX), 'UserNotConfirmedException');

    const ned = await confirmedUser(h, 'ned', 'ned@example.com');
    await h.store.users.updateUser(h.pool.id, ned.id, { status: 'RESET_REQUIRED' });
    await rejectsWith(h.accounts.signIn(h.pool, 'ned', 'wrong password', CTX), 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    await rejectsWith(h.accounts.signIn(h.pool, 'ned', GOOD, CTX), 'PasswordResetRequiredException', 'Password reset required for the user');
    const refused = await h.store.audit.list(h.pool.id, { type: 'sign_in.refused' });
    assert.deepEqual(refused.map((e) => e.detail.reason).sort(), ['NotAuthorizedException', 'PasswordResetRequiredException', 'UserNotConfirmedException']);
  });

  it('federated users cannot sign in with a password', async () => {
    const h = await open();
    await h.store.users.createUser({ poolId: h.pool.id, username: 'Google_123', status: 'EXTERNAL_PROVIDER', passwordHash: null });
    await rejectsWith(h.accounts.signIn(h.pool, 'Google_123', '', CTX), 'NotAuthorizedException', INCORRECT_CREDENTIALS);
    await rejectsWith(h.accounts.forgotPassword(h.pool, 'Google_123').then(() => h.accounts.confirmForgotPassword(h.pool, 'Google_123', '123456', GOOD)), 'CodeMismatchException');
  });

  it('returns FORCE_CHANGE_PASSWORD users for the caller to challenge, until the temporary password expires', async () => {
    const h = await open({ Policies: { PasswordPolicy: { TemporaryPasswordValidityDays: 2 } } });
    const { user } = await h.accounts.signUp(h.pool, { clientId: CTX.clientId, username: 'oli', password: GOOD, attributes: {} });
    await h.store.users.updateUser(h.pool.id, user.id, { status: 'FORCE_CHANGE_PASSWORD' });
    assert.equal((await h.accounts.signIn(h.pool, 'oli', GOOD, CTX)).status, 'FORCE_CHANGE_PASSWORD');
    h.advance(2 * 86400_000 + 60_000);
    await rejectsWith(h.accounts.signIn(h.pool, 'oli', GOOD, CTX), 'NotAuthorizedException', 'Temporary password has expired and must be reset by an administrator.');
  });

  it('composed and decomposed é are one password (NFKC); case and every character count', async () => {
    const h = await open();
    const composed = 'caf\u00e9 au lait, s\u2019il vous pla\u00eet';
    await confirmedUser(h, 'pia', 'pia@example.com', composed);
    await h.accounts.signIn(h.pool, 'pia', composed, CTX);
    await h.accounts.signIn(h.pool, 'pia', composed.normalize('NFD'), CTX);
    assert.notEqual(composed, composed.normalize('NFD'));
    await rejectsWith(h.accounts.signIn(h.pool, 'pia', composed.toUpperCase(), CTX), 'NotAuthorizedException', INCORRECT_CREDENTIALS);
  });

  it('rehashes a password stored with other parameters on the next sign-in', async () => {
    const h = await open();
    const old = await hash(GOOD, { memoryCost: 8192, timeCost: 3, parallelism: 1 });
    const { id } = await h.store.users.createUser({ poolId: h.pool.id, username: 'quin', status: 'CONFIRMED', passwordHash: old });
    await h.accounts.signIn(h.pool, 'quin', GOOD, CTX);
    const stored = (await h.store.users.getUser(h.pool.id, id))!.passwordHash!;
    assert.notEqual(stored, old);
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    await h.accounts.signIn(h.pool, 'quin', GOOD, CTX);
    assert.equal((await h.store.users.getUser(h.pool.id, id))!.passwordHash, stored, 'not rehashed again');
  });
});
