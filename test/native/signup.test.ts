// Sign-up and confirmation in plain, email-as-username and alias pools: usernames, attributes, codes.
import assert from 'node:assert/strict';
import { Db } from '../../src/directory/sqlite/db.js';
import { after, describe, it } from 'node:test';
import { sha256 } from '../../src/shared/hashing.js';
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

const signUp = (h: Harness, username: string, attributes: Record<string, string> = {}, password = GOOD) =>
  h.accounts.signUp(h.pool, { clientId: CTX.clientId, username, password, attributes });

const LEGACY = { preventUserExistenceErrors: 'LEGACY' } as const;

describe('plain pool', () => {
  it('signs up, sends a code with the pool template, confirms, signs in; usernames are case-insensitive', async () => {
    const h = await open({
      AutoVerifiedAttributes: ['email'],
      VerificationMessageTemplate: { EmailSubject: 'Welcome', EmailMessage: 'Hi {username}, your code is {####}.' },
    });
    const r = await signUp(h, 'Alice', { email: 'alice@example.com', name: 'Alice A' });
    assert.equal(r.confirmed, false);
    assert.equal(r.user.status, 'UNCONFIRMED');
    assert.equal(r.user.username, 'Alice');
    assert.deepEqual(r.delivery, { Destination: 'a***@e***.com', DeliveryMedium: 'EMAIL', AttributeName: 'email' });

    const [m] = await h.outbox();
    assert.equal(m!.subject, 'Welcome');
    assert.match(m!.body, /^Hi Alice, your code is \d{6}\.$/);
    const code = await h.lastCode('alice@example.com');

    await rejectsWith(h.accounts.signIn(h.pool, 'alice', GOOD, CTX), 'UserNotConfirmedException', 'User is not confirmed.');
    const user = await h.accounts.confirmSignUp(h.pool, 'ALICE', code);
    assert.equal(user.status, 'CONFIRMED');
    assert.equal(user.attributes.email_verified, 'true');
    assert.equal((await h.accounts.signIn(h.pool, 'aLiCe', GOOD, CTX)).id, user.id);

    await rejectsWith(signUp(h, 'ALICE', { email: 'other@example.com' }), 'UsernameExistsException', 'User already exists');
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'alice', code, {}, LEGACY), 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED');
    // By default (PreventUserExistenceErrors ENABLED) a confirmed account answers as an unknown one does.
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'alice', code), 'CodeMismatchException', 'Invalid verification code provided, please try again.');
    const types = (await h.store.audit.list(h.pool.id, { userId: user.id })).map((e) => e.type);
    assert.deepEqual(types.sort(), ['sign_in.refused', 'sign_in.success', 'sign_up', 'sign_up.confirmed']);
  });

  it('keeps only a hash of the code, bound to pool and user, and never logs codes or passwords', async () => {
    const h = await open();
    const { user } = await signUp(h, 'bea', { email: 'bea@example.com' });
    const code = await h.lastCode('bea@example.com');
    const db = new Db(h.file, { readOnly: true });
    const row = db.prepare('SELECT code_hash, expires_at, created_at FROM one_time_codes WHERE user_id = ?').get(user.id) as { code_hash: string; expires_at: number; created_at: number };
    const outboxRow = db.prepare('SELECT body FROM outbox').get() as { body: string };
    db.close();
    assert.equal(row.code_hash, sha256(`${h.pool.id}:${user.id}:${code}`));
    assert.equal(row.expires_at - row.created_at, 24 * 3600_000);
    assert.equal(outboxRow.body, '', 'the body is dropped once sent');
    await h.accounts.confirmSignUp(h.pool, 'bea', code);
    const logs = h.logs.join('');
    assert.ok(h.logs.some((l) => l.includes('message delivered')));
    assert.ok(!logs.includes(code) && !logs.includes(GOOD));
  });

  it('confirmation codes: wrong, five wrong voids, expired, resent, unknown user', async () => {
    const h = await open();
    await signUp(h, 'carl', { email: 'carl@example.com' });
    const code = await h.lastCode('carl@example.com');
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 4; i++)
      await rejectsWith(h.accounts.confirmSignUp(h.pool, 'carl', wrong), 'CodeMismatchException', 'Invalid verification code provided, please try again.');
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'carl', wrong), 'TooManyFailedAttemptsException');
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'carl', code), 'TooManyFailedAttemptsException');

    const resent = await h.accounts.resendConfirmationCode(h.pool, 'carl');
    assert.equal(resent.Destination, 'c***@e***.com');
    const fresh = await h.lastCode('carl@example.com');
    h.advance(24 * 3600_000 + 1);
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'carl', fresh), 'ExpiredCodeException', 'Invalid code provided, please request a code again.');
    await h.accounts.resendConfirmationCode(h.pool, 'carl');
    assert.equal((await h.accounts.confirmSignUp(h.pool, 'carl', await h.lastCode('carl@example.com'))).status, 'CONFIRMED');
    await rejectsWith(h.accounts.resendConfirmationCode(h.pool, 'carl', LEGACY), 'InvalidParameterException', 'User is already confirmed.');
    const sentBefore = (await h.outbox()).length;
    const asUnknown = await h.accounts.resendConfirmationCode(h.pool, 'carl');
    assert.equal(asUnknown.DeliveryMedium, 'EMAIL');
    assert.match(asUnknown.Destination, /^[a-z]\*\*\*@[a-z]\*\*\*\.com$/, 'by default, the simulated answer an unknown name gets');
    assert.equal((await h.outbox()).length, sentBefore, 'and nothing is sent');

    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'nobody', '123456'), 'CodeMismatchException');
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'carl', ''), 'InvalidParameterException');
    const before = (await h.outbox()).length;
    const simulated = await h.accounts.resendConfirmationCode(h.pool, 'nobody');
    assert.equal(simulated.DeliveryMedium, 'EMAIL');
    assert.match(simulated.Destination, /^[a-z]\*\*\*@[a-z]\*\*\*\.com$/);
    assert.deepEqual(await h.accounts.resendConfirmationCode(h.pool, 'nobody'), simulated, 'stable for a name');
    assert.equal((await h.outbox()).length, before, 'nothing is sent for an unknown user');
  });

  it('refuses usernames, attributes and passwords the pool does not allow', async () => {
    const h = await open({
      Schema: [
        { Name: 'name', Required: true },
        { Name: 'team', AttributeDataType: 'String', StringAttributeConstraints: { MaxLength: 5 } },
        { Name: 'level', AttributeDataType: 'Number', NumberAttributeConstraints: { MinValue: 1, MaxValue: 9 } },
        { Name: 'secret', DeveloperOnlyAttribute: true },
      ],
      Policies: { PasswordPolicy: { MinimumLength: 10, RequireNumbers: true } },
    });
    const ok = { name: 'Dee' };
    await rejectsWith(signUp(h, 'has space', ok), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'x'.repeat(129), ok), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', {}), 'InvalidParameterException', 'Attributes did not conform to the schema: name: The attribute is required');
    await rejectsWith(signUp(h, 'dee', { ...ok, shoe_size: '9' }), 'InvalidParameterException', /shoe_size/);
    await rejectsWith(signUp(h, 'dee', { ...ok, 'custom:undeclared': 'x' }), 'InvalidParameterException', /custom:undeclared/);
    await rejectsWith(signUp(h, 'dee', { ...ok, 'custom:secret': 'x' }), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', { ...ok, email_verified: 'true' }), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', { ...ok, 'custom:team': 'toolong' }), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', { ...ok, 'custom:level': 'ten' }), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', { ...ok, 'custom:level': '10' }), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', { ...ok, nickname: 'n'.repeat(2049) }), 'InvalidParameterException');
    await rejectsWith(signUp(h, 'dee', { ...ok, email: 'not-an-email' }), 'InvalidParameterException', 'Invalid email address format.');
    await rejectsWith(signUp(h, 'dee', { ...ok, phone_number: '555-1212' }), 'InvalidParameterException', 'Invalid phone number format.');
    await rejectsWith(signUp(h, 'dee', ok, 'short1'), 'InvalidPasswordException', 'Password did not conform with policy: Password not long enough');
    await rejectsWith(signUp(h, 'dee', ok, 'no digits here'), 'InvalidPasswordException', 'Password did not conform with policy: Password must have numeric characters');
    await rejectsWith(signUp(h, 'dee', ok, 'PASSWORD123'), 'InvalidPasswordException', 'Password did not conform with policy: Password is too common');
    await rejectsWith(signUp(h, 'dee12345678', ok, 'DEE12345678'), 'InvalidPasswordException', /username or email/);
    assert.equal((await h.store.users.listUsers(h.pool.id)).items.length, 0, 'nothing was created');

    const r = await signUp(h, 'dee', { ...ok, 'custom:team': 'blue', 'custom:level': '3', phone_number: '+14325551212' }, 'ünïcødé 🔑 9 ключ');
    assert.deepEqual(r.user.attributes, { name: 'Dee', 'custom:team': 'blue', 'custom:level': '3', phone_number: '+14325551212' });
    assert.deepEqual(r.delivery, { Destination: '+*******1212', DeliveryMedium: 'SMS', AttributeName: 'phone_number' });
    const [sms] = await h.outbox();
    assert.equal(sms!.channel, 'sms');
  });

  it('refuses self sign-up when only administrators create users', async () => {
    const h = await open({ AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    await rejectsWith(signUp(h, 'eve', { email: 'eve@example.com' }), 'NotAuthorizedException', 'SignUp is not permitted for this user pool.');
  });
});

