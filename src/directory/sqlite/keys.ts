// Signing and encryption keys, in SQLite. `active_slot` is unique: `<pool>:<purpose>` for the active
// key, `retired:<kid>` otherwise, so at most one key per pool and purpose is active.
import type { KeyStore } from '../store.js';
import type { KeyPurpose, Millis, SigningKey } from '../types.js';
import { json, uniqueViolation, type Db } from './db.js';

interface Row {
  kid: string; pool_id: string; purpose: string; alg: string; public_jwk: string; private_key: string;
  certificate: string | null; active_slot: string; created_at: number; retired_at: number | null; publish_until: number | null;
}
const toKey = (r: Row): SigningKey => ({
  kid: r.kid, poolId: r.pool_id, purpose: r.purpose as KeyPurpose, alg: r.alg, publicJwk: JSON.parse(r.public_jwk),
  privateKey: r.private_key, certificate: r.certificate, active: !r.active_slot.startsWith('retired:'),
  createdAt: r.created_at, retiredAt: r.retired_at, publishUntil: r.publish_until,
});
const slot = (poolId: string, purpose: string) => `${poolId}:${purpose}`;
type NewKey = Omit<SigningKey, 'active' | 'retiredAt' | 'publishUntil'>;

export class SqliteKeys implements KeyStore {
  constructor(private readonly db: Db) {}

  private insert(k: NewKey): void {
    this.db
      .prepare(`INSERT INTO keys (kid, pool_id, purpose, alg, public_jwk, private_key, certificate, active_slot, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(k.kid, k.poolId, k.purpose, k.alg, json(k.publicJwk), k.privateKey, k.certificate, slot(k.poolId, k.purpose), k.createdAt);
  }

  async addKeyIfNone(k: NewKey): Promise<SigningKey> {
    try {
      this.insert(k);
    } catch (err) {
      if (uniqueViolation(err) === null) throw err;
    }
    return (await this.getActiveKey(k.poolId, k.purpose))!;
  }

  async rotateKey(k: NewKey, now: Millis, publishUntil: Millis): Promise<SigningKey> {
    const rotate = () => this.db.immediate(() => {
      this.db
        .prepare(`UPDATE keys SET active_slot = 'retired:' || kid, retired_at = ?, publish_until = ? WHERE active_slot = ?`)
        .run(now, publishUntil, slot(k.poolId, k.purpose));
      this.insert(k);
    });
    rotate();
    return (await this.getKey(k.kid))!;
  }

  async getActiveKey(poolId: string, purpose: KeyPurpose): Promise<SigningKey | null> {
    const r = this.db.prepare('SELECT * FROM keys WHERE active_slot = ?').get(slot(poolId, purpose)) as Row | undefined;
    return r ? toKey(r) : null;
  }

  async getKey(kid: string): Promise<SigningKey | null> {
    const r = this.db.prepare('SELECT * FROM keys WHERE kid = ?').get(kid) as Row | undefined;
    return r ? toKey(r) : null;
  }

  async listPublishedKeys(poolId: string, now: Millis): Promise<SigningKey[]> {
    const rows = this.db
      .prepare(`SELECT * FROM keys WHERE pool_id = ? AND (active_slot NOT LIKE 'retired:%' OR publish_until > ?) ORDER BY created_at DESC, kid`)
      .all(poolId, now) as Row[];
    return rows.map(toKey);
  }
}
