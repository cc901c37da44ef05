// Opening the embedded database: WAL for concurrent readers, a busy timeout for concurrent writers
// (other processes on the same file), foreign keys off (the Store port owns integrity), migrations.
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const apply = db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    for (let v = (row.v ?? 0) + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
    }
  });
  apply.immediate();
}

/** The unique constraint a failed write hit, e.g. `users.pool_id, users.username_key`; null for other errors. */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { code?: string; message?: string };
  if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
  return /constraint failed: (.*)$/.exec(e.message ?? '')?.[1] ?? '';
}

export const json = (v: unknown): string => JSON.stringify(v);
export const parse = <T>(v: string | null): T => (v === null ? (null as T) : (JSON.parse(v) as T));
