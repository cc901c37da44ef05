// Authorization codes and refresh-token families, in SQLite. Single use and rotation are decided
// inside one immediate transaction each.
import type { TokenStore } from '../store.js';
import type { AuthCode, ConsumeCodeResult, Millis, RefreshFamily, RefreshToken, RotateResult } from '../types.js';
import { json, type Db } from './db.js';

interface CodeRow { hash: string; data: string; created_at: number; expires_at: number; consumed_at: number | null }
interface FamilyRow {
  id: string; pool_id: string; client_id: string; user_id: string; origin_jti: string; auth_time: number; scopes: string;
  code_hash: string | null; created_at: number; expires_at: number; revoked_at: number | null; revoked_reason: string | null;
}
interface TokenRow { hash: string; family_id: string; created_at: number; expires_at: number; rotated_at: number | null }

const toCode = (r: CodeRow): AuthCode => ({ ...JSON.parse(r.data), hash: r.hash, createdAt: r.created_at, expiresAt: r.expires_at, consumedAt: r.consumed_at });
const toFamily = (r: FamilyRow): RefreshFamily => ({
  id: r.id, poolId: r.pool_id, clientId: r.client_id, userId: r.user_id, originJti: r.origin_jti, authTime: r.auth_time,
  scopes: JSON.parse(r.scopes), codeHash: r.code_hash, createdAt: r.created_at, expiresAt: r.expires_at,
  revokedAt: r.revoked_at, revokedReason: r.revoked_reason,
});
const toToken = (r: TokenRow): RefreshToken => ({ hash: r.hash, familyId: r.family_id, createdAt: r.created_at, expiresAt: r.expires_at, rotatedAt: r.rotated_at });

export class SqliteTokens implements TokenStore {
  constructor(private readonly db: Db) {}

  async saveAuthCode(code: Omit<AuthCode, 'consumedAt'>): Promise<void> {
    const { hash, createdAt, expiresAt, ...data } = code;
    this.db.prepare('INSERT INTO auth_codes (hash, pool_id, user_id, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(hash, code.poolId, code.userId, json(data), createdAt, expiresAt);
  }

  async consumeAuthCode(hash: string, now: Millis): Promise<ConsumeCodeResult> {
    const consume = () => this.db.immediate((): ConsumeCodeResult => {
      const row = this.db.prepare('SELECT * FROM auth_codes WHERE hash = ?').get(hash) as CodeRow | undefined;
      if (!row) return { status: 'invalid' };
      if (row.consumed_at !== null) return { status: 'replayed', code: toCode(row) };
      if (row.expires_at <= now) return { status: 'invalid' };
      this.db.prepare('UPDATE auth_codes SET consumed_at = ? WHERE hash = ?').run(now, hash);
      return { status: 'ok', code: toCode({ ...row, consumed_at: now }) };
    });
    return consume();
  }

  async createRefreshFamily(f: Omit<RefreshFamily, 'revokedAt' | 'revokedReason'>, t: Omit<RefreshToken, 'familyId' | 'rotatedAt'>): Promise<void> {
    const create = () => this.db.immediate(() => {
      this.db
        .prepare(`INSERT INTO refresh_families (id, pool_id, client_id, user_id, origin_jti, auth_time, scopes, code_hash, created_at, expires_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(f.id, f.poolId, f.clientId, f.userId, f.originJti, f.authTime, json(f.scopes), f.codeHash, f.createdAt, f.expiresAt);
      this.db.prepare('INSERT INTO refresh_tokens (hash, family_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(t.hash, f.id, t.createdAt, t.expiresAt);
    });
    create();
  }

  private live(hash: string, now: Millis): { token: TokenRow; family: FamilyRow } | null {
    const token = this.db.prepare('SELECT * FROM refresh_tokens WHERE hash = ?').get(hash) as TokenRow | undefined;
    if (!token) return null;
    const family = this.db.prepare('SELECT * FROM refresh_families WHERE id = ?').get(token.family_id) as FamilyRow | undefined;
    if (!family || family.revoked_at !== null || family.expires_at <= now || token.expires_at <= now) return null;
    return { token, family };
  }

  async findRefreshToken(hash: string, now: Millis): Promise<{ token: RefreshToken; family: RefreshFamily } | null> {
    const found = this.live(hash, now);
    if (!found || found.token.rotated_at !== null) return null;
    return { token: toToken(found.token), family: toFamily(found.family) };
  }

  async rotateRefreshToken(oldHash: string, next: Omit<RefreshToken, 'familyId' | 'rotatedAt'>, now: Millis, graceMs = 0): Promise<RotateResult> {
    const rotate = () => this.db.immediate((): RotateResult => {
      const found = this.live(oldHash, now);
      if (!found) return { status: 'invalid' };
      const { token, family } = found;
      const inGrace = token.rotated_at !== null && graceMs > 0 && now - token.rotated_at <= graceMs;
      if (token.rotated_at !== null && !inGrace) {
        this.db.prepare('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE id = ?').run(now, 'refresh token reuse', family.id);
        return { status: 'reused', family: toFamily({ ...family, revoked_at: now, revoked_reason: 'refresh token reuse' }) };
      }
      if (token.rotated_at === null) this.db.prepare('UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ?').run(now, oldHash);
      // A retry within the grace period may bring the same successor again: one live branch, not two.
      this.db.prepare('INSERT INTO refresh_tokens (hash, family_id, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING')
        .run(next.hash, family.id, next.createdAt, Math.min(next.expiresAt, family.expires_at));
      return { status: 'rotated', family: toFamily(family) };
    });
    return rotate();
  }

  async getRefreshFamily(id: string): Promise<RefreshFamily | null> {
    const r = this.db.prepare('SELECT * FROM refresh_families WHERE id = ?').get(id) as FamilyRow | undefined;
    return r ? toFamily(r) : null;
  }

  async revokeRefreshFamily(id: string, reason: string, now: Millis): Promise<void> {
    this.db.prepare('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL').run(now, reason, id);
  }

  async revokeFamiliesFromCode(codeHash: string, reason: string, now: Millis): Promise<number> {
    return this.db.prepare('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE code_hash = ? AND revoked_at IS NULL')
      .run(now, reason, codeHash).changes;
  }

  async revokeUserRefreshFamilies(poolId: string, userId: string, reason: string, now: Millis, exceptOriginJti?: string): Promise<number> {
    return this.db
      .prepare('UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE pool_id = ? AND user_id = ? AND revoked_at IS NULL AND origin_jti IS NOT ?')
      .run(now, reason, poolId, userId, exceptOriginJti ?? null).changes;
  }
}
