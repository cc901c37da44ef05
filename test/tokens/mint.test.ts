// Minting: Cognito's claims and header, lifetimes from the client, readable attributes only, the
// `identities` claim of federated users, and the userInfo answer by scope.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LinkedIdentity } from '../../src/directory/types.js';
import { userInfoClaims } from '../../src/tokens/claims.js';
import { mintAccessToken, mintClientCredentialsToken, mintIdToken } from '../../src/tokens/mint.js';
import { decodeJws } from '../support/jwt.js';
import { ISSUER, POOL, openFixture, putClient, type Fixture } from './fixture.js';

const NOW = 1_700_000_123_456;
const IAT = 1_700_000_123;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('minting', () => {
  let f: Fixture;
  before(async () => {
    f = await openFixture();
  });
  after(() => f.cleanup());

  it('signs an ID token with Cognito claims and header {alg, kid}', async () => {
    const access = await mintAccessToken(f.ring, f.subject(), NOW);
    const { header, payload } = decodeJws(await mintIdToken(f.ring, f.subject(), NOW, access));
    assert.deepEqual(header, { alg: 'RS256', kid: (await f.ring.signingKey(POOL, 'id')).kid });
    const { jti, ...rest } = payload;
    assert.match(String(jti), UUID);
    assert.deepEqual(rest, {
      sub: f.user.sub,
      aud: 'web',
      iss: ISSUER,
      token_use: 'id',
      auth_time: 1_700_000_000,
      iat: IAT,
      exp: IAT + 3600,
      origin_jti: '0b7c7f3e-2d4e-4a55-9a53-2a0c2f8c4f11',
      'cognito:username': 'alice',
      'cognito:groups': ['admins', 'staff'],
      nonce: 'n-0S6_WzA2Mj',
      at_hash: createHash('sha256').update(access).digest().subarray(0, 16).toString('base64url'),
      email: 'alice@example.test',
      email_verified: true,
      phone_number: '+15555550100',
      phone_number_verified: false,
      name: 'Alice Liddell',
      'custom:department': 'tea',
      'custom:level': '7',
    });
    const text = JSON.stringify(payload);
    assert.ok(!text.includes('argon2') && !text.includes(f.user.id), 'no password hash, no internal id');
  });

  it('signs an access token with the access key and Cognito claims', async () => {
    const { header, payload } = decodeJws(await mintAccessToken(f.ring, f.subject(), NOW));
    assert.deepEqual(header, { alg: 'RS256', kid: (await f.ring.signingKey(POOL, 'access')).kid });
    const { jti, ...rest } = payload;
    assert.match(String(jti), UUID);
    assert.deepEqual(rest, {
      sub: f.user.sub,
      iss: ISSUER,
      client_id: 'web',
      token_use: 'access',
      scope: 'openid email profile',
      auth_time: 1_700_000_000,
      iat: IAT,
      exp: IAT + 3600,
      origin_jti: '0b7c7f3e-2d4e-4a55-9a53-2a0c2f8c4f11',
      username: 'alice',
      'cognito:groups': ['admins', 'staff'],
      version: 2,
    });
  });

  it('gives every token its own jti', async () => {
    const a = decodeJws(await mintAccessToken(f.ring, f.subject(), NOW)).payload;
    const b = decodeJws(await mintAccessToken(f.ring, f.subject(), NOW)).payload;
    assert.notEqual(a.jti, b.jti);
  });

  it('omits empty groups, a missing nonce and at_hash without an access token', async () => {
    const s = f.subject({ groups: [], nonce: null });
    const id = decodeJws(await mintIdToken(f.ring, s, NOW)).payload;
    for (const claim of ['cognito:groups', 'nonce', 'at_hash', 'identities']) assert.ok(!(claim in id), claim);
    assert.ok(!('cognito:groups' in decodeJws(await mintAccessToken(f.ring, s, NOW)).payload));
  });

  it("takes lifetimes from the client's settings", async () => {
    const client = await putClient(f.store, POOL, {
      ClientId: 'short', IdTokenValidity: 5, AccessTokenValidity: 10, TokenValidityUnits: { IdToken: 'minutes', AccessToken: 'minutes' },
    });
    const s = f.subject({ client });
    assert.equal(decodeJws(await mintIdToken(f.ring, s, NOW)).payload.exp, IAT + 300);
    assert.equal(decodeJws(await mintAccessToken(f.ring, s, NOW)).payload.exp, IAT + 600);
  });

  it('puts only the attributes the client may read', async () => {
    const client = await putClient(f.store, POOL, { ClientId: 'narrow', ReadAttributes: ['email', 'custom:level'] });
    const id = decodeJws(await mintIdToken(f.ring, f.subject({ client, groups: [], nonce: null }), NOW)).payload;
    assert.equal(id.email, 'alice@example.test');
    assert.equal(id['custom:level'], '7');
    for (const hidden of ['email_verified', 'phone_number', 'name', 'custom:department']) assert.ok(!(hidden in id), hidden);
  });

  it('never lets an attribute stand in for a protocol claim or leak an unknown one', async () => {
    const user = await f.store.users.createUser({
      poolId: POOL, username: 'mallory', status: 'CONFIRMED',
      attributes: { sub: 'not-the-sub', iss: 'https://evil.example', 'dev:custom:secret': 'x', identities: '[]', email: 'm@example.test' },
    });
    const id = decodeJws(await mintIdToken(f.ring, f.subject({ user }), NOW)).payload;
    assert.equal(id.sub, user.sub);
    assert.equal(id.iss, ISSUER);
    for (const hidden of ['dev:custom:secret', 'identities']) assert.ok(!(hidden in id), hidden);
  });

  it("lists a federated user's identities with stringified values, as Cognito does", async () => {
    const identity = (over: Partial<LinkedIdentity>): LinkedIdentity => ({
      poolId: POOL, providerName: 'Google', subject: '102613502779525861182', userId: f.user.id, providerType: 'Google', issuer: null,
      primary: true, lastClaims: '{"secret":"no"}', createdAt: 1_682_704_282_933, updatedAt: 1_682_704_282_999, ...over,
    });
    const identities = [identity({}), identity({ providerName: 'Corp', providerType: 'SAML', subject: 'alice@corp', issuer: 'urn:corp', primary: false })];
    const id = decodeJws(await mintIdToken(f.ring, f.subject({ identities }), NOW)).payload;
    assert.deepEqual(id.identities, [
      { userId: '102613502779525861182', providerName: 'Google', providerType: 'Google', issuer: null, primary: 'true', dateCreated: '1682704282933' },
      { userId: 'alice@corp', providerName: 'Corp', providerType: 'SAML', issuer: 'urn:corp', primary: 'false', dateCreated: '1682704282933' },
    ]);
  });

  it('mints client-credentials tokens without user claims', async () => {
    const client = await putClient(f.store, POOL, { ClientId: 'machine', ClientSecret: 's3cret', AllowedOAuthFlows: ['client_credentials'], CallbackURLs: [] });
    const { header, payload } = decodeJws(await mintClientCredentialsToken(f.ring, { issuer: ISSUER, pool: f.pool, client, scopes: ['api/read', 'api/write'] }, NOW));
    assert.equal(header.kid, (await f.ring.signingKey(POOL, 'access')).kid);
    const { jti, ...rest } = payload;
    assert.match(String(jti), UUID);
    assert.deepEqual(rest, { sub: 'machine', client_id: 'machine', iss: ISSUER, token_use: 'access', scope: 'api/read api/write', iat: IAT, exp: IAT + 3600, version: 2 });
  });

  it('refuses a client of another pool', async () => {
    await assert.rejects(mintAccessToken(f.ring, f.subject({ pool: f.otherPool }), NOW));
  });

  it('answers userInfo with the claims the scopes open', () => {
    assert.deepEqual(userInfoClaims(f.subject({ scopes: ['openid'] })), { sub: f.user.sub, username: 'alice' });
    assert.deepEqual(userInfoClaims(f.subject({ scopes: ['openid', 'email'] })), {
      sub: f.user.sub, username: 'alice', email: 'alice@example.test', email_verified: true,
    });
    assert.deepEqual(userInfoClaims(f.subject({ scopes: ['openid', 'phone'] })), {
      sub: f.user.sub, username: 'alice', phone_number: '+15555550100', phone_number_verified: false,
    });
    assert.deepEqual(userInfoClaims(f.subject({ scopes: ['openid', 'profile'] })), {
      sub: f.user.sub, username: 'alice', name: 'Alice Liddell', 'custom:department': 'tea', 'custom:level': '7',
    });
  });
});
