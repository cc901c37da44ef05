// Provider identities linked to users, in SQLite; (pool, provider, subject) is the primary key.
import { IdentityAlreadyLinked, NotFound } from '../errors.js';
import type { IdentityStore } from '../store.js';
import type { LinkedIdentity } from '../types.js';
import { uniqueViolation, type Db } from './db.js';

interface Row {
  pool_id: string; provider_name: string; subject: string; user_id: string; provider_type: string; issuer: string | null;
  is_primary: number; last_claims: string | null; created_at: number; updated_at: number;
}

const toIdentity = (r: Row): LinkedIdentity => ({
  poolId: r.pool_id, providerName: r.provider_name, subject: r.subject, userId: r.user_id, providerType: r.provider_type,
  issuer: r.issuer, primary: r.is_primary === 1, lastClaims: r.last_claims, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class SqliteIdentities implements IdentityStore {
  constructor(private readonly db: Db) {}

  async linkIdentity(i: Omit<LinkedIdentity, 'createdAt' | 'updatedAt'>): Promise<LinkedIdentity> {
    const now = Date.now();
    const link = () => this.db.immediate(() => {
      if (!this.db.prepare('SELECT 1 FROM users WHERE id = ? AND pool_id = ?').get(i.userId, i.poolId))
        throw new NotFound('UserNotFoundException', 'User does not exist.');
      this.db
        .prepare(`INSERT INTO identities (pool_id, provider_name, subject, user_id, provider_type, issuer, is_primary, last_claims,
                  created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(i.poolId, i.providerName, i.subject, i.userId, i.providerType, i.issuer, i.primary ? 1 : 0, i.lastClaims, now, now);
    });
    try {
      link();
    } catch (err) {
      if (uniqueViolation(err) !== null) throw new IdentityAlreadyLinked();
      throw err;
    }
    return { ...i, createdAt: now, updatedAt: now };
  }

  async findIdentity(poolId: string, providerName: string, subject: string): Promise<LinkedIdentity | null> {
    const r = this.db.prepare('SELECT * FROM identities WHERE pool_id = ? AND provider_name = ? AND subject = ?').get(poolId, providerName, subject) as Row | undefined;
    return r ? toIdentity(r) : null;
  }

  async listIdentities(poolId: string, userId: string): Promise<LinkedIdentity[]> {
    const rows = this.db.prepare('SELECT * FROM identities WHERE pool_id = ? AND user_id = ? ORDER BY created_at, provider_name').all(poolId, userId) as Row[];
    return rows.map(toIdentity);
  }

  async updateIdentityClaims(poolId: string, providerName: string, subject: string, claims: string): Promise<void> {
    this.db.prepare('UPDATE identities SET last_claims = ?, updated_at = ? WHERE pool_id = ? AND provider_name = ? AND subject = ?')
      .run(claims, Date.now(), poolId, providerName, subject);
  }

  async unlinkIdentity(poolId: string, providerName: string, subject: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM identities WHERE pool_id = ? AND provider_name = ? AND subject = ?').run(poolId, providerName, subject).changes > 0;
  }
}
