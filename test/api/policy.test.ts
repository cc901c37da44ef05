// The access keys' IAM-style policies: what they allow, and what they refuse to be read as.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows, anyPoolArn, parsePolicy, poolArn, poolPolicy } from '../../src/api/policy.js';

const arn = (pool: string) => poolArn('eu-west-1', pool);

describe('access key policies', () => {
  it('allows only what a statement allows, with * and ? in actions (any case) and resources', () => {
    const p = parsePolicy({ Statement: [{ Effect: 'Allow', Action: ['cognito-idp:Admin*', 'cognito-idp:ListUsers'], Resource: 'arn:aws:cognito-idp:*:*:userpool/corp_?1' }] });
    assert.ok(allows(p, 'AdminCreateUser', arn('corp_A1')));
    assert.ok(allows(p, 'ListUsers', arn('corp_B1')));
    assert.ok(allows({ ...p, Statement: [{ ...p.Statement[0]!, Action: ['COGNITO-IDP:adminget*'] }] }, 'AdminGetUser', arn('corp_A1')), 'actions compare case-insensitively');
    assert.ok(!allows(p, 'DeleteUserPool', arn('corp_A1')), 'an action no statement names');
    assert.ok(!allows(p, 'AdminCreateUser', arn('corp_AB1')), '? is one character');
    assert.ok(!allows(p, 'AdminCreateUser', arn('Corp_A1')), 'resources compare case-sensitively');
    assert.ok(!allows(p, 'AdminCreateUser', anyPoolArn('eu-west-1')), 'a pool pattern does not cover the actions that name no pool');
  });

  it('lets a Deny beat any Allow', () => {
    const p = parsePolicy({ Statement: [
      { Effect: 'Allow', Action: 'cognito-idp:*', Resource: '*' },
      { Effect: 'Deny', Action: 'cognito-idp:Delete*', Resource: arn('corp_A1') },
    ] });
    assert.ok(allows(p, 'DeleteGroup', arn('corp_B1')));
    assert.ok(!allows(p, 'DeleteGroup', arn('corp_A1')));
    assert.ok(allows(p, 'CreateUserPool', anyPoolArn('eu-west-1')));
  });

  it('gives a pool key every action on its pool in any region, and nothing else', () => {
    const p = poolPolicy('corp_A1');
    assert.ok(allows(p, 'AdminDeleteUser', poolArn('us-east-1', 'corp_A1')));
    assert.ok(!allows(p, 'AdminDeleteUser', poolArn('us-east-1', 'corp_A12')));
    assert.ok(!allows(p, 'ListUserPools', anyPoolArn('us-east-1')));
  });

  it('refuses what it cannot enforce instead of ignoring it', () => {
    for (const [doc, why] of [
      [{ Statement: [{ Effect: 'Allow', NotAction: 'cognito-idp:Delete*', Resource: '*' }] }, /NotAction/],
      [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: {} }] }, /Condition/],
      [{ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }, /Action patterns are cognito-idp/],
      [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'userpool/x' }] }, /Resource patterns are ARNs/],
      [{ Statement: [] }, /Statement/],
      [{ Version: '2008-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, /Version/],
    ] as const)
      assert.throws(() => parsePolicy(doc), why);
  });
});
