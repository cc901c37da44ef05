// The sign-in core driven directly, without a server: each entrance returns one plain result, every
// entrance goes through the one admission and finishing step (session, code, the same audit event),
// and flows are taken once, only as their kind. Real store (SQLite), real accounts, and a stand-in
// OpenID Provider over HTTP for the federated road.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  answerConfirmation, beginFederated, completeOAuthCallback, completeSamlPost, findSession, FlowError, fromSession, handleLogoutMessage,
  signInWithPassword, validateAuthorize, type AuthDeps, type AuthResult, type ValidRequest,
} from '../../src/auth/index.js';
import { clientSchema, providerSchema } from '../../src/directory/schema.js';
import { Sealer } from '../../src/directory/secrets.js';
import type { Pool } from '../../src/directory/types.js';
import { IdpMetadataSource } from '../../src/federation/saml-metadata.js';
import { KeyRing } from '../../src/tokens/keys.js';
import { RefreshTokens } from '../../src/tokens/refresh.js';
import { SpKeys } from '../../src/tokens/sp-keys.js';
import { AdapterCache } from '../../providers/index.js';
import { sha256 } from '../../src/shared/hashing.js';
import { authorizeLikeABrowser, DEFAULT_OIDC_USER, startOidcFake, type OidcFake } from '../fakes/oidc-provider.js';
import { SecondFactors } from '../../src/native/second-factors.js';
import { confirmedUser, GOOD, harness, type Harness } from '../native/harness.js';

const CB = 'https://app.example/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // a well-formed S256 challenge

