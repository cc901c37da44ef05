// Usernames as RFC 8265 prepares them and look-alikes refused by their UTS #39 skeleton (issue 17 §8),
// and identifiers with control characters refused from every source (§6), all over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authorizeLikeABrowser, DEFAULT_OIDC_USER, startOidcFake, type OidcFake } from '../fakes/oidc-provider.js';
import { pkce, submit } from '../oauth/helpers.js';
import { Browser, type Response } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';

const POOL = 'local_Names1';
const CB = 'http://127.0.0.1:5581/cb';
const PASSWORD = 'a long enough password';
const message = (res: Response) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(res.body)?.[1];

describe('usernames', () => {
  let broker: TestBroker;
  let corp: OidcFake;
  const { challenge } = pkce();
  const params = { response_type: 'code', client_id: 'app', redirect_uri: CB, scope: 'openid', state: 's', code_challenge: challenge, code_challenge_method: 'S256' };

  before(async () => {
    corp = await startOidcFake({ clientId: 'broker', clientSecret: 'corp-secret' });
    broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: Names
    AliasAttributes: [preferred_username]
    Schema: [{ Name: email, Required: true }]
    Clients:
      - ClientId: app
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid]
        SupportedIdentityProviders: [COGNITO, Corp]
    IdentityProviders:
      - ProviderName: Corp
        ProviderType: OIDC
        ProviderDetails: ${JSON.stringify(corp.details())}
        AttributeMapping: { email: email }
`);
  });
  after(async () => {
    await broker.close();
    await corp.close();
  });

  async function signUpAs(username: string): Promise<Response> {
    const browser = new Browser();
    const page = await browser.get(`${broker.issuer(POOL)}/signup?${new URLSearchParams(params)}`);
    return submit(browser, broker, page, '/signup', { username, email: 'someone@example.com', password: PASSWORD });
  }

  it('folds compatibility forms and refuses look-alikes of an existing name', async () => {
    assert.equal((await signUpAs('alice')).status, 303);
    for (const lookalike of ['ａlice', 'ａｌｉｃｅ', 'аlice' /* Cyrillic а */, 'ALICE', 'alicе' /* Cyrillic е */, 'aIice' /* capital I */]) {
      const res = await signUpAs(lookalike);
      assert.equal(res.status, 400, `${lookalike}: ${[...lookalike].map((c) => c.codePointAt(0)!.toString(16))}`);
      assert.equal(message(res), 'User already exists', lookalike);
    }
    const users = await broker.store.users.listUsers(POOL);
    assert.deepEqual(users.items.map((u) => u.username), ['alice'], 'one account');
  });

  it('refuses characters no username should hold, naming them', async () => {
    for (const [name, code] of [['bob★', 'U+2605'], ['bob™', 'U+2122'], ['bob…', 'U+2026']] as const) {
      const res = await signUpAs(name);
      assert.equal(res.status, 400, name);
      assert.match(message(res) ?? '', new RegExp(`not allowed.*${code.replace('+', '\\+')}`), name);
    }
    for (const name of ['bob\u00a0smith', 'bob\u200d', 'bob\u0000']) assert.equal((await signUpAs(name)).status, 400, JSON.stringify(name));
    assert.equal((await broker.store.users.listUsers(POOL)).items.filter((u) => u.username.startsWith('bob')).length, 0);
  });

  it('stores the prepared form, so a fullwidth sign-in finds it', async () => {
    assert.equal((await signUpAs('ｄａｖｅ')).status, 303);
    assert.ok(await broker.store.users.findUserByUsername(POOL, 'dave'), 'kept as dave');
  });

  it('refuses a federated subject with control characters, and creates no user', async () => {
    for (const sub of ['evil\nadmin', 'evil\u0000', 'evil\r\nSet-Cookie: x', 'a\u2028b']) {
      corp.setUser({ ...DEFAULT_OIDC_USER, sub });
      const browser = new Browser();
      const toCorp = await browser.get(`${broker.issuer(POOL)}/oauth2/authorize?${new URLSearchParams({ ...params, identity_provider: 'Corp' })}`);
      const back = await authorizeLikeABrowser(toCorp.location!);
      const res = await browser.get(`${back.to}?${new URLSearchParams(back.params)}`);
      assert.ok(!res.location?.includes('code='), JSON.stringify(sub));
      assert.match(res.body + (res.location ?? ''), /not allowed/, JSON.stringify(sub));
      assert.equal(await broker.store.identities.findIdentity(POOL, 'Corp', sub), null);
    }
    assert.equal((await broker.store.users.listUsers(POOL)).items.filter((u) => u.username.startsWith('Corp_')).length, 0);
  });
});
