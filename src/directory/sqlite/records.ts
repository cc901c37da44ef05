// The outbox, the audit log and broker-wide values, in SQLite.
import type { AuditStore, MetaStore, OutboxStore } from '../store.js';
import { newId } from '../rules.js';
import type { AuditEvent, Millis, OutboxMessage } from '../types.js';
import { json, type Db } from './db.js';

interface OutboxRow { id: string; pool_id: string | null; channel: 'email' | 'sms'; recipient: string; subject: string; body: string; created_at: number; sent_at: number | null }
interface AuditRow { id: string; pool_id: string | null; time: number; type: string; user_id: string | null; client_id: string | null; ip: string | null; detail: string }

export class SqliteOutbox implements OutboxStore {
  constructor(private readonly db: Db) {}

  async enqueue(m: Omit<OutboxMessage, 'id' | 'createdAt' | 'sentAt'>, now: Millis): Promise<OutboxMessage> {
    const message: OutboxMessage = { ...m, id: newId(), createdAt: now, sentAt: null };
    this.db.prepare('INSERT INTO outbox (id, pool_id, channel, recipient, subject, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(message.id, m.poolId, m.channel, m.to, m.subject, m.body, now);
    return message;
  }

  async listPending(limit: number): Promise<OutboxMessage[]> {
    const rows = this.db.prepare('SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?').all(limit) as OutboxRow[];
    return rows.map((r) => ({ id: r.id, poolId: r.pool_id, channel: r.channel, to: r.recipient, subject: r.subject, body: r.body, createdAt: r.created_at, sentAt: r.sent_at }));
  }

  async markSent(id: string, now: Millis): Promise<void> {
    this.db.prepare("UPDATE outbox SET sent_at = ?, body = '' WHERE id = ?").run(now, id);
  }
}

export class SqliteAudit implements AuditStore {
  constructor(private readonly db: Db) {}

  async record(e: Omit<AuditEvent, 'id'>): Promise<void> {
    this.db.prepare('INSERT INTO audit (id, pool_id, time, type, user_id, client_id, ip, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(newId(), e.poolId, e.time, e.type, e.userId, e.clientId, e.ip, json(e.detail));
  }

  async list(poolId: string | null, options: { userId?: string; type?: string; limit?: number } = {}): Promise<AuditEvent[]> {
    const rows = this.db
      .prepare(`SELECT * FROM audit WHERE pool_id IS @pool AND (@user IS NULL OR user_id = @user) AND (@type IS NULL OR type = @type)
                ORDER BY id DESC LIMIT @limit`)
      .all({ pool: poolId, user: options.userId ?? null, type: options.type ?? null, limit: options.limit ?? 100 }) as AuditRow[];
    return rows.map((r) => ({ id: r.id, poolId: r.pool_id, time: r.time, type: r.type, userId: r.user_id, clientId: r.client_id, ip: r.ip, detail: JSON.parse(r.detail) }));
  }
}

export class SqliteMeta implements MetaStore {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | null> {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }

  async putIfAbsent(key: string, value: string): Promise<string> {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
    return (await this.get(key))!;
  }

  async list(prefix: string): Promise<{ key: string; value: string }[]> {
    // A range on the primary key (no LIKE: `_` and `%` are ordinary characters of a prefix).
    const rows = this.db.prepare('SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key').all(prefix, `${prefix}\u{10FFFF}`) as { key: string; value: string }[];
    return rows.map((r) => ({ key: r.key, value: r.value })); // plain objects, as the Mongo adapter's (node:sqlite's rows have no prototype)
  }

  async delete(key: string): Promise<boolean> {
    return Number(this.db.prepare('DELETE FROM meta WHERE key = ?').run(key).changes) > 0;
  }

  async replace(key: string, expected: string, value: string): Promise<boolean> {
    return Number(this.db.prepare('UPDATE meta SET value = ? WHERE key = ? AND value = ?').run(value, key, expected).changes) > 0;
  }
}
