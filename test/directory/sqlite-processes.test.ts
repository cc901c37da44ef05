// Uniqueness on the SQLite store holds across processes sharing the file (WAL, busy timeout,
// immediate transactions), not only within one process's synchronous calls.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';
import { poolSchema } from '../../src/directory/schema.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

const run = promisify(execFile);

it('lets one of 4 processes × 5 attempts create a username on a shared SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-procs-'));
  const file = join(dir, 'shared.sqlite');
  try {
    const store = openSqliteStore({ file });
    await store.pools.putPool({ id: 'race_Pool1', settings: poolSchema.parse({ Id: 'race_Pool1', PoolName: 'race' }) });
    await store.close();
    const startAt = String(Date.now() + 1500);
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['--import', 'tsx', 'test/support/sqlite-racer.ts', file, 'race_Pool1', 'zoe', '5', startAt]).then((r) => JSON.parse(r.stdout) as { won: number; lost: number }),
      ),
    );
    assert.equal(results.reduce((n, r) => n + r.won, 0), 1);
    assert.equal(results.reduce((n, r) => n + r.lost, 0), 19);
    const check = openSqliteStore({ file });
    assert.equal((await check.users.listUsers('race_Pool1')).items.length, 1);
    await check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
