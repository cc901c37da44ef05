// Short-lived browser state in SQLite: federation flows, hosted-UI sessions, one-time codes and the
// replay memory. Expiry is checked on every read; purgeExpired only reclaims space.
import type { FlowStore } from '../store.js';
import type { CodePurpose, ConsumeOneTimeCodeResult, FlowKind, HostedSession, Millis, OneTimeCode, PendingFlow } from '../types.js';
import { json, type Db } from './db.js';

interface FlowRow { state_hash: string; kind: string; pool_id: string; data: string; created_at: number; expires_at: number }
interface SessionRow { id_hash: string; pool_id: string; user_id: string; auth_time: number; data: string; created_at: number; expires_at: number }
interface CodeRow { code_hash: string; attempts: number; expires_at: number }

export class SqliteFlows implements FlowStore {
  constructor(private readonly db: Db) {}

  async saveFlow(f: PendingFlow): Promise<void> {
    this.db.prepare('INSERT INTO flows (state_hash, kind, pool_id, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(f.stateHash, f.kind, f.poolId, json(f.data), f.createdAt, f.expiresAt);
  }

  async consumeFlow<K extends FlowKind>(kind: K, stateHash: string, now: Millis): Promise<PendingFlow<K> | null> {
    // DELETE … RETURNING is one statement: of concurrent consumers only one gets the row.
    const r = this.db.prepare('DELETE FROM flows WHERE state_hash = ? AND kind = ? RETURNING *').get(stateHash, kind) as FlowRow | undefined;
    if (!r || r.expires_at <= now) return null;
    return { kind, stateHash: r.state_hash, poolId: r.pool_id, data: JSON.parse(r.data), createdAt: r.created_at, expiresAt: r.expires_at };
  }

  async createSession(s: HostedSession): Promise<void> {
    this.db.prepare('INSERT INTO sessions (id_hash, pool_id, user_id, auth_time, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(s.idHash, s.poolId, s.userId, s.authTime, json(s.data), s.createdAt, s.expiresAt);
  }

  async findSession(idHash: string, now: Millis): Promise<HostedSession | null> {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?').get(idHash, now) as SessionRow | undefined;
    return r
      ? { idHash: r.id_hash, poolId: r.pool_id, userId: r.user_id, authTime: r.auth_time, data: JSON.parse(r.data), createdAt: r.created_at, expiresAt: r.expires_at }
      : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteUserSessions(poolId: string, userId: string): Promise<number> {
    return this.db.prepare('DELETE FROM sessions WHERE pool_id = ? AND user_id = ?').run(poolId, userId).changes;
  }

  async putOneTimeCode(c: Omit<OneTimeCode, 'attempts'>): Promise<void> {
    this.db
      .prepare(`INSERT INTO one_time_codes (pool_id, user_id, purpose, code_hash, attempts, pending, created_at, expires_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)
                ON CONFLICT (pool_id, user_id, purpose) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, pending = excluded.pending,
                created_at = excluded.created_at, expires_at = excluded.expires_at`)
      .run(c.poolId, c.userId, c.purpose, c.codeHash, c.pending ?? null, c.createdAt, c.expiresAt);
  }

  async pendingOfOneTimeCode(poolId: string, userId: string, purpose: CodePurpose, now: Millis): Promise<string | null> {
    const r = this.db.prepare('SELECT pending FROM one_time_codes WHERE pool_id = ? AND user_id = ? AND purpose = ? AND expires_at > ?')
      .get(poolId, userId, purpose, now) as { pending: string | null } | undefined;
    return r?.pending ?? null;
  }

  async consumeOneTimeCode(poolId: string, userId: string, purpose: CodePurpose, codeHash: string, now: Millis, maxAttempts = 5): Promise<ConsumeOneTimeCodeResult> {
    const consume = () => this.db.immediate((): ConsumeOneTimeCodeResult => {
      const key = [poolId, userId, purpose];
      const r = this.db.prepare('SELECT code_hash, attempts, expires_at FROM one_time_codes WHERE pool_id = ? AND user_id = ? AND purpose = ?').get(...key) as CodeRow | undefined;
      if (!r) return 'none';
      if (r.expires_at <= now) return 'expired';
      if (r.attempts >= maxAttempts) return 'too_many_attempts';
      if (r.code_hash === codeHash) {
        this.db.prepare('DELETE FROM one_time_codes WHERE pool_id = ? AND user_id = ? AND purpose = ?').run(...key);
        return 'ok';
      }
      this.db.prepare('UPDATE one_time_codes SET attempts = attempts + 1 WHERE pool_id = ? AND user_id = ? AND purpose = ?').run(...key);
      return r.attempts + 1 >= maxAttempts ? 'too_many_attempts' : 'mismatch';
    });
    return consume();
  }

  async rememberOnce(namespace: string, key: string, expiresAt: Millis, now: Millis): Promise<boolean> {
    // Inserts, or takes over a record that has expired; a live record means "seen before".
    const r = this.db
      .prepare(`INSERT INTO seen (namespace, key, expires_at) VALUES (?, ?, ?)
                ON CONFLICT (namespace, key) DO UPDATE SET expires_at = excluded.expires_at WHERE seen.expires_at <= ?`)
      .run(namespace, key, expiresAt, now);
    return r.changes > 0;
  }
}
