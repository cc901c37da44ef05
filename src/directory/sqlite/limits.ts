// Attempt counters and take-windows for any key, in SQLite: each call reads, decides (rules.ts) and
// writes its record in one IMMEDIATE transaction, so processes sharing the file never outrun a limit.
import { countLimitAttempt, limitRecordKey, takeFromWindow, type LimitRecord } from '../rules.js';
import { COGNITO_LOCKOUT, type LimitStore, type LockoutPolicy } from '../store.js';
import type { Millis } from '../types.js';
import type { Db } from './db.js';

interface Row { count: number; at: number | null; until: number | null; expires_at: number }

export class SqliteLimits implements LimitStore {
  constructor(private readonly db: Db) {}

  /** Reads the record, lets `decide` compute the result and the record to write (null: none), writes it. */
  private update<R extends { next: LimitRecord | null }>(key: string, decide: (cur: LimitRecord | null) => R): R {
    const run = () => this.db.immediate((): R => {
      const r = this.db.prepare('SELECT count, at, until, expires_at FROM limits WHERE key = ?').get(key) as Row | undefined;
      const decided = decide(r ? { count: r.count, at: r.at, until: r.until, expiresAt: r.expires_at } : null);
      const { next } = decided;
      if (next)
        this.db
          .prepare(`INSERT INTO limits (key, count, at, until, expires_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET count = excluded.count, at = excluded.at, until = excluded.until, expires_at = excluded.expires_at`)
          .run(key, next.count, next.at, next.until, next.expiresAt);
      return decided;
    });
    return run();
  }

  async beginAttempt(key: string, now: Millis, policy: LockoutPolicy = COGNITO_LOCKOUT) {
    return this.update(limitRecordKey('attempts', key), (cur) => countLimitAttempt(cur, now, policy)).attempt;
  }

  async resetAttempts(key: string): Promise<void> {
    this.db.prepare('DELETE FROM limits WHERE key = ?').run(limitRecordKey('attempts', key));
  }

  async resetWindow(key: string): Promise<void> {
    this.db.prepare('DELETE FROM limits WHERE key = ?').run(limitRecordKey('window', key));
  }

  async take(key: string, limit: number, windowMs: Millis, now: Millis) {
    return this.update(limitRecordKey('window', key), (cur) => takeFromWindow(cur, limit, windowMs, now)).result;
  }
}
