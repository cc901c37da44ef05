// The whole federated road through the broker, against the Facebook and Login with Amazon stand-ins:
// authorize → provider → idpresponse → the app's code → the pool's tokens; refusals; mapping on every
// sign-in; concurrent first sign-ins; linking.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { linkProviderForUser } from '../../src/federation/users.js';
import { DEFAULT_AMAZON_USER, startAmazonFake, type AmazonFake } from '../fakes/amazon.js';
import { DEFAULT_FACEBOOK_USER, startFacebookFake, type FacebookFake } from '../fakes/facebook.js';
import { pkce, tokenRequest } from '../oauth/helpers.js';
import { Browser, type Response } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { claimsOf } from '../support/jwt.js';

const POOL = 'local_Fed1';
const CB = 'http://127.0.0.1:5565/cb';


describe('social federation through the broker', () => {
  let broker: TestBroker;
  let facebook: FacebookFake;
  let amazon: AmazonFake;
  const { verifier, challenge } = pkce();

  before(async () => {
    facebook = await startFacebookFake();
    amazon = await startAmazonFake();
    broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: Federation pool
    Clients:
      - ClientId: app
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email, profile]
        SupportedIdentityProviders: [COGNITO, Facebook, LoginWithAmazon]
    IdentityProviders:
      - ProviderName: Facebook
        ProviderType: Facebook
        ProviderDetails: ${JSON.stringify({ ...facebook.details('fb-app-id', 'fb-app-secret'), authorize_scopes: 'public_profile,email' })}
        AttributeMapping: { email: email, name: name, given_name: first_name, picture: picture.data.url }
      - ProviderName: LoginWithAmazon
        ProviderType: LoginWithAmazon
        ProviderDetails: ${JSON.stringify({ ...amazon.details('amzn1.application-oa2-client.test', 'amazon-secret'), authorize_scopes: 'profile postal_code' })}
        AttributeMapping: { email: email, name: name }
`);
  });
  after(async () => {
    await broker.close();
    await facebook.close();
    await amazon.close();
  });

  const authorize = (provider: string, state = 'app-state') =>
    `${broker.issuer(POOL)}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'app', redirect_uri: CB, scope: 'openid email profile', state, code_challenge: challenge, code_challenge_method: 'S256', identity_provider: provider,
    })}`;

  /** Browser → broker → provider → broker; returns the broker's answer to the provider's callback. */
  async function roundTrip(browser: Browser, provider: string): Promise<{ toProvider: Response; callback: Response }> {
    const toProvider = await browser.get(authorize(provider));
    assert.equal(toProvider.status, 302, toProvider.body);
    const fromProvider = await browser.get(toProvider.location!);
    assert.equal(fromProvider.status, 302, fromProvider.body);
    assert.ok(fromProvider.location!.startsWith(`${broker.issuer(POOL)}/oauth2/idpresponse?`));
    return { toProvider, callback: await browser.get(fromProvider.location!) };
  }

  async function tokensFor(callback: Response): Promise<Record<string, unknown>> {
    assert.equal(callback.status, 302, callback.body);
    const url = new URL(callback.location!);
    assert.equal(`${url.origin}${url.pathname}`, CB);
    assert.equal(url.searchParams.get('state'), 'app-state');
    const tokens = await tokenRequest(broker, { grant_type: 'authorization_code', client_id: 'app', code: url.searchParams.get('code')!, redirect_uri: CB, code_verifier: verifier }, {}, POOL);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    return claimsOf(String(tokens.json.id_token));
  }

  it('signs a Facebook user in and gives the app the pool\'s own tokens', async () => {
    facebook.setBehaviour('normal');
    facebook.setUser(DEFAULT_FACEBOOK_USER);
    const { callback } = await roundTrip(new Browser(), 'Facebook');
    const id = await tokensFor(callback);
    assert.equal(id['cognito:username'], `Facebook_${DEFAULT_FACEBOOK_USER.id}`);
    assert.equal(id.email, DEFAULT_FACEBOOK_USER.email);
    assert.equal(id.email_verified, false, 'Facebook does not verify emails for us');
    assert.deepEqual(id['cognito:groups'], [`${POOL}_Facebook`]);
    const identities = id.identities as Record<string, unknown>[];
    assert.equal(identities.length, 1);
    assert.equal(identities[0]!.userId, DEFAULT_FACEBOOK_USER.id);
    assert.equal(identities[0]!.providerName, 'Facebook');
    assert.equal(identities[0]!.providerType, 'Facebook');
    assert.equal(identities[0]!.issuer, null);
    assert.equal(identities[0]!.primary, 'true');
    const user = (await broker.store.users.findUserByUsername(POOL, `Facebook_${DEFAULT_FACEBOOK_USER.id}`))!;
    assert.equal(user.status, 'EXTERNAL_PROVIDER');
    assert.equal(user.attributes.picture, (DEFAULT_FACEBOOK_USER.picture as { data: { url: string } }).data.url, 'a dotted path reaches nested claims');
  });

  it('rewrites mapped attributes at every sign-in, and leaves alone what the provider no longer sends', async () => {
    facebook.setUser({ ...DEFAULT_FACEBOOK_USER, name: 'Renamed Person', first_name: undefined });
    const id = await tokensFor((await roundTrip(new Browser(), 'Facebook')).callback);
    assert.equal(id.name, 'Renamed Person');
    assert.equal(id.given_name, DEFAULT_FACEBOOK_USER.first_name, 'an absent claim leaves the attribute');
    assert.equal((await broker.store.users.listUsers(POOL, { filter: { attribute: 'username', op: '^=', value: 'Facebook_' } })).items.length, 1, 'the same user');
  });

  it('refuses a callback replayed, from another browser, or without state, and makes no code', async () => {
    facebook.setUser(DEFAULT_FACEBOOK_USER);
    const browser = new Browser();
    const toProvider = await browser.get(authorize('Facebook'));
    const fromProvider = await browser.get(toProvider.location!);
    const stolen = await new Browser().get(fromProvider.location!);
    assert.equal(stolen.status, 400);
    assert.match(stolen.body, /another browser|expired or was already used/);
    const replay = await browser.get(fromProvider.location!);
    assert.equal(replay.status, 400, 'the flow was used up by the first attempt');
    assert.equal(replay.location, undefined);
    const forged = await browser.get(fromProvider.location!.replace(/state=[^&]+/, 'state=forged'));
    assert.equal(forged.status, 400);
    const none = await browser.get(`${broker.issuer(POOL)}/oauth2/idpresponse?code=x`);
    assert.equal(none.status, 400);
  });

  it('passes a denial to the app as error=access_denied with its state', async () => {
    facebook.setBehaviour('deny');
    const { callback } = await roundTrip(new Browser(), 'Facebook');
    assert.equal(callback.status, 302);
    const url = new URL(callback.location!);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 'app-state');
    assert.equal(url.searchParams.get('code'), null);
    facebook.setBehaviour('normal');
  });

  it('refuses a token issued to another app, and a provider that is down: a page for the user, an error for the app, no user', async () => {
    facebook.setUser({ ...DEFAULT_FACEBOOK_USER, id: '999000111' });
    for (const [behaviour, status, error] of [['other-app', 400, 'invalid_request'], ['other-user', 400, 'invalid_request'], ['down', 502, 'temporarily_unavailable']] as const) {
      facebook.setBehaviour(behaviour);
      const { callback } = await roundTrip(new Browser(), 'Facebook');
      assert.equal(callback.status, status, behaviour);
      assert.equal(callback.location, undefined, 'no redirect with a code');
      const back = /href="([^"]+)">Return to the app/.exec(callback.body)?.[1]?.replace(/&amp;/g, '&');
      assert.equal(new URL(back!).searchParams.get('error'), error, behaviour);
      assert.equal(await broker.store.users.findUserByUsername(POOL, 'Facebook_999000111'), null, behaviour);
    }
    facebook.setBehaviour('normal');
  });

  it('maps one Amazon subject to one user under 20 concurrent first sign-ins', async () => {
    amazon.setBehaviour('normal');
    amazon.setUser({ ...DEFAULT_AMAZON_USER, user_id: 'amzn1.account.RACE' });
    const results = await Promise.all(Array.from({ length: 20 }, async () => (await roundTrip(new Browser(), 'LoginWithAmazon')).callback));
    for (const r of results) assert.equal(r.status, 302, r.body);
    const subs = new Set(await Promise.all(results.map(async (r) => (await tokensFor(r)).sub)));
    assert.equal(subs.size, 1, 'one user');
    assert.equal((await broker.store.users.listUsers(POOL, { filter: { attribute: 'username', op: '=', value: 'LoginWithAmazon_amzn1.account.RACE' } })).items.length, 1);
  });

  it('signs a linked identity in as the existing user', async () => {
    const native = await broker.store.users.createUser({ poolId: POOL, username: 'dana', status: 'CONFIRMED', attributes: { email: 'dana@example.com', email_verified: 'true' } });
    const pool = (await broker.store.pools.getPool(POOL))!;
    const provider = (await broker.store.pools.getProvider(POOL, 'LoginWithAmazon'))!;
    await linkProviderForUser(broker.store, pool, provider, 'amzn1.account.DANA', 'dana');
    amazon.setUser({ ...DEFAULT_AMAZON_USER, user_id: 'amzn1.account.DANA', name: 'Dana from Amazon' });
    const id = await tokensFor((await roundTrip(new Browser(), 'LoginWithAmazon')).callback);
    assert.equal(id.sub, native.sub);
    assert.equal(id['cognito:username'], 'dana');
    assert.ok((id.identities as { providerName: string }[]).some((i) => i.providerName === 'LoginWithAmazon'));
    assert.equal(await broker.store.users.findUserByUsername(POOL, 'LoginWithAmazon_amzn1.account.DANA'), null, 'no second user');
  });

  it('shows an operator what the mapping makes of the claims an identity last sent', async () => {
    const { MONGODB_URI: _mongo, ...env } = process.env;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'preview-mapping', POOL, 'Facebook', DEFAULT_FACEBOOK_USER.id],
      { env: { ...env, DATA_DIR: broker.dataDir, BROKER_CONFIG: `${broker.dataDir}/broker.yaml`, BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789' } });
    const preview = JSON.parse(stdout) as { claims: Record<string, unknown>; attributes: Record<string, string> };
    assert.equal(preview.claims.id, DEFAULT_FACEBOOK_USER.id, 'the raw claims, kept as data');
    assert.equal(preview.attributes.email, DEFAULT_FACEBOOK_USER.email);
    assert.equal(preview.attributes.picture, (DEFAULT_FACEBOOK_USER.picture as { data: { url: string } }).data.url);
  });

  it('never hands a federated identity to a native account that took its user name', async () => {
    // Sign-up refuses names shaped like a federated user's…
    const pool = (await broker.store.pools.getPool(POOL))!;
    const { Accounts } = await import('../../src/native/accounts.js');
    const accounts = new Accounts({ store: broker.store, delivery: { queue: async () => {} } as never, log: (await import('pino')).pino({ level: 'silent' }) });
    await assert.rejects(accounts.signUp(pool, { clientId: 'app', username: 'facebook_424242', password: 'a-long-password-here', attributes: {} }), /identity provider/);
    // …and one that exists anyway (made before the provider was added) is not taken over.
    const squatter = await broker.store.users.createUser({ poolId: POOL, username: 'Facebook_424242', status: 'CONFIRMED', passwordHash: 'x' });
    facebook.setBehaviour('normal');
    facebook.setUser({ ...DEFAULT_FACEBOOK_USER, id: '424242' });
    const { callback } = await roundTrip(new Browser(), 'Facebook');
    assert.equal(callback.status, 400);
    assert.equal(callback.location, undefined, 'no code');
    assert.deepEqual(await broker.store.identities.listIdentities(POOL, squatter.id), []);
  });

  it('offers a button per provider on the hosted page, in its usual wording', async () => {
    const page = await new Browser().get(`${broker.issuer(POOL)}/login?${new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: CB, code_challenge: challenge, code_challenge_method: 'S256' })}`);
    assert.match(page.body, /Continue with Facebook/);
    assert.match(page.body, /Login with Amazon/);
    assert.match(page.body, /href="\/local_Fed1\/oauth2\/authorize\?[^"]*identity_provider=Facebook/);
  });
});
