// Each adapter's ProviderDetails schema: a bad value is refused when the provider is registered (the
// broker does not start, and the message names the field) instead of at the first sign-in; every good
// configuration (the shipped ones, the examples, the fakes' and the tests' settings) is still accepted.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { checkProviderDetails } from '../../providers/index.js';
import type { ProviderType } from '../../src/shared/provider-types.js';
import { loadSettings, SettingsError } from '../../src/settings.js';
import { startAmazonFake, type AmazonFake } from '../fakes/amazon.js';
import { startFacebookFake, type FacebookFake } from '../fakes/facebook.js';
import { startOidcFake, type OidcFake } from '../fakes/oidc-provider.js';

const pkcs8 = (type: 'ec' | 'rsa' | 'ed25519', namedCurve?: string) =>
  (type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: namedCurve! })
    : type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ed25519')
  ).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const P256 = pkcs8('ec', 'prime256v1');
const SEC1_P256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();

const GOOD: Record<Exclude<ProviderType, 'SAML'>, Record<string, string>> = {
  Google: { client_id: '1234567890-abc.apps.googleusercontent.com', client_secret: 'GOCSPX-secret' },
  SignInWithApple: { client_id: 'com.example.web', team_id: 'ABCDE12345', key_id: 'XYZ987ABCD', private_key: P256 },
  Facebook: { client_id: '1234567890123456', client_secret: 'fb-secret' },
  LoginWithAmazon: { client_id: 'amzn1.application-oa2-client.x', client_secret: 'amzn-secret' },
  OIDC: { client_id: 'broker', client_secret: 'corp-secret', oidc_issuer: 'https://login.example.com/realms/corp' },
};

