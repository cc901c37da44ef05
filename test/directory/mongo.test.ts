// The conformance suite on MongoDB (FerretDB in CI), in a fresh database; skipped, saying so,
// when MONGODB_URI is not set. `.ci/run` always sets it.
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openMongoStore } from '../../src/directory/mongo/index.js';
import type { Store } from '../../src/directory/store.js';
import { runConformance } from './conformance.js';

const uri = process.env.MONGODB_URI;

if (!uri) {
  const why = 'MONGODB_URI is not set: the MongoDB store suite did not run (scripts/ferretdb.sh test runs it)';
  console.log(`# SKIPPED ${why}`);
  test('Store conformance: mongo', { skip: why }, () => {});
} else {
  runConformance('mongo', async () => {
    const dbName = `broker_test_${randomBytes(4).toString('hex')}`;
    const opened: Store[] = [];
    const open = async () => {
      const s = await openMongoStore({ uri, dbName });
      opened.push(s);
      return s;
    };
    const harness = {
      store: await open(),
      connect: open,
      reopen: async () => {
        await harness.store.close();
        harness.store = await open();
        return harness.store;
      },
      cleanup: async () => {
        const s = await openMongoStore({ uri, dbName });
        try {
          await s.dropDatabase();
        } finally {
          // Open connections would keep the test process alive.
          for (const o of [...opened, s]) await o.close().catch(() => undefined);
        }
      },
    };
    return harness;
  });
}