describe('the sign-in core (src/auth)', () => {
  let h: Harness;
  let d: AuthDeps;
  let pool: Pool;
  let idp: OidcFake;
  let request: ValidRequest;

  before(async () => {
    h = await harness({ AutoVerifiedAttributes: ['email'] });
    pool = h.pool;
    idp = await startOidcFake({ clientId: 'broker', clientSecret: 'corp-secret' });
    await h.store.pools.putProvider({ poolId: pool.id, name: 'Corp', settings: providerSchema.parse({ ProviderName: 'Corp', ProviderType: 'OIDC', ProviderDetails: idp.details(), AttributeMapping: { email: 'email' } }) });
    await h.store.pools.putClient({
      poolId: pool.id, clientId: 'app', secretHash: null, sealedSecret: null,
      settings: clientSchema.parse({ ClientId: 'app', CallbackURLs: [CB], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid', 'email'], SupportedIdentityProviders: ['COGNITO', 'Corp'] }),
    });
    await h.store.pools.putClient({
      poolId: pool.id, clientId: 'corpOnly', secretHash: null, sealedSecret: null,
      settings: clientSchema.parse({ ClientId: 'corpOnly', CallbackURLs: [CB], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthFlows: ['code'], AllowedOAuthScopes: ['openid'], SupportedIdentityProviders: ['Corp'] }),
    });
    const sealer = new Sealer(undefined);
    d = {
      store: h.store, sealer, adapters: new AdapterCache(), samlMetadata: new IdpMetadataSource({ store: h.store }), spKeys: new SpKeys(h.store, sealer),
      issuerOf: (id) => `https://broker.example/${id}`, now: h.now, accounts: h.accounts, log: h.log, publicUrl: 'https://broker.example',
      secondFactors: new SecondFactors({ store: h.store, delivery: h.delivery, sealer, log: h.log, now: h.now }),
      keys: new KeyRing(h.store, sealer), refresh: new RefreshTokens(h.store),
    };
    request = await requestFor('app');
  });
  after(async () => {
    await idp.close();
    await h.cleanup();
  });

  async function requestFor(clientId: string, extra: Record<string, string> = {}): Promise<ValidRequest> {
    const v = await validateAuthorize({ response_type: 'code', client_id: clientId, redirect_uri: CB, state: 'app-state', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra },
      (id) => h.store.pools.getClient(pool.id, id));
    assert.ok(v.ok);
    return v.request;
  }
  const events = async (type: string) => (await h.store.audit.list(pool.id, { type })).map((e) => e.detail);
  const codeOf = (r: AuthResult) => (r.kind === 'authenticated' ? new URL(r.to).searchParams.get('code') : null);

  describe('the password entrance', () => {
    it('signs in: a new session, a code for the app bound to it, and one sign_in.completed event', async () => {
      const user = await confirmedUser(h, 'ann', 'ann@example.com');
      const r = await signInWithPassword(d, { pool, request, username: 'ann', password: GOOD, ip: '192.0.2.9' });
      assert.equal(r.kind, 'authenticated');
      assert.ok(r.kind === 'authenticated' && r.session);
      const code = await h.store.tokens.consumeAuthCode(sha256(codeOf(r)!), h.now());
      assert.equal(code.status, 'ok');
      assert.ok(code.status === 'ok' && code.code.userId === user.id && code.code.sessionId === sha256(r.session.id));
      assert.equal(new URL(r.to).searchParams.get('state'), 'app-state');
      assert.equal((await findSession(d, pool.id, r.session.id))?.user.id, user.id);
      assert.deepEqual((await events('sign_in.completed')).at(0), { via: 'COGNITO', entrance: 'password' });
    });

    it('returns a refusal with the typed error and opens nothing', async () => {
      const before = (await events('sign_in.completed')).length;
      const r = await signInWithPassword(d, { pool, request, username: 'ann', password: 'wrong password', ip: null });
      assert.equal(r.kind, 'failed');
      assert.ok(r.kind === 'failed' && r.error.code === 'NotAuthorizedException' && r.app?.redirect_uri === CB);
      assert.equal((await events('sign_in.completed')).length, before);
    });

    it('stops an unconfirmed account at CONFIRM_SIGN_UP; the handle continues it once, for that user only', async () => {
      const { user } = await h.accounts.signUp(pool, { clientId: 'app', username: 'bo', password: GOOD, attributes: { email: 'bo@example.com' } });
      const r = await signInWithPassword(d, { pool, request, username: 'bo', password: GOOD, ip: null });
      assert.ok(r.kind === 'challenge' && r.name === 'CONFIRM_SIGN_UP');
      const confirmed = await h.accounts.confirmSignUp(pool, 'bo', await h.lastCode('bo@example.com'));
      const other = await confirmedUser(h, 'cy', 'cy@example.com');
      assert.equal(await answerConfirmation(d, { pool, request, session: r.session, user: other, ip: null }), null, 'another user cannot use the handle');
      const again = await signInWithPassword(d, { pool, request, username: 'bo', password: GOOD, ip: null });
      assert.equal(again.kind, 'authenticated', 'confirmed now, the password signs in');
      assert.equal(user.id, confirmed.id);
      // The handle was taken by the refused attempt above: single use.
      assert.equal(await answerConfirmation(d, { pool, request, session: r.session, user: confirmed, ip: null }), null);
    });

    it('continues a confirmed sign-up through the challenge handle, audited like any sign-in', async () => {
      await h.accounts.signUp(pool, { clientId: 'app', username: 'dee', password: GOOD, attributes: { email: 'dee@example.com' } });
      const r = await signInWithPassword(d, { pool, request, username: 'dee', password: GOOD, ip: null });
      assert.ok(r.kind === 'challenge');
      const user = await h.accounts.confirmSignUp(pool, 'dee', await h.lastCode('dee@example.com'));
      const done = await answerConfirmation(d, { pool, request, session: r.session, user, ip: null });
      assert.equal(done?.kind, 'authenticated');
      assert.deepEqual((await h.store.audit.list(pool.id, { userId: user.id, type: 'sign_in.completed' })).map((e) => e.detail), [{ via: 'COGNITO', entrance: 'confirmation' }]);
    });

    it('stops a temporary password at NEW_PASSWORD_REQUIRED, with no session', async () => {
      const user = await confirmedUser(h, 'eve', 'eve@example.com');
      await h.store.users.updateUser(pool.id, user.id, { status: 'FORCE_CHANGE_PASSWORD' });
      const r = await signInWithPassword(d, { pool, request, username: 'eve', password: GOOD, ip: null });
      assert.ok(r.kind === 'challenge' && r.name === 'NEW_PASSWORD_REQUIRED' && r.session.length === 43);
    });
  });

  describe('the federated entrances', () => {
    const BINDING = 'b'.repeat(43);
    async function atProvider(req = request): Promise<{ method: 'GET' | 'POST'; params: Record<string, string> }> {
      const begun = await beginFederated(d, { pool, request: req, binding: BINDING });
      assert.equal(begun.kind, 'redirect');
      return authorizeLikeABrowser(begun.kind === 'redirect' ? begun.to : '');
    }

    it('begins at the provider the app offers and completes through the same finishing step', async () => {
      const cb = await atProvider(await requestFor('app', { identity_provider: 'Corp' }));
      const r = await completeOAuthCallback(d, { pool, ...cb, browser: { binding: BINDING, ip: '192.0.2.7' } });
      assert.equal(r.kind, 'authenticated');
      assert.ok(r.kind === 'authenticated' && r.user.username === `Corp_${DEFAULT_OIDC_USER.sub}` && r.session);
      assert.deepEqual((await events('sign_in.completed')).at(0), { via: 'Corp', entrance: 'federated' });
    });

    it('refuses a provider the app does not offer, before anything is kept', async () => {
      const r = await beginFederated(d, { pool, request: await requestFor('app', { identity_provider: 'Nope' }), binding: BINDING });
      assert.ok(r.kind === 'failed' && r.error instanceof FlowError && r.error.reason === 'unknown_provider');
    });

    it('takes a flow once and only in the browser that began it', async () => {
      const cb = await atProvider(await requestFor('app', { identity_provider: 'Corp' }));
      const stolen = await completeOAuthCallback(d, { pool, ...cb, browser: { binding: 'x'.repeat(43), ip: null } });
      assert.ok(stolen.kind === 'failed' && stolen.error instanceof FlowError && stolen.error.reason === 'other_browser');
      const replay = await completeOAuthCallback(d, { pool, ...cb, browser: { binding: BINDING, ip: null } });
      assert.ok(replay.kind === 'failed' && replay.error instanceof FlowError && replay.error.reason === 'expired');
      const none = await completeOAuthCallback(d, { pool, method: 'GET', params: {}, browser: { binding: BINDING, ip: null } });
      assert.ok(none.kind === 'failed' && none.error instanceof FlowError && none.error.reason === 'no_state');
    });

    it('never takes a flow as another kind: a challenge handle is no state, an OAuth state no SAML RelayState', async () => {
      await h.accounts.signUp(pool, { clientId: 'app', username: 'fay', password: GOOD, attributes: { email: 'fay@example.com' } });
      const challenge = await signInWithPassword(d, { pool, request, username: 'fay', password: GOOD, ip: null });
      assert.ok(challenge.kind === 'challenge');
      const asState = await completeOAuthCallback(d, { pool, method: 'GET', params: { state: challenge.session, code: 'x' }, browser: { binding: BINDING, ip: null } });
      assert.ok(asState.kind === 'failed' && asState.error instanceof FlowError && asState.error.reason === 'expired');
      const cb = await atProvider(await requestFor('app', { identity_provider: 'Corp' }));
      const asRelay = await completeSamlPost(d, { pool, fields: { SAMLResponse: 'PHNhbWw+', RelayState: cb.params.state! }, browser: { binding: BINDING, ip: null } });
      assert.ok(asRelay.kind === 'failed' && asRelay.error instanceof FlowError && asRelay.error.reason === 'unsolicited');
    });

    it('admits a federated user like any other: a disabled one is refused and audited, and gets no session', async () => {
      const user = await h.store.users.findUserByUsername(pool.id, `Corp_${DEFAULT_OIDC_USER.sub}`);
      await h.store.users.updateUser(pool.id, user!.id, { enabled: false });
      const cb = await atProvider(await requestFor('app', { identity_provider: 'Corp' }));
      const r = await completeOAuthCallback(d, { pool, ...cb, browser: { binding: BINDING, ip: null } });
      assert.ok(r.kind === 'failed' && r.error.code === 'NotAuthorizedException' && r.error.message === 'User is disabled.');
      assert.deepEqual((await events('sign_in.refused')).at(0), { via: 'Corp', entrance: 'federated', reason: 'NotAuthorizedException' });
      await h.store.users.updateUser(pool.id, user!.id, { enabled: true });
    });
  });

  describe('single sign-on and sign-out', () => {
    it('lets a session serve only apps that accept where it came from', async () => {
      const r = await signInWithPassword(d, { pool, request, username: 'ann', password: GOOD, ip: null });
      assert.ok(r.kind === 'authenticated' && r.session);
      const current = await findSession(d, pool.id, r.session.id);
      const same = await fromSession(d, { pool, request, current, ip: null });
      assert.ok(same?.kind === 'authenticated' && same.session === null, 'the open session serves, and no new one opens');
      assert.equal(await fromSession(d, { pool, request: await requestFor('corpOnly'), current, ip: null }), null, 'a Corp-only app never gets a password session');
      assert.deepEqual((await events('sign_in.completed')).at(0), { via: 'COGNITO', entrance: 'session' });
    });

    it('refuses a sign-out message no identity provider of the pool signed', async () => {
      const r = await handleLogoutMessage(d, { pool, query: { SAMLRequest: 'x' }, rawQuery: 'SAMLRequest=x', ip: null });
      assert.ok(r.kind === 'failed' && r.error instanceof FlowError && r.error.reason === 'logout');
    });
  });
});
