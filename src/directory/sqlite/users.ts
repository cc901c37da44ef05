// Users, their aliases and the ListUsers search index, in SQLite.
import { AliasExists, NotFound, UsernameExists } from '../errors.js';
import {
  aliasKey, applyUserPatch, checkAttributeNames, countSignInAttempt, newUserRecord, decodePageToken, encodePageToken, filterEntry, pageLimit,
  searchEntries, usernameKey,
} from '../rules.js';
import { COGNITO_LOCKOUT, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type LockoutPolicy, type UserPatch, type UserStore } from '../store.js';
import type { AliasKind, Millis, NewUser, Page, SignInAttempt, SignInFailure, User, UserFilter } from '../types.js';
import { json, uniqueViolation, type Db } from './db.js';
import type { PoolCase } from './pools.js';

interface UserRow {
  id: string; pool_id: string; sub: string; username: string; username_key: string; status: string; enabled: number;
  attributes: string; password_hash: string | null; srp_verifier: string | null; mfa: string | null; failed_sign_ins: number; last_failed_sign_in_at: number | null;
  locked_until: number | null; created_at: number; updated_at: number;
}

export const toUser = (r: UserRow): User => ({
  id: r.id, poolId: r.pool_id, sub: r.sub, username: r.username, status: r.status as User['status'],
  enabled: r.enabled === 1, attributes: JSON.parse(r.attributes), passwordHash: r.password_hash,
  srpVerifier: r.srp_verifier, mfa: r.mfa ? JSON.parse(r.mfa) : null, failedSignIns: r.failed_sign_ins, lastFailedSignInAt: r.last_failed_sign_in_at, lockedUntil: r.locked_until,
  createdAt: r.created_at, updatedAt: r.updated_at,
});

export class SqliteUsers implements UserStore {
  constructor(private readonly db: Db, private readonly caseOf: PoolCase) {}

  private writeSearch(user: User): void {
    this.db.prepare('DELETE FROM user_search WHERE user_id = ?').run(user.id);
    const insert = this.db.prepare('INSERT INTO user_search (pool_id, entry, user_id) VALUES (?, ?, ?)');
    for (const entry of searchEntries(user)) insert.run(user.poolId, entry, user.id);
  }

