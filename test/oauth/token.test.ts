// The token endpoint's refusals (docs/security.md, "Authorization requests and the token endpoint"):
// single-use codes bound to client, redirect URI and PKCE; client authentication; RFC 6749 §5.2 error
// shapes; no caching. Refresh rotation and reuse are in test/tokens/refresh.test.ts and oidc-rp.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/shared/hashing.js';
import { Browser } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { claimsOf } from '../support/jwt.js';
import { FLOW_CONFIG, POOL, SPA_CB, WEB_CB, WEB_SECRET } from './flow-config.js';
import { basic, logIn, pkce, signUp, spaParams, tokenRequest } from './helpers.js';

describe('token endpoint', () => {
  let broker: TestBroker;
  const EMAIL = 'tom@example.com';
  const PASSWORD = 'tom-has-a-long-password';
  before(async () => {
    broker = await startTestBroker(FLOW_CONFIG);
    await signUp(broker, EMAIL, PASSWORD);
  });
  after(() => broker.close());

  /** A fresh code for the public client, with its PKCE verifier. */
  async function spaCode(): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkce();
    const res = await logIn(new Browser(), broker, spaParams(challenge), EMAIL, PASSWORD);
    return { code: new URL(res.location!).searchParams.get('code')!, verifier };
  }
  const exchange = (code: string, verifier: string | undefined, extra: Record<string, string> = {}) =>
    tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: SPA_CB, ...(verifier ? { code_verifier: verifier } : {}), ...extra });

  it('exchanges a code once; a second use is refused and revokes what the first issued', async () => {
    const { code, verifier } = await spaCode();
    const first = await exchange(code, verifier);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const second = await exchange(code, verifier);
    assert.equal(second.status, 400);
    assert.equal(second.json.error, 'invalid_grant');
    const refresh = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: String(first.json.refresh_token) });
    assert.equal(refresh.json.error, 'invalid_grant', 'the refresh token from the first use is revoked');
  });

  it('binds the code to its client, redirect URI and PKCE verifier', async () => {
    for (const [extra, error] of [
      [{ redirect_uri: 'http://127.0.0.1:5555/other' }, 'invalid_grant'],
      [{ client_id: 'other' }, 'invalid_grant'],
      [{ code_verifier: pkce().verifier }, 'invalid_grant'],
      [{ code_verifier: 'too-short' }, 'invalid_request'],
    ] as const) {
      const { code, verifier } = await spaCode();
      const res = await exchange(code, verifier, extra);
      assert.equal(res.status, 400, JSON.stringify(extra));
      assert.equal(res.json.error, error, JSON.stringify(extra));
    }
    const { code } = await spaCode();
    assert.equal((await exchange(code, undefined)).json.error, 'invalid_grant', 'a missing verifier');
  });

  it('refuses an expired code, even before clean-up', async () => {
    const { code, verifier } = await spaCode();
    // Age the code in the directory itself (five minutes are not waited out in a test).
    const consumed = await broker.store.tokens.consumeAuthCode(sha256(code), Date.now());
    assert.equal(consumed.status, 'ok');
    const c = consumed.status === 'ok' ? consumed.code : null;
    const expired = { ...c!, hash: sha256('aged-code'), expiresAt: Date.now() - 1, consumedAt: undefined };
    delete (expired as Partial<typeof expired>).consumedAt;
    await broker.store.tokens.saveAuthCode(expired);
    assert.equal((await exchange('aged-code', verifier)).json.error, 'invalid_grant');
  });

  it('refuses a PKCE downgrade: a verifier for a request without a challenge', async () => {
    const browser = new Browser();
    const res = await logIn(browser, broker, { response_type: 'code', client_id: 'web', redirect_uri: WEB_CB, scope: 'openid' }, EMAIL, PASSWORD);
    const code = new URL(res.location!).searchParams.get('code')!;
    const r = await tokenRequest(broker, { grant_type: 'authorization_code', code, redirect_uri: WEB_CB, code_verifier: pkce().verifier }, basic('web', WEB_SECRET));
    assert.equal(r.json.error, 'invalid_grant');
  });

  it('authenticates confidential clients by basic or post, and refuses everything else', async () => {
    const form = { grant_type: 'client_credentials', scope: 'api/read' };
    assert.equal((await tokenRequest(broker, form, basic('svc', 'svc-client-secret-for-tests-0123'))).status, 200);
    assert.equal((await tokenRequest(broker, { ...form, client_id: 'svc', client_secret: 'svc-client-secret-for-tests-0123' })).status, 200);
    const wrong = await tokenRequest(broker, form, basic('svc', 'wrong-secret'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error, 'invalid_client');
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic/);
    assert.equal((await tokenRequest(broker, { ...form, client_id: 'svc' })).json.error, 'invalid_client', 'no secret');
    assert.equal((await tokenRequest(broker, { ...form, client_id: 'spa', client_secret: 'made-up' })).json.error, 'invalid_client', 'a public client with a secret');
    assert.equal((await tokenRequest(broker, { ...form, client_id: 'nobody' })).status, 401);
    assert.equal((await tokenRequest(broker, { ...form, client_id: 'svc', client_secret: 'svc-client-secret-for-tests-0123' }, basic('svc', 'svc-client-secret-for-tests-0123'))).json.error, 'invalid_request', 'two methods at once');
    assert.equal((await tokenRequest(broker, { grant_type: 'client_credentials', client_id: 'spa' })).json.error, 'unauthorized_client');
    assert.equal((await tokenRequest(broker, { grant_type: 'password', client_id: 'spa' })).json.error, 'unsupported_grant_type');
    assert.equal((await tokenRequest(broker, { client_id: 'spa' })).json.error, 'invalid_request');
  });

  it('binds refresh tokens to their client and refuses wider scopes', async () => {
    const { code, verifier } = await spaCode();
    const tokens = await exchange(code, verifier);
    const refresh = String(tokens.json.refresh_token);
    assert.equal((await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'other', refresh_token: refresh })).json.error, 'invalid_grant');
    assert.equal((await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refresh, scope: 'openid profile' })).json.error, 'invalid_scope');
    const ok = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refresh });
    assert.equal(ok.status, 200, 'still valid: the refusals revoked nothing');
    assert.ok(ok.json.id_token && ok.json.access_token);
  });

  it('issues tokens with a narrower scope when a refresh asks for one (RFC 6749 §6), and keeps the grant', async () => {
    const { code, verifier } = await spaCode();
    const refresh = String((await exchange(code, verifier)).json.refresh_token);
    const scopeOf = (jwt: unknown) => claimsOf(String(jwt)).scope as string;
    const narrow = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refresh, scope: 'email' });
    assert.equal(narrow.status, 200, JSON.stringify(narrow.json));
    assert.equal(scopeOf(narrow.json.access_token), 'email');
    assert.equal(narrow.json.id_token, undefined, 'no ID token without openid');
    const openid = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refresh, scope: 'openid' });
    assert.equal(scopeOf(openid.json.access_token), 'openid');
    assert.ok(openid.json.id_token);
    const full = await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: refresh });
    assert.equal(scopeOf(full.json.access_token), 'openid email', 'the refresh token keeps the whole grant');
  });

  it('refuses a parameter sent twice (RFC 6749 §3.2)', async () => {
    const { code, verifier } = await spaCode();
    const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: SPA_CB, code_verifier: verifier });
    body.append('code', 'another');
    const res = await fetch(`${broker.issuer(POOL)}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: 'invalid_request', error_description: 'code must not be repeated' });
    assert.equal((await exchange(code, verifier)).status, 200, 'the refused request used nothing up');
  });

  it('revokes (RFC 7009): unknown tokens answer 200, access tokens are not revocable here', async () => {
    const revoke = (form: Record<string, string>) =>
      fetch(`${broker.issuer(POOL)}/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    assert.equal((await revoke({ client_id: 'spa', token: 'no-such-token' })).status, 200);
    const { code, verifier } = await spaCode();
    const tokens = await exchange(code, verifier);
    const byOther = await revoke({ client_id: 'other', token: String(tokens.json.refresh_token) });
    assert.equal(byOther.status, 400);
    assert.equal((await revoke({ client_id: 'spa', token: String(tokens.json.access_token) })).status, 400);
    assert.equal((await revoke({ client_id: 'spa' })).status, 400);
    assert.equal((await revoke({ client_id: 'spa', token: String(tokens.json.refresh_token) })).status, 200);
    assert.equal((await tokenRequest(broker, { grant_type: 'refresh_token', client_id: 'spa', refresh_token: String(tokens.json.refresh_token) })).json.error, 'invalid_grant');
  });

  it('refuses an ID token at userInfo and a token of another pool', async () => {
    const { code, verifier } = await spaCode();
    const tokens = await exchange(code, verifier);
    const call = (token: string) => fetch(`${broker.issuer(POOL)}/oauth2/userInfo`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call(String(tokens.json.access_token))).status, 200);
    const asId = await call(String(tokens.json.id_token));
    assert.equal(asId.status, 401);
    assert.match(asId.headers.get('www-authenticate') ?? '', /invalid_token/);
    const [h, p] = String(tokens.json.access_token).split('.');
    assert.equal((await call(`${h}.${p}.`)).status, 401, 'unsigned');
    assert.equal((await fetch(`${broker.issuer(POOL)}/oauth2/userInfo`)).status, 400);
  });
});
