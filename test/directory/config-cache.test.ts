// The config cache (src/directory/config-cache.ts) over a real SQLite store: this process sees its own
// writes at once; a change made through another handle on the same file shows once the kept copy ages
// out; what is kept cannot be changed by a caller.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CONFIG_TTL_MS, freshPools, withConfigCache } from '../../src/directory/config-cache.js';
import { clientSchema, poolSchema } from '../../src/directory/schema.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

describe('the config cache', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-cache-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers from its copy, empties it on its own writes, and ages out what another process changed', async () => {
    const file = join(dir, 'a.sqlite');
    const other = openSqliteStore({ file });
    let now = 1_000_000;
    const store = withConfigCache(openSqliteStore({ file }), () => now);
    const pool = poolSchema.parse({ Id: 'local_Cache1', PoolName: 'cache' });
    await store.pools.putPool({ id: pool.Id, settings: pool });
    const client = (name: string) => ({ poolId: pool.Id, clientId: 'app', settings: clientSchema.parse({ ClientId: 'app', ClientName: name }), secretHash: null, sealedSecret: null });
    await store.pools.putClient(client('one'));
    assert.equal((await store.pools.findClientsById('app'))[0]?.settings.ClientName, 'one');

    await store.pools.putClient(client('two')); // its own write: seen at once
    assert.equal((await store.pools.findClientsById('app'))[0]?.settings.ClientName, 'two');

    assert.equal((await store.pools.getClient(pool.Id, 'app'))?.settings.ClientName, 'two'); // kept too
    await other.pools.putClient(client('three')); // another process's write: the kept copy still answers…
    assert.equal((await store.pools.findClientsById('app'))[0]?.settings.ClientName, 'two');
    assert.equal((await store.pools.getClient(pool.Id, 'app'))?.settings.ClientName, 'two');
    assert.equal((await freshPools(store).getClient(pool.Id, 'app'))?.settings.ClientName, 'three', 'freshPools reads the store as it is now');
    now += CONFIG_TTL_MS; // …until it ages out
    assert.equal((await store.pools.findClientsById('app'))[0]?.settings.ClientName, 'three');

    const kept = (await store.pools.getPool(pool.Id))!;
    assert.throws(() => { (kept.settings as { PoolName: string }).PoolName = 'changed'; }, TypeError, 'a kept copy is frozen');
    await store.close();
    await other.close();
  });
});