  async createUser(input: NewUser): Promise<User> {
    checkAttributeNames(input.attributes);
    const caseSensitive = this.caseOf(input.poolId);
    const now = Date.now();
    // rules.newUserRecord leaves the SRP verifier out: it is kept as given, like the password hash.
    const user: User = newUserRecord(input, now);
    const create = () => this.db.immediate(() => {
      this.db
        .prepare(`INSERT INTO users (id, pool_id, sub, username, username_key, status, enabled, attributes, password_hash,
                  srp_verifier, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(user.id, user.poolId, user.sub, user.username, usernameKey(user.username, caseSensitive), user.status,
          user.enabled ? 1 : 0, json(user.attributes), user.passwordHash, user.srpVerifier, now, now);
      for (const alias of input.aliases ?? [])
        this.db.prepare('INSERT INTO aliases (pool_id, kind, key, user_id) VALUES (?, ?, ?, ?)')
          .run(user.poolId, alias.kind, aliasKey(alias.kind, alias.value, caseSensitive), user.id);
      this.writeSearch(user);
    });
    try {
      create();
    } catch (err) {
      const which = uniqueViolation(err);
      if (which === null) throw err;
      if (which.startsWith('aliases.')) throw new AliasExists();
      throw new UsernameExists();
    }
    return user;
  }

  private one(sql: string, ...args: unknown[]): User | null {
    const row = this.db.prepare(sql).get(...args) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async getUser(poolId: string, userId: string): Promise<User | null> {
    return this.one('SELECT * FROM users WHERE id = ? AND pool_id = ?', userId, poolId);
  }

  async findUserByUsername(poolId: string, username: string): Promise<User | null> {
    return this.one('SELECT * FROM users WHERE pool_id = ? AND username_key = ?', poolId, usernameKey(username, this.caseOf(poolId)));
  }

  async findUserBySub(poolId: string, sub: string): Promise<User | null> {
    return this.one('SELECT * FROM users WHERE pool_id = ? AND sub = ?', poolId, sub);
  }

  async findUserByAlias(poolId: string, kind: AliasKind, value: string): Promise<User | null> {
    return this.one(
      'SELECT u.* FROM aliases a JOIN users u ON u.id = a.user_id WHERE a.pool_id = ? AND a.kind = ? AND a.key = ?',
      poolId, kind, aliasKey(kind, value, this.caseOf(poolId)),
    );
  }

  async updateUser(poolId: string, userId: string, patch: UserPatch): Promise<User> {
    checkAttributeNames(patch.setAttributes, patch.deleteAttributes);
    const update = () => this.db.immediate((): User => {
      const current = this.one('SELECT * FROM users WHERE id = ? AND pool_id = ?', userId, poolId);
      if (!current) throw new NotFound('UserNotFoundException', 'User does not exist.');
      const next = applyUserPatch(current, patch);
      this.db
        .prepare('UPDATE users SET status = ?, enabled = ?, password_hash = ?, srp_verifier = ?, mfa = ?, attributes = ?, updated_at = ? WHERE id = ?')
        .run(next.status, next.enabled ? 1 : 0, next.passwordHash, next.srpVerifier, next.mfa ? json(next.mfa) : null, json(next.attributes), next.updatedAt, userId);
      this.writeSearch(next);
      return next;
    });
    return update();
  }

  async deleteUser(poolId: string, userId: string): Promise<boolean> {
    const remove = () => this.db.immediate((): boolean => {
      const families = this.db.prepare('SELECT id FROM refresh_families WHERE pool_id = ? AND user_id = ?').all(poolId, userId) as { id: string }[];
      for (const f of families) this.db.prepare('DELETE FROM refresh_tokens WHERE family_id = ?').run(f.id);
      for (const table of ['refresh_families', 'aliases', 'identities', 'memberships', 'devices', 'one_time_codes', 'sessions', 'auth_codes'])
        this.db.prepare(`DELETE FROM ${table} WHERE pool_id = ? AND user_id = ?`).run(poolId, userId);
      this.db.prepare('DELETE FROM user_search WHERE user_id = ?').run(userId);
      return this.db.prepare('DELETE FROM users WHERE id = ? AND pool_id = ?').run(userId, poolId).changes > 0;
    });
    return remove();
  }

  async listUsers(poolId: string, options: { filter?: UserFilter; limit?: number; nextToken?: string } = {}): Promise<Page<User>> {
    const limit = pageLimit(options.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    const scope = options.filter ? `${options.filter.attribute}${options.filter.op}${options.filter.value}` : '';
    const after = decodePageToken(options.nextToken, scope) ?? '';
    let rows: UserRow[];
    if (!options.filter) {
      rows = this.db.prepare('SELECT * FROM users WHERE pool_id = ? AND id > ? ORDER BY id LIMIT ?').all(poolId, after, limit + 1) as UserRow[];
    } else if (options.filter.op === '=') {
      rows = this.db
        .prepare(`SELECT u.* FROM user_search s JOIN users u ON u.id = s.user_id
                  WHERE s.pool_id = ? AND s.entry = ? AND s.user_id > ? ORDER BY s.user_id LIMIT ?`)
        .all(poolId, filterEntry(options.filter), after, limit + 1) as UserRow[];
    } else {
      const prefix = filterEntry(options.filter);
      rows = this.db
        .prepare(`SELECT u.* FROM user_search s JOIN users u ON u.id = s.user_id
                  WHERE s.pool_id = @pool AND s.entry >= @prefix AND s.entry < @upper
                    AND substr(s.entry, 1, length(@prefix)) = @prefix AND s.user_id > @after
                  ORDER BY s.user_id LIMIT @limit`)
        .all({ pool: poolId, prefix, upper: prefix + '\u{10FFFF}', after, limit: limit + 1 }) as UserRow[];
    }
    const items = rows.slice(0, limit).map(toUser);
    return rows.length > limit ? { items, nextToken: encodePageToken(items[items.length - 1]!.id, scope) } : { items };
  }

  async claimAlias(poolId: string, kind: AliasKind, value: string, userId: string, options: { force?: boolean } = {}): Promise<void> {
    const key = aliasKey(kind, value, this.caseOf(poolId));
    const claim = () => this.db.immediate(() => {
      if (!this.db.prepare('SELECT 1 FROM users WHERE id = ? AND pool_id = ?').get(userId, poolId))
        throw new NotFound('UserNotFoundException', 'User does not exist.');
      if (options.force) this.db.prepare('DELETE FROM aliases WHERE pool_id = ? AND kind = ? AND key = ?').run(poolId, kind, key);
      this.db.prepare('DELETE FROM aliases WHERE pool_id = ? AND user_id = ? AND kind = ? AND key <> ?').run(poolId, userId, kind, key);
      this.db.prepare('INSERT INTO aliases (pool_id, kind, key, user_id) VALUES (?, ?, ?, ?) ON CONFLICT (pool_id, kind, key) DO NOTHING')
        .run(poolId, kind, key, userId);
      const owner = this.db.prepare('SELECT user_id FROM aliases WHERE pool_id = ? AND kind = ? AND key = ?').get(poolId, kind, key) as { user_id: string };
      if (owner.user_id !== userId) throw new AliasExists();
    });
    claim();
  }

  async releaseAlias(poolId: string, kind: AliasKind, userId: string): Promise<void> {
    this.db.prepare('DELETE FROM aliases WHERE pool_id = ? AND user_id = ? AND kind = ?').run(poolId, userId, kind);
  }

  private countAttempt(poolId: string, userId: string, now: Millis, policy: LockoutPolicy, refuseWhileLocked: boolean): SignInAttempt {
    const count = () => this.db.immediate((): SignInAttempt => {
      const row = this.db.prepare('SELECT failed_sign_ins, last_failed_sign_in_at, locked_until FROM users WHERE id = ? AND pool_id = ?')
        .get(userId, poolId) as Pick<UserRow, 'failed_sign_ins' | 'last_failed_sign_in_at' | 'locked_until'> | undefined;
      if (!row) throw new NotFound('UserNotFoundException', 'User does not exist.');
      const { allowed, next } = countSignInAttempt(
        { failedSignIns: row.failed_sign_ins, lastFailedSignInAt: row.last_failed_sign_in_at, lockedUntil: row.locked_until }, now, policy, refuseWhileLocked);
      if (allowed)
        this.db.prepare('UPDATE users SET failed_sign_ins = ?, last_failed_sign_in_at = ?, locked_until = ? WHERE id = ?')
          .run(next.failedSignIns, next.lastFailedSignInAt, next.lockedUntil, userId);
      return { allowed, failedSignIns: next.failedSignIns, lockedUntil: next.lockedUntil };
    });
    return count();
  }

  async recordSignInFailure(poolId: string, userId: string, now: Millis, policy: LockoutPolicy = COGNITO_LOCKOUT): Promise<SignInFailure> {
    const { failedSignIns, lockedUntil } = this.countAttempt(poolId, userId, now, policy, false);
    return { failedSignIns, lockedUntil };
  }

  async beginSignInAttempt(poolId: string, userId: string, now: Millis, policy: LockoutPolicy = COGNITO_LOCKOUT): Promise<SignInAttempt> {
    return this.countAttempt(poolId, userId, now, policy, true);
  }

  async resetSignInFailures(poolId: string, userId: string): Promise<void> {
    this.db.prepare('UPDATE users SET failed_sign_ins = 0, last_failed_sign_in_at = NULL, locked_until = NULL WHERE id = ? AND pool_id = ?')
      .run(userId, poolId);
  }
}

