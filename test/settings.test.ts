// Settings: the environment and the config file are validated once, and a bad value stops the start
// with one message that names the field.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tokenLifetimes } from '../src/directory/schema.js';
import { loadSettings, parseConfig, SettingsError } from '../src/settings.js';

const pool = (body: string) => `pools:\n  - Id: local_Test1\n    PoolName: test\n${body}`;

function refusal(text: string): string {
  try {
    parseConfig(text, 'broker.yaml');
  } catch (err) {
    assert.ok(err instanceof SettingsError, String(err));
    return err.message;
  }
  assert.fail('the configuration was accepted');
}

describe('config file', () => {
  it('names the field of a bad callback URL', () => {
    const msg = refusal(pool(`    Clients:
      - { ClientId: a, CallbackURLs: ["https://ok.example/cb"] }
      - { ClientId: b, CallbackURLs: ["http://evil.example/cb"] }
`));
    assert.match(msg, /^broker\.yaml: pools\[0\]\.Clients\[1\]\.CallbackURLs\[0\]: must be https or a loopback URL/);
  });

  it('allows loopback http and app schemes, refuses fragments and script schemes', () => {
    parseConfig(pool(`    Clients:
      - { ClientId: a, CallbackURLs: ["http://localhost:3000/cb", "http://127.0.0.2/cb", "http://[::1]:8080/cb", "myapp://callback"] }
`));
    for (const bad of ['https://app.example/cb#x', 'javascript:alert(1)', 'data:text/html,x', 'http://localhost.evil.example/cb', 'https://user:pw@app.example/cb'])
      assert.match(refusal(pool(`    Clients:\n      - { ClientId: a, CallbackURLs: ["${bad}"] }\n`)), /CallbackURLs\[0\]/, bad);
  });

  it('refuses unknown fields, naming them', () => {
    assert.match(refusal(pool('    PasswordPolicy: { MinimumLength: 8 }\n')), /pools\[0\]: unknown field PasswordPolicy/);
  });

  it('refuses a pool id Cognito clients would reject', () => {
    assert.match(refusal('pools:\n  - { Id: nounderscore, PoolName: x }\n'), /pools\[0\]\.Id: must look like/);
  });

  it('requires what each provider type needs, and the social names', () => {
    assert.match(refusal(pool(`    IdentityProviders:
      - { ProviderName: Google, ProviderType: Google, ProviderDetails: { client_id: x } }
`)), /IdentityProviders\[0\]\.ProviderDetails\.client_secret: is required for Google/);
    assert.match(refusal(pool(`    IdentityProviders:
      - { ProviderName: MyGoogle, ProviderType: Google, ProviderDetails: { client_id: x, client_secret: y } }
`)), /ProviderName: a Google provider must be named Google/);
    assert.match(refusal(pool(`    IdentityProviders:
      - { ProviderName: Corp, ProviderType: SAML, ProviderDetails: { MetadataURL: "http://idp.example/md" } }
`)), /ProviderDetails\.MetadataURL: must be https/);
  });

  it('checks references between clients and providers', () => {
    assert.match(refusal(pool(`    Clients:
      - { ClientId: a, CallbackURLs: ["https://app.example/cb"], SupportedIdentityProviders: [COGNITO, Corp] }
`)), /Clients\[0\]\.SupportedIdentityProviders\[1\]: Corp is not a provider of this pool/);
    assert.match(refusal('pools:\n  - { Id: a_B1, PoolName: x }\n  - { Id: a_B1, PoolName: y }\n'), /pools\[1\]\.Id: a_B1 is declared twice/);
    assert.match(refusal(pool('    UsernameAttributes: [email]\n    AliasAttributes: [email]\n')), /AliasAttributes: cannot be used together with UsernameAttributes/);
  });

  it('checks token lifetimes against Cognito ranges and applies its defaults', () => {
    assert.match(refusal(pool(`    Clients:
      - { ClientId: a, CallbackURLs: ["https://app.example/cb"], AccessTokenValidity: 2, TokenValidityUnits: { AccessToken: minutes } }
`)), /Clients\[0\]\.AccessTokenValidity: must be between 5 minutes and 1 day/);
    const [p] = parseConfig(pool('    Clients:\n      - { ClientId: a, CallbackURLs: ["https://app.example/cb"] }\n'));
    assert.deepEqual(tokenLifetimes(p!.clients[0]!), { access: 3600, id: 3600, refresh: 30 * 86400 });
    assert.equal(p!.settings.UsernameConfiguration.CaseSensitive, false, 'usernames are case-insensitive by default');
    assert.equal(p!.settings.Policies.PasswordPolicy.MinimumLength, 8);
  });

  it('reports invalid YAML as such', () => {
    assert.match(refusal('pools: [\n'), /^broker\.yaml: not valid YAML/);
  });

  it('accepts the shipped configuration and every example, each declaring what it is the example of', () => {
    const shipped = parseConfig(readFileSync('config/broker.yaml', 'utf8'), 'config/broker.yaml');
    assert.ok(shipped.length > 0, 'config/broker.yaml declares a pool');
    // README.md points to config/examples/<provider>.yaml: one per provider type, none missing or empty.
    const expected: Record<string, string> = {
      'amazon.yaml': 'LoginWithAmazon', 'apple.yaml': 'SignInWithApple', 'facebook.yaml': 'Facebook',
      'google.yaml': 'Google', 'oidc.yaml': 'OIDC', 'saml.yaml': 'SAML',
    };
    const files = readdirSync('config/examples').filter((name) => name.endsWith('.yaml')).sort();
    for (const name of Object.keys(expected)) assert.ok(files.includes(name), `config/examples/${name} is missing`);
    let checked = 0;
    for (const name of files) {
      const text = readFileSync(`config/examples/${name}`, 'utf8');
      assert.ok(text.trim().length > 0, `${name} is empty`);
      const pools = parseConfig(text, name);
      assert.ok(pools.length > 0, `${name} declares no pool`);
      const type = expected[name];
      if (type) assert.ok(pools.some((p) => p.providers.some((idp) => idp.ProviderType === type)), `${name} declares a ${type} provider`);
      checked++;
    }
    assert.ok(checked >= Object.keys(expected).length && checked === files.length, `checked ${checked} of ${files.length} examples`);
  });
});

