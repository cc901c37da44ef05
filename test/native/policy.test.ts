// The password policy: Cognito's messages, lengths in code points, composition only when asked, breached list, context.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordPolicySchema } from '../../src/directory/schema.js';
import { checkPassword } from '../../src/native/index.js';

const P = 'Password did not conform with policy: ';
const defaults = passwordPolicySchema.parse({});

describe('password policy', () => {
  it('length: MinimumLength (default 8) to 256 code points', () => {
    assert.equal(checkPassword(defaults, 'seven77'), P + 'Password not long enough');
    assert.equal(checkPassword(defaults, 'eight8xy'), null);
    assert.equal(checkPassword({}, 'eight8xy'), null, 'default 8 without a parsed policy');
    assert.equal(checkPassword(passwordPolicySchema.parse({ MinimumLength: 12 }), 'eleven char'), P + 'Password not long enough');
    assert.equal(checkPassword(defaults, '🔑🔒🔐🧷🪪🎫🦄🐈'), null, 'eight emoji are eight characters');
    assert.equal(checkPassword(defaults, '🔑🔒🔐🧷🪪🎫🦄'), P + 'Password not long enough', 'seven emoji are seven characters');
    assert.equal(checkPassword(defaults, 'z'.repeat(256)), null);
    assert.match(checkPassword(defaults, 'z'.repeat(257))!, /at most 256/);
  });

  it('composition rules apply only when the pool sets them', () => {
    assert.equal(checkPassword(defaults, 'all lower case words'), null);
    const strict = passwordPolicySchema.parse({ RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true });
    assert.equal(checkPassword(strict, 'all lower 1!'), P + 'Password must have uppercase characters');
    assert.equal(checkPassword(strict, 'ALL UPPER 1!'), P + 'Password must have lowercase characters');
    assert.equal(checkPassword(strict, 'Mixed Case!'), P + 'Password must have numeric characters');
    assert.equal(checkPassword(strict, 'MixedCase12'), P + 'Password must have symbol characters');
    assert.equal(checkPassword(strict, 'Mixed Case12'), null, 'an inner space is a symbol');
    assert.equal(checkPassword(strict, 'Ünïcødé9ß€'), null, 'non-Latin letters and symbols count');
  });

  it('refuses the most common passwords (case-insensitive) and the username or email', () => {
    for (const pw of ['password', 'PASSWORD', '12345678', 'baseball', 'Football', 'iloveyou'])
      assert.equal(checkPassword(defaults, pw), P + 'Password is too common', pw);
    assert.equal(checkPassword(defaults, 'Zaphod.Beeblebrox', ['zaphod.beeblebrox']), P + 'Password must not be the username or email');
    assert.equal(checkPassword(defaults, 'zaphod@example.com', ['zaphod', 'Zaphod@Example.com']), P + 'Password must not be the username or email');
    assert.equal(checkPassword(defaults, 'zaphod@example.com', ['zaphod']), null);
  });

  it('allows spaces, emoji and any script', () => {
    for (const pw of ['correct horse battery staple', 'пароль-на-русском', '密码是一个很长的句子', 'my 🐈 is called Mr. Whiskers'])
      assert.equal(checkPassword(defaults, pw), null, pw);
  });
});
