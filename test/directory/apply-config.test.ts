// Applying BROKER_CONFIG: creates what is declared, is idempotent, stores secrets hashed or sealed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyDeclaredPools, ConfigConflict } from '../../src/directory/apply-config.js';
import { Sealer, verifyClientSecret } from '../../src/directory/secrets.js';
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
    assert.equal((await store.pools.getClient('local_Apply1', 'spa'))!.secretHash, null);
    const google = (await store.pools.getProvider('local_Apply1', 'Google'))!;
    const sealed = google.settings.ProviderDetails.client_secret!;
    assert.ok(sealed.startsWith('sealed:') && !sealed.includes('google-secret'), 'the provider secret is sealed');
    assert.equal(sealer.unseal(sealed), 'google-secret-value');
  });

  it('changes nothing when applied again', async () => {
    const before = JSON.stringify([await store.pools.getPool('local_Apply1'), await store.pools.listClients('local_Apply1'), await store.pools.listProviders('local_Apply1')]);
    const report = await applyDeclaredPools(store, parseConfig(CONFIG), sealer);
    assert.deepEqual(report, { created: [], updated: [], unchanged: 4, undeclared: [] });
    const afterApply = JSON.stringify([await store.pools.getPool('local_Apply1'), await store.pools.listClients('local_Apply1'), await store.pools.listProviders('local_Apply1')]);
    assert.equal(afterApply, before);
  });

  it('updates what changed, and keeps what the file no longer declares', async () => {
    const changed = CONFIG.replace('s3cret-value-for-tests', 'another-secret-value').replace(/ {6}- \{ ClientId: spa.*\n/, '');
    const report = await applyDeclaredPools(store, parseConfig(changed), sealer);
    assert.deepEqual(report.updated, ['client local_Apply1/web']);
    assert.deepEqual(report.undeclared, ['client local_Apply1/spa']);
    assert.ok(verifyClientSecret('another-secret-value', (await store.pools.getClient('local_Apply1', 'web'))!.secretHash!));
  });

  it('refuses to flip username case sensitivity of an existing pool', async () => {
    const flipped = CONFIG.replace('PoolName: apply', 'PoolName: apply\n    UsernameConfiguration: { CaseSensitive: true }');
    await assert.rejects(applyDeclaredPools(store, parseConfig(flipped), sealer), (e: unknown) => e instanceof ConfigConflict && /pools\[0\]\.UsernameConfiguration\.CaseSensitive: cannot change/.test(e.message));
  });
});
