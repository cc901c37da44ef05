// The embedded database's WAL checkpoints run in their own thread (src/directory/sqlite/checkpointer.ts):
// the main connection runs none (wal_autocheckpoint = 0), so without that thread the database file
// would never receive what the WAL holds. Written through the real store, observed on disk.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/directory/sqlite/db.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

describe('the SQLite checkpoint thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves the main connection without checkpoints of its own', async () => {
    const db = openDatabase(join(dir, 'b.sqlite'));
    assert.deepEqual({ ...(db.prepare('PRAGMA wal_autocheckpoint').get() as object) }, { wal_autocheckpoint: 0 });
    await db.close();
  });

  it('moves what the WAL holds into the database file while the store is busy elsewhere, and stops with it', async () => {
    const file = join(dir, 'a.sqlite');
    const store = openSqliteStore({ file });
    const before = statSync(file).size;
    for (let i = 0; i < 3000; i++)
      await store.audit.record({ poolId: 'local_Cp1', time: Date.now(), type: 'sign_in.completed', userId: `u${i}`, clientId: 'c', ip: '127.0.0.1', detail: { n: i, pad: 'x'.repeat(200) } });
    assert.ok(statSync(`${file}-wal`).size > 1_000_000, 'the commits went to the WAL');
    // No commit of ours checkpoints: only the thread can grow the database file.
    let grown = false;
    for (let k = 0; k < 100 && !grown; k++) {
      grown = statSync(file).size > before + 1_000_000;
      if (!grown) await new Promise((r) => setTimeout(r, 50)); // polling the file, not timing anything
    }
    assert.ok(grown, 'the checkpoint thread copied the WAL into the database file');
    assert.equal((await store.audit.list('local_Cp1', { limit: 5000 })).length, 3000);
    await store.close();
    await store.close(); // twice is once
  });
});
