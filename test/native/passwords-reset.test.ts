// Forgot/confirm-forgot password and change password: codes to verified addresses only, simulated answers
// for unknown users, policy before the code is used, every refresh family and hosted session ended.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MAX_CODE_REQUESTS_PER_HOUR } from '../../src/native/index.js';
import { CTX, GOOD, confirmedUser, harness, rejectsWith, type Harness } from './harness.js';

const NEW = 'a brand new passphrase';
const opened: Harness[] = [];
const open = async (settings: Record<string, unknown> = { AutoVerifiedAttributes: ['email'] }) => {
  const h = await harness(settings);
  opened.push(h);
  return h;
};
after(async () => {
  for (const h of opened) await h.cleanup();
});

/** A live refresh family and hosted session for the user. */
async function sessionsOf(h: Harness, userId: string) {
  const now = h.now();
  const familyId = randomUUID();
  const originJti = randomUUID();
  await h.store.tokens.createRefreshFamily(
    { id: familyId, poolId: h.pool.id, clientId: CTX.clientId, userId, originJti, authTime: Math.floor(now / 1000), scopes: ['openid'], codeHash: null, createdAt: now, expiresAt: now + 86400_000 },
    { hash: randomUUID(), createdAt: now, expiresAt: now + 86400_000 },
  );
  const idHash = randomUUID();
  await h.store.flows.createSession({ idHash, poolId: h.pool.id, userId, authTime: Math.floor(now / 1000), data: {}, createdAt: now, expiresAt: now + 3600_000 });
  return {
    originJti,
    async kept() {
      assert.equal((await h.store.tokens.getRefreshFamily(familyId))!.revokedAt, null, 'refresh family kept');
    },
    async ended() {
      assert.ok((await h.store.tokens.getRefreshFamily(familyId))!.revokedAt !== null, 'refresh family revoked');
      assert.equal(await h.store.flows.findSession(idHash, h.now()), null, 'hosted session gone');
    },
  };
}