describe('email-as-username pool', () => {
  it('creates a UUID username holding the email, refuses a second account with it, signs in by email', async () => {
    const h = await open({ UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'] });
    const r = await signUp(h, 'Fay@Example.com');
    assert.match(r.user.username, /^[0-9a-f-]{36}$/);
    assert.equal(r.user.username, r.user.sub);
    assert.equal(r.user.attributes.email, 'Fay@Example.com');
    await rejectsWith(signUp(h, 'fay@example.com'), 'UsernameExistsException', 'An account with the given email already exists.');
    await rejectsWith(signUp(h, 'fay'), 'InvalidParameterException', 'Username should be an email.');

    const user = await h.accounts.confirmSignUp(h.pool, 'FAY@example.com', await h.lastCode('Fay@Example.com'));
    assert.equal(user.attributes.email_verified, 'true');
    assert.equal((await h.accounts.signIn(h.pool, 'fay@EXAMPLE.com', GOOD, CTX)).id, r.user.id);
    assert.equal((await h.accounts.signIn(h.pool, r.user.username, GOOD, CTX)).id, r.user.id);
    assert.equal((await h.accounts.findUser(h.pool, 'fay@example.com'))?.id, r.user.id);
  });
});

describe('alias pool', () => {
  it('refuses email-shaped usernames, activates the email alias on confirmation, refuses it to a second user', async () => {
    const h = await open({ AliasAttributes: ['email', 'phone_number', 'preferred_username'], AutoVerifiedAttributes: ['email'] });
    await rejectsWith(signUp(h, 'gus@example.com'), 'InvalidParameterException', 'Username cannot be of email format, since user pool is configured for email alias.');
    await rejectsWith(signUp(h, '+14325551212'), 'InvalidParameterException', /phone number format/);

    await signUp(h, 'gus', { email: 'gus@example.com', preferred_username: 'Gussie' });
    await rejectsWith(h.accounts.signIn(h.pool, 'gus@example.com', GOOD, CTX), 'NotAuthorizedException', 'Incorrect username or password.');
    const gus = await h.accounts.confirmSignUp(h.pool, 'gus', await h.lastCode('gus@example.com'));
    assert.equal((await h.accounts.signIn(h.pool, 'GUS@example.com', GOOD, CTX)).id, gus.id);
    assert.equal((await h.accounts.signIn(h.pool, 'gussie', GOOD, CTX)).id, gus.id);

    await signUp(h, 'hal', { email: 'gus@example.com' });
    const code = await h.lastCode('gus@example.com');
    await rejectsWith(h.accounts.confirmSignUp(h.pool, 'hal', code), 'AliasExistsException', 'An account with the given email already exists.');
    assert.equal((await h.store.users.findUserByUsername(h.pool.id, 'hal'))!.status, 'UNCONFIRMED');

    await h.accounts.resendConfirmationCode(h.pool, 'hal');
    const hal = await h.accounts.confirmSignUp(h.pool, 'hal', await h.lastCode('gus@example.com'), { forceAliasCreation: true });
    assert.equal((await h.accounts.signIn(h.pool, 'gus@example.com', GOOD, CTX)).id, hal.id, 'the alias moved');
  });

  it('a pool with no auto-verified attribute confirms without verifying (no alias)', async () => {
    const h = await open({ AliasAttributes: ['email'] });
    await confirmedUser(h, 'ida', 'ida@example.com');
    const ida = await h.store.users.findUserByUsername(h.pool.id, 'ida');
    assert.equal(ida!.status, 'CONFIRMED');
    assert.equal(ida!.attributes.email_verified, undefined);
    await rejectsWith(h.accounts.signIn(h.pool, 'ida@example.com', GOOD, CTX), 'NotAuthorizedException', 'Incorrect username or password.');
  });
});
