// The Google adapter against the stand-in OpenID Provider: overridden endpoints with the JWKS beside
// the token URL (no call reaches Google), both issuer spellings, discovery, and refusals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGoogleAdapter, GOOGLE_ISSUER } from '../../providers/google.js';
import { ProviderError, type ProviderAdapter } from '../../providers/provider.js';
import { DEFAULT_OIDC_USER, signInThrough, startOidcFake, type OidcBehaviour, type OidcFake } from '../fakes/oidc-provider.js';

const refusedAs = (kind: ProviderError['kind'], why?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProviderError, String(err));
  assert.equal(err.kind, kind, err.message);
  if (why) assert.match(err.message, why);
  return true;
};

/** ProviderDetails as an operator points Google at a stand-in: the documented endpoint keys only. */
const standIn = (f: OidcFake, extra: Record<string, string> = {}) => ({
  client_id: f.clientId,
  client_secret: f.clientSecret!,
  authorize_url: f.authorizeUrl,
  token_url: f.tokenUrl,
  attributes_url: f.userinfoUrl!,
  ...extra,
});
const google = (details: Record<string, string>): ProviderAdapter => createGoogleAdapter({ name: 'Google', type: 'Google', details });

describe('Google adapter', () => {
  let fake: OidcFake;
  before(async () => {
    fake = await startOidcFake({ issuer: GOOGLE_ISSUER });
  });
  after(() => fake.close());

  it('signs in through overridden endpoints, with the JWKS beside the token URL', async () => {
    const start = fake.requests.length;
    const id = await signInThrough(google(standIn(fake)));
    assert.deepEqual([id.provider, id.subject, id.issuer], ['Google', DEFAULT_OIDC_USER.sub, GOOGLE_ISSUER]);
    assert.equal(id.claims.email, 'jane@example.com');
    assert.equal(id.claims.email_verified, true);
    assert.equal(id.claims.picture, DEFAULT_OIDC_USER.picture, 'from userinfo');
    const seen = fake.requests.slice(start);
    assert.ok(seen.some((r) => r.path === '/oauth2/v3/certs'));
    assert.ok(!seen.some((r) => r.path.endsWith('openid-configuration')));
    assert.equal(seen.find((r) => r.path === '/authorize')!.query.scope, 'openid email profile');
  });

  it('prefixes openid to configured scopes', async () => {
    const start = fake.requests.length;
    await signInThrough(google(standIn(fake, { authorize_scopes: 'email' })));
    assert.equal(fake.requests.slice(start).find((r) => r.path === '/authorize')!.query.scope, 'openid email');
  });

  it('accepts the issuer spelled accounts.google.com', async () => {
    const bare = await startOidcFake({ issuer: 'accounts.google.com' });
    try {
      const id = await signInThrough(google(standIn(bare)));
      assert.equal(id.issuer, GOOGLE_ISSUER);
      assert.equal(id.claims.iss, 'accounts.google.com');
    } finally {
      await bare.close();
    }
  });

  it('does not take the People API (Cognito\'s described default) for userinfo', async () => {
    const start = fake.requests.length;
    const id = await signInThrough(google(standIn(fake, { attributes_url: 'https://people.googleapis.com/v1/people/me?personFields=' })));
    assert.equal(id.claims.picture, undefined);
    assert.ok(!fake.requests.slice(start).some((r) => r.path === '/userinfo'));
  });

  it('normalises email_verified to a boolean', async () => {
    fake.setUser({ ...DEFAULT_OIDC_USER, email_verified: 'false' });
    try {
      const id = await signInThrough(google(standIn(fake)));
      assert.equal(id.claims.email_verified, false);
    } finally {
      fake.setUser(DEFAULT_OIDC_USER);
    }
  });

  it('uses discovery on oidc_issuer when set, and its JWKS', async () => {
    const disc = await startOidcFake();
    try {
      const id = await signInThrough(google({ client_id: disc.clientId, client_secret: disc.clientSecret!, oidc_issuer: disc.issuer }));
      assert.equal(id.issuer, disc.issuer);
      assert.ok(disc.requests.some((r) => r.path === '/.well-known/openid-configuration'));
      assert.ok(disc.requests.some((r) => r.path === '/jwks'));
    } finally {
      await disc.close();
    }
  });

  const refusals: Array<[OidcBehaviour, ProviderError['kind'], RegExp]> = [
    ['deny', 'denied', /access_denied/],
    ['wrong-audience', 'invalid', /"aud"/],
    ['wrong-issuer', 'invalid', /"iss"/],
    ['wrong-nonce', 'invalid', /nonce/],
    ['expired', 'invalid', /"exp"/],
    ['unknown-key', 'invalid', /unknown key/],
    ['alg-none', 'invalid', /"alg"/],
    ['hs256-public-key', 'invalid', /"alg"/],
    ['wrong-azp', 'invalid', /azp/],
    ['userinfo-other-sub', 'invalid', /userinfo/],
    ['token-500', 'unavailable', /token endpoint/],
  ];
  for (const [behaviour, kind, why] of refusals) {
    it(`refuses ${behaviour} as ${kind}`, async () => {
      fake.setBehaviour(behaviour);
      try {
        await assert.rejects(signInThrough(google(standIn(fake))), refusedAs(kind, why));
      } finally {
        fake.setBehaviour('normal');
      }
    });
  }

  it('refuses an issuer spelling it does not know', async () => {
    const other = await startOidcFake({ issuer: 'https://accounts.google.com.evil.example' });
    try {
      await assert.rejects(signInThrough(google(standIn(other))), refusedAs('invalid', /iss/));
    } finally {
      await other.close();
    }
  });
});
