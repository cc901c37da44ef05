// The conformance suite on the embedded SQLite store, in a fresh temporary file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';
import type { Store } from '../../src/directory/store.js';
import { runConformance } from './conformance.js';

runConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-sqlite-'));
  const file = join(dir, 'broker.sqlite');
  const opened: Store[] = [];
  const open = () => {
    const s = openSqliteStore({ file });
    opened.push(s);
    return s;
  };
  const harness = {
    store: open(),
    connect: async () => open(),
    reopen: async () => {
      await harness.store.close();
      harness.store = open();
      return harness.store;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
});
