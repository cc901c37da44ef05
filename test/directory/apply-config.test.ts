// Applying BROKER_CONFIG: creates what is declared, is idempotent, stores secrets hashed or sealed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyDeclaredPools, ConfigConflict } from '../../src/directory/apply-config.js';
import { hashClientSecret, Sealer, verifyClientSecret } from '../../src/directory/secrets.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';
import type { Store } from '../../src/directory/store.js';
import { parseConfig } from '../../src/settings.js';

const CONFIG = `
pools:
  - Id: local_Apply1
    PoolName: apply
    Clients:
      - { ClientId: web, ClientSecret: s3cret-value-for-tests, CallbackURLs: ["https://app.example/cb"] }
      - { ClientId: spa, CallbackURLs: ["http://localhost:3000/cb"] }
    IdentityProviders:
      - ProviderName: Google
        ProviderType: Google
        ProviderDetails: { client_id: gid, client_secret: google-secret-value, authorize_scopes: "openid email" }
        AttributeMapping: { email: email }
`;

describe('applying the config file', () => {
  let dir: string;
  let store: Store;
  const sealer = new Sealer('a-long-broker-key-secret');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'broker-apply-'));
    store = openSqliteStore({ file: join(dir, 'b.sqlite') });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates pools, clients and providers, with secrets hashed or sealed', async () => {
    const report = await applyDeclaredPools(store, parseConfig(CONFIG), sealer);
    assert.deepEqual(report.created, ['pool local_Apply1', 'client local_Apply1/web', 'client local_Apply1/spa', 'provider local_Apply1/Google']);
    const web = (await store.pools.getClient('local_Apply1', 'web'))!;
    assert.ok(web.secretHash && !web.secretHash.includes('s3cret'), 'the client secret is not stored');
    assert.ok(verifyClientSecret('s3cret-value-for-tests', web.secretHash));
    assert.ok(!verifyClientSecret('s3cret-value-for-test', web.secretHash));
    assert.ok(!('ClientSecret' in web.settings));
    assert.ok(web.sealedSecret?.startsWith('sealed:') && !web.sealedSecret.includes('s3cret'), 'the sealed copy is sealed');
    assert.equal(sealer.unseal(web.sealedSecret!), 's3cret-value-for-tests', 'the sealed copy unseals to the declared secret');
    const spa = (await store.pools.getClient('local_Apply1', 'spa'))!;
    assert.equal(spa.secretHash, null);
    assert.equal(spa.sealedSecret, null, 'a public client has no sealed secret');
    const google = (await store.pools.getProvider('local_Apply1', 'Google'))!;
    const sealed = google.settings.ProviderDetails.client_secret!;
    assert.ok(sealed.startsWith('sealed:') && !sealed.includes('google-secret'), 'the provider secret is sealed');
    assert.equal(sealer.unseal(sealed), 'google-secret-value');
  });

  it('changes nothing when applied again', async () => {
    const sealedBefore = (await store.pools.getClient('local_Apply1', 'web'))!.sealedSecret;
    const before = JSON.stringify([await store.pools.getPool('local_Apply1'), await store.pools.listClients('local_Apply1'), await store.pools.listProviders('local_Apply1')]);
    const report = await applyDeclaredPools(store, parseConfig(CONFIG), sealer);
    assert.deepEqual(report, { created: [], updated: [], unchanged: 4, undeclared: [], changedFields: {} });
    const afterApply = JSON.stringify([await store.pools.getPool('local_Apply1'), await store.pools.listClients('local_Apply1'), await store.pools.listProviders('local_Apply1')]);
    assert.equal(afterApply, before);
    assert.equal((await store.pools.getClient('local_Apply1', 'web'))!.sealedSecret, sealedBefore, 'the sealed copy is not sealed again');
  });

  it('updates what changed, and keeps what the file no longer declares', async () => {
    const changed = CONFIG.replace('s3cret-value-for-tests', 'another-secret-value').replace(/ {6}- \{ ClientId: spa.*\n/, '');
    const report = await applyDeclaredPools(store, parseConfig(changed), sealer);
    assert.deepEqual(report.updated, ['client local_Apply1/web']);
    assert.deepEqual(report.changedFields, { 'client local_Apply1/web': ['ClientSecret'] }, 'a secret is named, never shown');
    assert.deepEqual(report.undeclared, ['client local_Apply1/spa']);
    const web = (await store.pools.getClient('local_Apply1', 'web'))!;
    assert.ok(verifyClientSecret('another-secret-value', web.secretHash!));
    assert.equal(sealer.unseal(web.sealedSecret!), 'another-secret-value', 'a changed secret gets a new sealed copy');
  });

  it('gives a sealed copy to a client stored with only its secret hash (upgrade)', async () => {
    const config = `
pools:
  - Id: local_Upgrade1
    PoolName: upgrade
    Clients:
      - { ClientId: old, ClientSecret: old-secret-value-for-tests, CallbackURLs: ["https://app.example/cb"] }
`;
    const declared = parseConfig(config);
    const { ClientSecret: _secret, ...settings } = declared[0]!.clients[0]!;
    await store.pools.putPool({ id: 'local_Upgrade1', settings: declared[0]!.settings });
    const secretHash = hashClientSecret('old-secret-value-for-tests');
    await store.pools.putClient({ poolId: 'local_Upgrade1', clientId: 'old', settings, secretHash, sealedSecret: null });
    const report = await applyDeclaredPools(store, declared, sealer);
    assert.deepEqual(report, { created: [], updated: ['client local_Upgrade1/old'], unchanged: 1, undeclared: [], changedFields: { 'client local_Upgrade1/old': ['ClientSecret'] } });
    const old = (await store.pools.getClient('local_Upgrade1', 'old'))!;
    assert.equal(old.secretHash, secretHash, 'the secret hash that still matches is kept');
    assert.equal(sealer.unseal(old.sealedSecret!), 'old-secret-value-for-tests');
    assert.deepEqual(await applyDeclaredPools(store, declared, sealer), { created: [], updated: [], unchanged: 2, undeclared: [], changedFields: {} });
  });

  it('names each field it sets back to the file (changed since, e.g. through the API)', async () => {
    const declared = parseConfig(CONFIG);
    const pool = (await store.pools.getPool('local_Apply1'))!;
    await store.pools.putPool({ id: pool.id, settings: { ...pool.settings, Policies: { ...pool.settings.Policies, PasswordPolicy: { ...pool.settings.Policies.PasswordPolicy, MinimumLength: 20 } } } });
    const web = (await store.pools.getClient('local_Apply1', 'web'))!;
    await store.pools.putClient({ ...web, settings: { ...web.settings, CallbackURLs: ['https://elsewhere.example/cb'] } });
    const report = await applyDeclaredPools(store, declared, sealer);
    // The secret too: a test above stored another one.
    assert.deepEqual(report.changedFields, { 'pool local_Apply1': ['Policies.PasswordPolicy.MinimumLength'], 'client local_Apply1/web': ['CallbackURLs', 'ClientSecret'] });
    assert.equal((await store.pools.getPool('local_Apply1'))!.settings.Policies.PasswordPolicy.MinimumLength, declared[0]!.settings.Policies.PasswordPolicy.MinimumLength);
  });

  it('refuses to flip username case sensitivity of an existing pool', async () => {
    const flipped = CONFIG.replace('PoolName: apply', 'PoolName: apply\n    UsernameConfiguration: { CaseSensitive: true }');
    await assert.rejects(applyDeclaredPools(store, parseConfig(flipped), sealer), (e: unknown) => e instanceof ConfigConflict && /pools\[0\]\.UsernameConfiguration\.CaseSensitive: cannot change/.test(e.message));
  });
});
