// The second factors' rules on a real SQLite store and a settable clock: the TOTP window (one step
// either side, no more), each code once, expired SMS and e-mail codes, recovery codes spent once even
// when two requests carry one together, the app's secret sealed at rest, and codes never logged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { Sealer } from '../../src/directory/secrets.js';
import type { User } from '../../src/directory/types.js';
import { mfaStep, withPreferences } from '../../src/native/mfa.js';
import { MAX_MFA_TRIES, SecondFactors } from '../../src/native/second-factors.js';
import { confirmedUser, harness, rejectsWith, type Harness } from './harness.js';

/** An independent authenticator app (otpauth), at the harness's time. */
const appCode = (secret: string, at: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: at });

describe('second factors (native/second-factors.ts)', () => {
  let h: Harness;
  let f: SecondFactors;
  let n = 0;
  before(async () => {
    h = await harness({ MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true }, EmailMfaConfiguration: {}, SmsMfaConfiguration: {}, AutoVerifiedAttributes: ['email'] });
    f = new SecondFactors({ store: h.store, delivery: h.delivery, sealer: new Sealer('a-broker-key-secret-for-the-tests-0123'), log: h.log, now: h.now });
  });
  after(() => h.cleanup());

  const user = async (): Promise<User> => confirmedUser(h, `u${++n}`, `u${n}@example.com`);
  async function withApp(): Promise<{ u: User; secret: string }> {
    const u = await user();
    const secret = await f.associateTotp(h.pool, u);
    const pending = (await h.store.users.getUser(h.pool.id, u.id))!;
    const verified = await f.verifyTotp(h.pool, pending, appCode(secret, h.now() - 30_000), 'Phone');
    return { u: await f.setPreferences(h.pool, verified, [{ factor: 'SOFTWARE_TOKEN_MFA', enabled: true, preferred: true }], 'user'), secret };
  }

  it('keeps the app secret sealed at rest and never logs a code', async () => {
    const { u, secret } = await withApp();
    assert.equal(u.mfa?.totp?.verified, true);
    assert.ok(!JSON.stringify(u.mfa).includes(secret), 'the stored record does not hold the secret in clear');
    assert.ok(!h.logs.join('\n').includes(secret));
    assert.deepEqual(mfaStep(h.pool.settings, u), { kind: 'factor', factor: 'SOFTWARE_TOKEN_MFA' });
  });

  it('takes a code of the step before, now or after, refuses two steps off, and takes each step once', async () => {
    const { u, secret } = await withApp();
    const now = h.now();
    await rejectsWith(f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', appCode(secret, now + 60_000)), 'CodeMismatchException');
    await rejectsWith(f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', appCode(secret, now - 60_000)), 'CodeMismatchException');
    assert.equal(await f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', appCode(secret, now + 30_000)), 'SOFTWARE_TOKEN_MFA');
    assert.equal(await f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', appCode(secret, now)), 'SOFTWARE_TOKEN_MFA');
    await rejectsWith(f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', appCode(secret, now)), 'CodeMismatchException', 'Invalid verification code provided, please try again.');
  });

  it('refuses an SMS or e-mail code after its three minutes, and a code sent to another user', async () => {
    const a = await user();
    const b = await user();
    await f.sendCode(h.pool, a, 'EMAIL_OTP', { attribute: 'email', value: a.attributes.email! });
    const code = await h.lastCode(a.attributes.email!);
    await rejectsWith(f.checkCode(h.pool, b, 'EMAIL_OTP', code), 'CodeMismatchException');
    h.advance(3 * 60_000 + 1);
    await rejectsWith(f.checkCode(h.pool, a, 'EMAIL_OTP', code), 'ExpiredCodeException');
    await f.sendCode(h.pool, a, 'SMS_MFA', { attribute: 'phone_number', value: '+15550001111' });
    await f.checkCode(h.pool, a, 'SMS_MFA', await h.lastCode('+15550001111'));
    assert.ok(!h.logs.join('\n').includes(code));
  });

  it('spends a recovery code once, even when two requests carry it at the same moment, and tells the user', async () => {
    const { u } = await withApp();
    const codes = await f.newRecoveryCodes(h.pool, u);
    assert.equal(codes.length, 10);
    const withCodes = (await h.store.users.getUser(h.pool.id, u.id))!;
    assert.ok(!JSON.stringify(withCodes.mfa).includes(codes[0]!), 'only hashes are kept');
    const both = await Promise.allSettled([f.answer(h.pool, withCodes, 'SOFTWARE_TOKEN_MFA', codes[0]!), f.answer(h.pool, withCodes, 'SOFTWARE_TOKEN_MFA', codes[0]!)]);
    assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const left = (await h.store.users.getUser(h.pool.id, u.id))!;
    assert.equal(left.mfa?.recoveryCodes.length, 9);
    await rejectsWith(f.answer(h.pool, left, 'SOFTWARE_TOKEN_MFA', codes[0]!), 'CodeMismatchException');
    assert.equal(await f.answer(h.pool, left, 'SOFTWARE_TOKEN_MFA', codes[1]!.replace(/-/g, '').toUpperCase()), 'RECOVERY_CODE');
    assert.ok((await h.outbox()).some((m) => m.to === u.attributes.email && /recovery code was used/.test(m.subject ?? '')));
    assert.equal((await h.store.audit.list(h.pool.id, { userId: u.id, type: 'mfa.recovery_code_used' })).length, 2);
  });

  it(`refuses every answer after ${MAX_MFA_TRIES} wrong ones, the right one too`, async () => {
    const { u, secret } = await withApp();
    const wrong = String((Number(appCode(secret, h.now())) + 1) % 1e6).padStart(6, '0');
    const answers = await Promise.allSettled(Array.from({ length: 12 }, () => f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', wrong)));
    const codes = answers.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'));
    assert.equal(codes.filter((c) => c === 'CodeMismatchException').length, MAX_MFA_TRIES - 1);
    assert.equal(codes.filter((c) => c === 'TooManyFailedAttemptsException').length, 12 - (MAX_MFA_TRIES - 1));
    await rejectsWith(f.answer(h.pool, u, 'SOFTWARE_TOKEN_MFA', appCode(secret, h.now())), 'TooManyFailedAttemptsException');
  });

  it('enables a factor only when the user can use it, and never a TOTP app that is not verified', async () => {
    const u = await user();
    assert.throws(() => withPreferences(h.pool.settings, u, [{ factor: 'SOFTWARE_TOKEN_MFA', enabled: true }]), /not verified software token/);
    assert.throws(() => withPreferences(h.pool.settings, u, [{ factor: 'SMS_MFA', enabled: true }]), /phone number/);
    const m = withPreferences(h.pool.settings, u, [{ factor: 'EMAIL_OTP', enabled: true, preferred: true }]);
    assert.deepEqual([m.enabled, m.preferred], [['EMAIL_OTP'], 'EMAIL_OTP']);
    const off = withPreferences(h.pool.settings, { ...u, mfa: m }, [{ factor: 'EMAIL_OTP', enabled: false }]);
    assert.deepEqual([off.enabled, off.preferred], [[], null]);
  });
});
