// A real SQLite store in a temp dir with one pool, and a pino logger whose lines are kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { poolSchema } from '../../src/directory/schema.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

export async function setup(pool: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'broker-delivery-'));
  const file = join(dir, 'broker.sqlite');
  const store = openSqliteStore({ file });
  const settings = poolSchema.parse({ Id: 'local_Mail1', PoolName: 'Mail', ...pool });
  await store.pools.putPool({ id: settings.Id, settings });
  const logs: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) });
  return {
    dir, file, store, logs, log, poolId: settings.Id,
    entries: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>),
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
