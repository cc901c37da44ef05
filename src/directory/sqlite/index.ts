// The embedded SQLite store: the broker's default directory, one file in DATA_DIR.
import { metadataCopiesOver } from '../metadata-copies.js';
import { FAMILY_AFTERLIFE_MS, type Store } from '../store.js';
import type { Millis } from '../types.js';
import { openDatabase } from './db.js';
import { SqliteDevices } from './devices.js';
import { SqliteFlows } from './flows.js';
import { SqliteGroups } from './groups.js';
import { SqliteIdentities } from './identities.js';
import { SqliteKeys } from './keys.js';
import { SqliteLimits } from './limits.js';
import { SqlitePools } from './pools.js';
import { SqliteAudit, SqliteMeta, SqliteOutbox } from './records.js';
import { SqliteTokens } from './tokens.js';
import { SqliteUsers } from './users.js';

export function openSqliteStore(options: { file: string }): Store {
  const db = openDatabase(options.file);
  const pools = new SqlitePools(db);
  return {
    kind: 'sqlite',
    pools,
    users: new SqliteUsers(db, pools.caseOf),
    identities: new SqliteIdentities(db),
    groups: new SqliteGroups(db),
    devices: new SqliteDevices(db),
    keys: new SqliteKeys(db),
    tokens: new SqliteTokens(db),
    flows: new SqliteFlows(db),
    outbox: new SqliteOutbox(db),
    audit: new SqliteAudit(db),
    meta: new SqliteMeta(db),
    limits: new SqliteLimits(db),
    metadataCopies: metadataCopiesOver(new SqliteMeta(db)),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async purgeExpired(now: Millis) {
      const purge = () => db.immediate((): number => {
        let n = 0;
        for (const table of ['auth_codes', 'flows', 'sessions', 'one_time_codes', 'seen', 'refresh_tokens', 'limits'])
          n += db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`).run(now).changes;
        // Families outlive their expiry by a day: an access token (≤ 1 day) checks its family at userInfo.
        n += db.prepare('DELETE FROM refresh_families WHERE expires_at <= ?').run(now - FAMILY_AFTERLIFE_MS).changes;
        // Tokens whose family is gone can never be valid again.
        n += db.prepare('DELETE FROM refresh_tokens WHERE family_id NOT IN (SELECT id FROM refresh_families)').run().changes;
        return n;
      });
      return purge();
    },
    async close() {
      if (db.open) await db.close();
    },
  };
}