describe('environment', () => {
  const base = { BROKER_CONFIG: 'config/broker.yaml' };

  it('has the documented defaults', () => {
    const s = loadSettings(base);
    assert.equal(s.PORT, 9000);
    assert.equal(s.HOST, '127.0.0.1');
    assert.equal(s.PUBLIC_URL, 'http://localhost:9000');
    assert.equal(s.DATA_DIR, './data');
    assert.equal(s.DELIVERY, 'outbox');
    assert.equal(s.MONGODB_URI, undefined);
    assert.equal(s.pools[0]?.settings.Id, 'local_Main1');
  });

  it('names the bad variable', () => {
    assert.throws(() => loadSettings({ ...base, PORT: 'eighty' }), /^SettingsError: environment: PORT: /);
    assert.throws(() => loadSettings({ ...base, PUBLIC_URL: 'http://broker.example' }), /environment: PUBLIC_URL: must be an https URL/);
    assert.throws(() => loadSettings({ ...base, MONGODB_URI: 'postgres://x' }), /environment: MONGODB_URI: must be a mongodb/);
    assert.throws(() => loadSettings({ ...base, DELIVERY: 'pigeon' }), /environment: DELIVERY/);
    assert.throws(() => loadSettings({ ...base, SMS_DELIVERY: 'http://sms.example/hook' }), /environment: SMS_DELIVERY: must be "outbox", "sns" or an https:\/\/ URL/);
    assert.throws(() => loadSettings({ ...base, SMS_DELIVERY: 'https://sms.example/hook' }), /SMS_WEBHOOK_SECRET must be set/);
    assert.equal(loadSettings({ ...base, SMS_DELIVERY: 'https://sms.example/hook', SMS_WEBHOOK_SECRET: 'a-long-enough-secret' }).SMS_DELIVERY, 'https://sms.example/hook');
    assert.throws(() => loadSettings({ ...base, API_CORS_ORIGINS: 'https://app.example/login' }), /environment: API_CORS_ORIGINS: must be "\*" or a comma-separated list of origins/);
    assert.throws(() => loadSettings({ ...base, ADMIN_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE' }), /must be set together/);
    assert.throws(() => loadSettings({ BROKER_CONFIG: 'config/missing.yaml' }), /BROKER_CONFIG: cannot read .*missing\.yaml: ENOENT/);
  });

  it('takes API_CORS_ORIGINS as a list of origins', () => {
    assert.deepEqual(loadSettings({ ...base, API_CORS_ORIGINS: 'https://app.example, http://localhost:3000' }).API_CORS_ORIGINS, ['https://app.example', 'http://localhost:3000']);
    assert.equal(loadSettings(base).API_CORS_ORIGINS, undefined);
  });

  it('takes PUBLIC_URL as given, without a trailing slash', () => {
    assert.equal(loadSettings({ ...base, PUBLIC_URL: 'https://id.example.com/' }).PUBLIC_URL, 'https://id.example.com');
  });
});
