// A SQLite store in a fresh temporary directory, for tests that need a real store: every connection
// opened on the file is closed, and the directory removed, by `cleanup`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';
import type { Store } from '../../src/directory/store.js';

export interface TempSqlite {
  file: string;
  /** Another connection to the same file (another process, as far as caches go). */
  open(): Store;
  cleanup(): Promise<void>;
}

export function tempSqlite(prefix: string): TempSqlite {
  const dir = mkdtempSync(join(tmpdir(), `broker-${prefix}-`));
  const file = join(dir, 'broker.sqlite');
  const opened: Store[] = [];
  return {
    file,
    open: () => {
      const s = openSqliteStore({ file });
      opened.push(s);
      return s;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
