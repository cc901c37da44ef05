// Opening the embedded database with Node's own SQLite (node:sqlite, no native addon to build): WAL for
// concurrent readers, a busy timeout for concurrent writers (other processes on the same file),
// foreign keys off (the Store port owns integrity), migrations.
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { MIGRATIONS } from './migrations.js';

/** Positional values, or one object of named ones (`@name`). */
type Params = unknown[];

/** A prepared statement as the adapter uses it: rows come back untyped (each caller names its row type). */
export interface Statement {
  get(...params: Params): unknown;
  all(...params: Params): unknown[];
  run(...params: Params): { changes: number };
}

/** The database, with the one kind of transaction the adapter uses. */
export class Db {
  private readonly raw: DatabaseSync;
  private depth = 0;
  /** Prepared once per SQL text: preparing was a quarter of the store's time per sign-in (docs/performance.md). */
  private readonly statements = new Map<string, Statement>();
  private checkpointer: Checkpointer | undefined;
  private closing: Promise<void> | undefined;

  /** `checkpointThread`: WAL checkpoints in a thread of their own (checkpointer.ts), not in our commits. */
  constructor(file: string, options: { readOnly?: boolean; checkpointThread?: boolean } = {}) {
    // `timeout` is SQLite's busy timeout: a writer waits up to 5 s for another process's lock.
    this.raw = new DatabaseSync(file, { timeout: 5000, readOnly: options.readOnly ?? false });
    if (options.readOnly) return;
    this.raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    if (options.checkpointThread && file !== ':memory:') {
      this.raw.exec('PRAGMA wal_autocheckpoint = 0');
      this.checkpointer = startCheckpointer(file, () => {
        this.checkpointer = undefined;
        if (this.raw.isOpen) this.raw.exec('PRAGMA wal_autocheckpoint = 1000'); // SQLite's default: our commits checkpoint again
      });
    }
  }

  get open(): boolean {
    return this.raw.isOpen;
  }

  prepare(sql: string): Statement {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const st = this.raw.prepare(sql);
    const statement: Statement = {
      get: (...p) => st.get(...(p as SQLInputValue[])),
      all: (...p) => st.all(...(p as SQLInputValue[])),
      run: (...p) => ({ changes: Number(st.run(...(p as SQLInputValue[])).changes) }),
    };
    // SQL texts are the adapter's own, a bounded set; the cap only guards against a caller that builds many.
    if (this.statements.size >= 1000) this.statements.clear();
    this.statements.set(sql, statement);
    return statement;
  }

  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /**
   * Runs `work` in BEGIN IMMEDIATE … COMMIT (ROLLBACK when it throws): the write lock is taken at the
   * start, so another process's writer waits instead of interleaving between our read and our write.
   * A call inside another one joins the outer transaction.
   */
  immediate<T>(work: () => T): T {
    if (this.depth > 0) return work();
    this.raw.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const result = work();
      this.raw.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.raw.isTransaction) this.raw.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth--;
    }
  }

  /** Closes once, however often it is called (the checkpoint thread first); without that thread, at once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const checkpointer = this.checkpointer;
      this.checkpointer = undefined;
      if (checkpointer) await checkpointer.stop();
      this.raw.close();
    })();
    return this.closing;
  }
}

export function openDatabase(file: string): Db {
  const db = new Db(file, { checkpointThread: true });
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  db.immediate(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    for (let v = (row.v ?? 0) + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1]!);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
    }
  });
}

// SQLite's extended result codes for the two constraints a unique write can hit.
const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

/** The unique constraint a failed write hit, e.g. `users.pool_id, users.username_key`; null for other errors. */
export function uniqueViolation(err: unknown): string | null {
  const e = err as { errcode?: number; message?: string };
  if (e?.errcode !== SQLITE_CONSTRAINT_UNIQUE && e?.errcode !== SQLITE_CONSTRAINT_PRIMARYKEY) return null;
  return /constraint failed: (.*)$/.exec(e.message ?? '')?.[1] ?? '';
}

export const json = (v: unknown): string => JSON.stringify(v);
export const parse = <T>(v: string | null): T => (v === null ? (null as T) : (JSON.parse(v) as T));