describe('forgot password', () => {
  it('sends a 1-hour code to the verified email; the new password is policy-checked first; sessions end', async () => {
    const h = await open();
    const rue = await confirmedUser(h, 'rue', 'rue@example.com');
    const live = await sessionsOf(h, rue.id);
    // A locked account can still be recovered.
    await Promise.allSettled(Array.from({ length: 6 }, () => h.accounts.signIn(h.pool, 'rue', 'wrong password', CTX)));

    assert.deepEqual(await h.accounts.forgotPassword(h.pool, 'RUE'), { Destination: 'r***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = await h.lastCode('rue@example.com');
    await rejectsWith(h.accounts.confirmForgotPassword(h.pool, 'rue', code, 'short'), 'InvalidPasswordException', 'Password did not conform with policy: Password not long enough');
    await rejectsWith(h.accounts.confirmForgotPassword(h.pool, 'rue', code, 'rue@example.com'), 'InvalidPasswordException');
    await rejectsWith(h.accounts.confirmForgotPassword(h.pool, 'rue', code === '111111' ? '222222' : '111111', NEW), 'CodeMismatchException');
    await h.accounts.confirmForgotPassword(h.pool, 'rue', code, NEW);

    await live.ended();
    await rejectsWith(h.accounts.confirmForgotPassword(h.pool, 'rue', code, NEW), 'CodeMismatchException');
    await rejectsWith(h.accounts.signIn(h.pool, 'rue', GOOD, CTX), 'NotAuthorizedException', 'Incorrect username or password.');
    assert.equal((await h.accounts.signIn(h.pool, 'rue', NEW, CTX)).status, 'CONFIRMED');
    assert.equal((await h.store.audit.list(h.pool.id, { type: 'password.reset', userId: rue.id })).length, 1);
    assert.ok(!h.logs.join('').includes(code));
  });

  it('expires reset codes after an hour', async () => {
    const h = await open();
    await confirmedUser(h, 'sam', 'sam@example.com');
    await h.accounts.forgotPassword(h.pool, 'sam');
    const code = await h.lastCode('sam@example.com');
    h.advance(3600_000 + 1);
    await rejectsWith(h.accounts.confirmForgotPassword(h.pool, 'sam', code, NEW), 'ExpiredCodeException');
  });

  it('answers an unknown user with simulated details and sends nothing; refuses unverified addresses', async () => {
    const h = await open();
    await confirmedUser(h, 'tia', 'tia@example.com');
    const sent = (await h.outbox()).length;
    const simulated = await h.accounts.forgotPassword(h.pool, 'nobody');
    assert.deepEqual(Object.keys(simulated).sort(), ['AttributeName', 'DeliveryMedium', 'Destination']);
    assert.equal(simulated.DeliveryMedium, 'EMAIL');
    assert.deepEqual(await h.accounts.forgotPassword(h.pool, 'someone@example.org'), { Destination: 's***@e***.org', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    assert.equal((await h.outbox()).length, sent);
    await rejectsWith(h.accounts.confirmForgotPassword(h.pool, 'nobody', '123456', NEW), 'CodeMismatchException');

    const plain = await open({});
    await confirmedUser(plain, 'uma', 'uma@example.com'); // not auto-verified
    // LEGACY clients are told; by default (PreventUserExistenceErrors ENABLED) the answer is the simulated one.
    await rejectsWith(plain.accounts.forgotPassword(plain.pool, 'uma', { preventUserExistenceErrors: 'LEGACY' }), 'InvalidParameterException', 'Cannot reset password for the user as there is no registered/verified email or phone_number');
    const queued = (await plain.outbox()).length;
    assert.equal((await plain.accounts.forgotPassword(plain.pool, 'uma')).DeliveryMedium, 'EMAIL');
    assert.equal((await plain.outbox()).length, queued, 'nothing is sent to an unverified address');
  });

  it(`limits code requests to ${MAX_CODE_REQUESTS_PER_HOUR} an hour per user`, async () => {
    const h = await open();
    await confirmedUser(h, 'vic', 'vic@example.com');
    for (let i = 0; i < MAX_CODE_REQUESTS_PER_HOUR; i++) await h.accounts.forgotPassword(h.pool, 'vic');
    await rejectsWith(h.accounts.forgotPassword(h.pool, 'vic'), 'LimitExceededException', 'Attempt limit exceeded, please try after some time.');
    h.advance(3600_000 + 1);
    await h.accounts.forgotPassword(h.pool, 'vic');
  });

  it('follows the pool recovery order (verified phone by SMS)', async () => {
    const h = await open({
      AutoVerifiedAttributes: ['phone_number'],
      AccountRecoverySetting: { RecoveryMechanisms: [{ Priority: 1, Name: 'verified_phone_number' }, { Priority: 2, Name: 'verified_email' }] },
    });
    await h.accounts.signUp(h.pool, { clientId: CTX.clientId, username: 'wes', password: GOOD, attributes: { email: 'wes@example.com', phone_number: '+14325550000' } });
    await h.accounts.confirmSignUp(h.pool, 'wes', await h.lastCode('+14325550000'));
    const d = await h.accounts.forgotPassword(h.pool, 'wes');
    assert.deepEqual(d, { Destination: '+*******0000', DeliveryMedium: 'SMS', AttributeName: 'phone_number' });
    const sms = (await h.outbox()).at(-1)!;
    assert.equal(sms.channel, 'sms');
    assert.equal(sms.to, '+14325550000');
  });
});

describe('change password', () => {
  it("needs the current password, checks the policy, ends the user's other refresh families and the hosted sessions", async () => {
    const h = await open();
    const xia = await confirmedUser(h, 'xia', 'xia@example.com');
    const live = await sessionsOf(h, xia.id);
    const own = await sessionsOf(h, xia.id);
    await rejectsWith(h.accounts.changePassword(h.pool, xia.id, 'wrong password', NEW), 'NotAuthorizedException', 'Incorrect username or password.');
    await rejectsWith(h.accounts.changePassword(h.pool, xia.id, GOOD, 'qwerty123'), 'InvalidPasswordException', /too common/);
    await h.accounts.changePassword(h.pool, xia.id, GOOD, NEW, own.originJti);
    await live.ended();
    await own.kept(); // the sign-in that changed it goes on, as in Cognito
    await rejectsWith(h.accounts.signIn(h.pool, 'xia', GOOD, CTX), 'NotAuthorizedException');
    await h.accounts.signIn(h.pool, 'xia', NEW, CTX);
    assert.equal((await h.store.audit.list(h.pool.id, { type: 'password.changed' })).length, 1);
    await rejectsWith(h.accounts.changePassword(h.pool, randomUUID(), NEW, GOOD), 'UserNotFoundException');
  });

  it('guesses of the current password count against the lockout', async () => {
    const h = await open();
    const yan = await confirmedUser(h, 'yan', 'yan@example.com');
    for (let i = 0; i < 5; i++) await rejectsWith(h.accounts.changePassword(h.pool, yan.id, `guess ${i}`, NEW), 'NotAuthorizedException');
    await rejectsWith(h.accounts.changePassword(h.pool, yan.id, GOOD, NEW), 'LimitExceededException');
    await rejectsWith(h.accounts.signIn(h.pool, 'yan', GOOD, CTX), 'NotAuthorizedException', 'Password attempts exceeded');
  });
});
