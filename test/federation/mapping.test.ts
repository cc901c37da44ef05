// Attribute mapping rules, as the Cognito Developer Guide's "Specifying identity provider attribute
// mappings for your user pool" describes them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolSchema } from '../../src/directory/schema.js';
import { claimAt, mapAttributes, MappingError } from '../../src/federation/mapping.js';

const pool = poolSchema.parse({ Id: 'map_Pool1', PoolName: 'map', Schema: [{ Name: 'email', Required: true }, { Name: 'department' }] });

describe('attribute mapping', () => {
  it('maps claims, nested paths and exact dotted names, as strings', () => {
    const claims = {
      email: 'a@example.com', email_verified: true, picture: { data: { url: 'https://img.example/a.png' } },
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': 'Ann', age: 42, dept: 'ops',
    };
    const out = mapAttributes({
      email: 'email', email_verified: 'email_verified', picture: 'picture.data.url',
      given_name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname', nickname: 'age', department: 'dept',
    }, claims, pool);
    assert.deepEqual(out, {
      email: 'a@example.com', email_verified: 'true', picture: 'https://img.example/a.png', given_name: 'Ann', nickname: '42', 'custom:department': 'ops',
    });
    assert.equal(claimAt(claims, 'picture.data.missing'), undefined);
  });

  it('leaves an email unverified unless email_verified is mapped and true', () => {
    assert.equal(mapAttributes({ email: 'email' }, { email: 'a@example.com', email_verified: true }, pool).email_verified, 'false');
    assert.equal(mapAttributes({ email: 'email', email_verified: 'email_verified' }, { email: 'a@example.com', email_verified: 'false' }, pool).email_verified, 'false');
    assert.equal(mapAttributes({ email: 'email', email_verified: 'ev' }, { email: 'a@example.com', ev: 'true' }, pool).email_verified, 'true');
  });

  it('leaves attributes alone when their claim is absent, and never maps username, sub or identities', () => {
    assert.deepEqual(mapAttributes({ email: 'email', name: 'name', username: 'sub', sub: 'sub' }, { sub: 'x' }, pool), {});
  });

  it('joins multi-valued claims URL-form-encoded, as Cognito does', () => {
    assert.equal(mapAttributes({ email: 'email', 'custom:groups': 'groups' }, { groups: ['a b', 'c,d', 'e.f-g*h_i'] }, pool)['custom:groups'], 'a+b,c%2Cd,e.f-g*h_i');
  });

  it('refuses when a required attribute is not mapped, or a value is too long', () => {
    assert.throws(() => mapAttributes({ name: 'name' }, { name: 'x' }, pool), (e: unknown) => e instanceof MappingError && /required attribute email/.test(e.message));
    assert.throws(() => mapAttributes({ email: 'email' }, { email: 'x'.repeat(2049) }, pool), MappingError);
  });
});