/** [type, key, value ('<absent>' removes the key), what the message says]: each refused naming exactly that key. */
const BAD: Array<[Exclude<ProviderType, 'SAML'>, string, string, RegExp]> = [
  ['Google', 'client_id', '<absent>', /is required/],
  ['Google', 'client_id', '', /is required/],
  ['Google', 'client_secret', '<absent>', /is required/],
  ['Google', 'token_url', 'http://oauth2.example.com/token', /must be https/],
  ['Google', 'jwks_uri', 'not a url', /must be https/],
  ['Google', 'oidc_issuer', 'https://accounts.google.com/?x=1', /no query or fragment/],
  ['Google', 'authorize_scopes', 'openid "email"', /scopes/],

  ['SignInWithApple', 'private_key', 'not a key', /PKCS#8 P-256/],
  ['SignInWithApple', 'private_key', '-----BEGIN PRIVATE KEY-----\nreplace me\n-----END PRIVATE KEY-----', /PKCS#8 P-256/],
  ['SignInWithApple', 'private_key', SEC1_P256, /PKCS#8 P-256/],
  ['SignInWithApple', 'private_key', pkcs8('ec', 'secp384r1'), /PKCS#8 P-256/],
  ['SignInWithApple', 'private_key', pkcs8('rsa'), /PKCS#8 P-256/],
  ['SignInWithApple', 'private_key', pkcs8('ed25519'), /PKCS#8 P-256/],
  ['SignInWithApple', 'private_key', '<absent>', /is required/],
  ['SignInWithApple', 'team_id', 'abcde12345', /Team ID/],
  ['SignInWithApple', 'team_id', 'ABCDE1234', /Team ID/],
  ['SignInWithApple', 'key_id', 'XYZ987ABCD.p8', /Key ID/],
  ['SignInWithApple', 'client_id', '<absent>', /is required/],
  ['SignInWithApple', 'authorize_scopes', 'email profile', /name, email/],
  ['SignInWithApple', 'token_url', 'http://appleid.example/auth/token', /must be https/],
  ['SignInWithApple', 'oidc_issuer', 'https://appleid.apple.com#x', /no query or fragment/],

  ['Facebook', 'api_version', '18.0', /v17\.0/],
  ['Facebook', 'api_version', 'latest/../x', /v17\.0/],
  ['Facebook', 'api_version', 'v17', /v17\.0/],
  ['Facebook', 'token_request_method', 'PUT', /GET or POST/],
  ['Facebook', 'token_url', 'http://graph.example.com/oauth/access_token', /must be https/],
  ['Facebook', 'attributes_url', 'https://user:pw@graph.facebook.com/me', /must be https/],
  ['Facebook', 'client_secret', '<absent>', /is required/],

  ['LoginWithAmazon', 'client_secret', '', /is required/],
  ['LoginWithAmazon', 'attributes_url', 'http://api.example.com/user/profile', /must be https/],
  ['LoginWithAmazon', 'authorize_scopes', 'profile\\x', /scopes/],

  ['OIDC', 'oidc_issuer', '<absent>', /is required/],
  ['OIDC', 'oidc_issuer', 'http://idp.example', /must be https/],
  ['OIDC', 'authorize_scopes', 'email profile', /must include openid/],
  ['OIDC', 'token_endpoint_auth_method', 'private_key_jwt', /client_secret_post or client_secret_basic/],
  ['OIDC', 'token_endpoint_auth_method', 'client_secret_jwt', /client_secret_post or client_secret_basic/],
  ['OIDC', 'attributes_request_method', 'post', /GET or POST/],
  ['OIDC', 'attributes_request_method', 'PUT', /GET or POST/],
  ['OIDC', 'authorize_url', 'http://idp.example/authorize', /must be https/],
  ['OIDC', 'jwks_uri', 'ftp://idp.example/jwks', /must be https/],
  ['OIDC', 'client_id', '', /is required/],
];

const withValue = (details: Record<string, string>, key: string, value: string) => {
  const out = { ...details };
  if (value === '<absent>') delete out[key];
  else out[key] = value;
  return out;
};

describe('checkProviderDetails', () => {
  it('accepts good details for every adapter, and has nothing to say about SAML', () => {
    for (const [type, details] of Object.entries(GOOD)) assert.deepEqual(checkProviderDetails(type as ProviderType, details), [], type);
    assert.deepEqual(checkProviderDetails('SAML', { MetadataFile: '<x/>' }), []);
  });

  for (const [type, key, value, why] of BAD) {
    it(`refuses ${type} ${key} = ${JSON.stringify(value.length > 40 ? `${value.slice(0, 30)}…` : value)}, naming ${key}`, () => {
      const issues = checkProviderDetails(type, withValue(GOOD[type], key, value));
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.deepEqual(issues[0]!.path, [key]);
      assert.match(issues[0]!.message, why);
      if (value.length > 3) assert.ok(!issues[0]!.message.includes(value), 'the message does not quote the value');
    });
  }

  it('reports every bad value at once', () => {
    const issues = checkProviderDetails('SignInWithApple', { client_id: 'com.example.web', team_id: 'x', key_id: 'y', private_key: 'z' });
    assert.deepEqual(issues.map((i) => i.path.join('.')).sort(), ['key_id', 'private_key', 'team_id']);
  });

  it('refuses an OIDC token endpoint auth method without a client_secret to authenticate with', () => {
    const { client_secret: _, ...publicClient } = GOOD.OIDC;
    assert.deepEqual(checkProviderDetails('OIDC', publicClient), []);
    const issues = checkProviderDetails('OIDC', { ...publicClient, token_endpoint_auth_method: 'client_secret_basic' });
    assert.deepEqual(issues.map((i) => [i.path, i.message]), [[['token_endpoint_auth_method'], 'client_secret_basic needs a client_secret']]);
  });

  it('accepts what the adapters accept: escaped newlines, empty optional values, case, commas, Cognito\'s extra keys', () => {
    const ok = (type: ProviderType, details: Record<string, string>) => assert.deepEqual(checkProviderDetails(type, details), [], JSON.stringify(details));
    ok('SignInWithApple', { ...GOOD.SignInWithApple, private_key: P256.trim().replace(/\n/g, '\\n') });
    ok('SignInWithApple', { ...GOOD.SignInWithApple, private_key: `\n  ${P256}\n`, authorize_scopes: 'name,email', jwks_uri: '' });
    ok('Facebook', { ...GOOD.Facebook, api_version: 'v19.0', token_request_method: 'post', authorize_scopes: 'public_profile, email', attributes_url_add_attributes: 'true' });
    ok('Facebook', { ...GOOD.Facebook, api_version: '', token_request_method: '' });
    ok('LoginWithAmazon', { ...GOOD.LoginWithAmazon, authorize_scopes: 'profile profile:user_id postal_code', token_request_method: 'POST' });
    ok('Google', { ...GOOD.Google, attributes_url: 'https://people.googleapis.com/v1/people/me?personFields=', authorize_scopes: 'email https://www.googleapis.com/auth/calendar.readonly', token_url: 'http://127.0.0.1:1/token' });
    ok('OIDC', { ...GOOD.OIDC, authorize_scopes: 'email openid', attributes_request_method: 'POST', token_endpoint_auth_method: 'client_secret_basic', attributes_url: 'http://[::1]:8080/userinfo' });
    ok('OIDC', { ...GOOD.OIDC, authorize_scopes: '', attributes_request_method: '', token_endpoint_auth_method: '' });
  });

  describe("the fakes' and the tests' settings", () => {
    let oidc: OidcFake;
    let publicOidc: OidcFake;
    let apple: OidcFake;
    let facebook: FacebookFake;
    let amazon: AmazonFake;
    before(async () => {
      [oidc, publicOidc, apple, facebook, amazon] = await Promise.all([
        startOidcFake({ issuerPath: '/realms/corp', clientId: 'broker', clientSecret: 'corp-secret' }),
        startOidcFake({ clientSecret: null }),
        startOidcFake({ clientId: 'com.example.web', apple: {} }),
        startFacebookFake(),
        startAmazonFake(),
      ]);
    });
    after(() => Promise.all([oidc, publicOidc, apple, facebook, amazon].map((f) => f.close())));

    it('are all accepted', () => {
      const ok = (type: ProviderType, details: Record<string, string>) => assert.deepEqual(checkProviderDetails(type, details), [], `${type} ${JSON.stringify(details)}`);
      ok('OIDC', oidc.details());
      ok('OIDC', publicOidc.details());
      ok('OIDC', { ...oidc.details(), authorize_url: oidc.authorizeUrl, token_url: oidc.tokenUrl, attributes_url: oidc.userinfoUrl!, jwks_uri: oidc.jwksUri, attributes_request_method: 'POST', token_endpoint_auth_method: 'client_secret_basic', authorize_scopes: 'openid email' });
      ok('Google', { ...oidc.details(), client_secret: 'google-secret' });
      ok('Google', { client_id: oidc.clientId, client_secret: oidc.clientSecret!, authorize_url: oidc.authorizeUrl, token_url: oidc.tokenUrl, attributes_url: oidc.userinfoUrl! });
      ok('SignInWithApple', apple.details());
      ok('SignInWithApple', { ...apple.details(), authorize_url: apple.details().authorize_url!.replace('127.0.0.1', 'localhost') });
      ok('SignInWithApple', { ...apple.details(), private_key: apple.keys.apple!.privateKeyPem.trim().replace(/\n/g, '\\n') });
      ok('Facebook', { ...facebook.details('fb-app-id', 'fb-app-secret'), authorize_scopes: 'public_profile,email' });
      ok('Facebook', { ...facebook.details('1234567890123456', 'secret'), token_request_method: 'POST' });
      ok('LoginWithAmazon', { ...amazon.details('amzn1.application-oa2-client.test', 'amazon-secret'), authorize_scopes: 'profile postal_code' });
    });
  });
});

describe('config loading', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'provider-details-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const load = (yaml: string) => {
    const file = join(dir, `broker-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return { file, load: () => loadSettings({ BROKER_CONFIG: file }) };
  };
  const refusal = (yaml: string): string => {
    const { file, load: run } = load(yaml);
    try {
      run();
    } catch (err) {
      assert.ok(err instanceof SettingsError, String(err));
      assert.ok(err.message.startsWith(`${file}: `), err.message);
      return err.message.slice(file.length + 2);
    }
    assert.fail('the configuration was accepted');
  };
  const config = (providers: Array<{ name: string; type: ProviderType; details: Record<string, string> }>) =>
    `pools:
  - Id: local_Main1
    PoolName: main
    Clients:
      - { ClientId: web, CallbackURLs: ["https://app.example.com/cb"], SupportedIdentityProviders: ${JSON.stringify(['COGNITO', ...providers.map((p) => p.name)])} }
    IdentityProviders:
${providers.map((p) => `      - { ProviderName: ${p.name}, ProviderType: ${p.type}, ProviderDetails: ${JSON.stringify(p.details)} }`).join('\n')}
`;
  const good = (type: Exclude<ProviderType, 'SAML'>, name: string = type) => ({ name, type, details: GOOD[type] });

  it('starts with good details for every adapter', () => {
    const { load: run } = load(config([good('Google'), good('SignInWithApple'), good('Facebook'), good('LoginWithAmazon'), good('OIDC', 'Corp')]));
    assert.equal(run().pools[0]!.providers.length, 5);
  });

  for (const [type, key, value, why] of BAD.filter(([, , v]) => v !== '' && v !== '<absent>')) {
    it(`does not start with ${type} ${key} bad, naming the field`, () => {
      const providers = [good('Google'), good('OIDC', 'Corp'), good('SignInWithApple'), good('Facebook'), good('LoginWithAmazon')];
      const i = providers.findIndex((p) => p.type === type);
      providers[i] = { ...providers[i]!, details: withValue(GOOD[type], key, value) };
      const msg = refusal(config(providers));
      assert.ok(msg.startsWith(`pools[0].IdentityProviders[${i}].ProviderDetails.${key}: `), msg);
      assert.match(msg, why);
      assert.doesNotMatch(msg, /and \d+ more/);
    });
  }

  it('names every bad value in one message, secrets unquoted', () => {
    const msg = refusal(config([
      { name: 'SignInWithApple', type: 'SignInWithApple', details: { ...GOOD.SignInWithApple, private_key: 'my-secret-not-a-key' } },
      { name: 'Corp', type: 'OIDC', details: { ...GOOD.OIDC, token_endpoint_auth_method: 'private_key_jwt' } },
    ]));
    assert.match(msg, /^pools\[0\]\.IdentityProviders\[0\]\.ProviderDetails\.private_key: must be the PKCS#8 P-256 key .* \(and 1 more: pools\[0\]\.IdentityProviders\[1\]\.ProviderDetails\.token_endpoint_auth_method: must be client_secret_post or client_secret_basic\)$/);
    assert.ok(!msg.includes('my-secret-not-a-key'));
  });

  it('names the pool and provider in a second pool too', () => {
    const yaml = `${config([good('Google')])}  - Id: local_Other1
    PoolName: other
    IdentityProviders:
      - { ProviderName: Facebook, ProviderType: Facebook, ProviderDetails: ${JSON.stringify({ ...GOOD.Facebook, api_version: '17' })} }
`;
    assert.match(refusal(yaml), /^pools\[1\]\.IdentityProviders\[0\]\.ProviderDetails\.api_version: must look like v17\.0$/);
  });

  it('leaves the checks of the pool schema first (missing keys are its "is required for")', () => {
    assert.match(refusal(config([{ name: 'Google', type: 'Google', details: { client_id: 'x' } }])), /ProviderDetails\.client_secret: is required for Google/);
  });

  it('starts with the shipped configuration, and every example but for its placeholders', () => {
    assert.equal(loadSettings({ BROKER_CONFIG: 'config/broker.yaml' }).pools[0]!.settings.Id, 'local_Main1');
    const examples = readdirSync('config/examples').filter((f) => f.endsWith('.yaml'));
    assert.ok(examples.length >= 5);
    for (const f of examples) {
      const text = readFileSync(`config/examples/${f}`, 'utf8');
      // Apple's example holds a placeholder where the .p8 goes: exactly that is refused, and a real key starts.
      const placeholders = parseYaml(text).pools.flatMap((p: { IdentityProviders?: Array<{ ProviderType: ProviderType; ProviderDetails: Record<string, string> }> }) =>
        (p.IdentityProviders ?? []).flatMap((idp) => checkProviderDetails(idp.ProviderType, idp.ProviderDetails).map((i) => `${idp.ProviderType}.${i.path.join('.')}`)));
      assert.deepEqual(placeholders, f === 'apple.yaml' ? ['SignInWithApple.private_key'] : [], f);
      const real = f === 'apple.yaml' ? text.replace(/private_key: \|\n(?: {12}.*\n)+/, `private_key: ${JSON.stringify(P256)}\n`) : text;
      assert.ok(load(real).load().pools.length >= 1, f);
    }
  });
});
