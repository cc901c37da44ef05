// The conformance suite on the embedded SQLite store, in a fresh temporary file.
import type { Store } from '../../src/directory/store.js';
import { tempSqlite } from '../support/temp-sqlite.js';
import { runConformance } from './conformance.js';

runConformance('sqlite', async () => {
  const db = tempSqlite('sqlite');
  const harness = {
    store: db.open() as Store,
    connect: async () => db.open(),
    reopen: async () => {
      await harness.store.close();
      harness.store = db.open();
      return harness.store;
    },
    cleanup: db.cleanup,
  };
  return harness;
});
