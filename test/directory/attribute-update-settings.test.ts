// The pool setting UserAttributeUpdateSettings as the config declares it: optional, and (as Cognito
// requires) only for attributes the pool auto-verifies, since the held value must be sent its code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declaredPoolSchema, poolSchema } from '../../src/directory/schema.js';
import { describeIssue } from '../../src/settings.js';

const base = { Id: 'local_Upd9', PoolName: 'Updates' };

describe('UserAttributeUpdateSettings', () => {
  it('is optional: absent, nothing waits for verification', () => {
    assert.equal(poolSchema.parse(base).UserAttributeUpdateSettings, undefined);
    assert.deepEqual(poolSchema.parse({ ...base, UserAttributeUpdateSettings: {} }).UserAttributeUpdateSettings, { AttributesRequireVerificationBeforeUpdate: [] });
  });

  it('takes attributes the pool auto-verifies', () => {
    const p = poolSchema.parse({ ...base, AutoVerifiedAttributes: ['email', 'phone_number'], UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email', 'phone_number'] } });
    assert.deepEqual(p.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate, ['email', 'phone_number']);
  });

  it('refuses an attribute the pool does not auto-verify, naming the field, in the config file too', () => {
    const settings = { ...base, AutoVerifiedAttributes: ['email'], UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email', 'phone_number'] } };
    for (const schema of [poolSchema, declaredPoolSchema]) {
      const r = schema.safeParse(settings);
      assert.equal(r.success, false);
      assert.deepEqual(r.error!.issues.map((i) => describeIssue(i)), [
        'UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate[1]: phone_number must also be in AutoVerifiedAttributes',
      ]);
    }
  });

  it('refuses what Cognito does not have', () => {
    assert.equal(poolSchema.safeParse({ ...base, AutoVerifiedAttributes: ['email'], UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['name'] } }).success, false);
    assert.equal(poolSchema.safeParse({ ...base, UserAttributeUpdateSettings: { Other: true } }).success, false);
  });
});
