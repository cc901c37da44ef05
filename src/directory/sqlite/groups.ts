// Groups and memberships, in SQLite.
import { GroupExists, NotFound } from '../errors.js';
import { decodePageToken, encodePageToken, pageLimit } from '../rules.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type GroupStore } from '../store.js';
import type { Group, Page, User } from '../types.js';
import { uniqueViolation, type Db } from './db.js';
import { toUser } from './users.js';

interface Row {
  pool_id: string; name: string; description: string | null; precedence: number | null; role_arn: string | null;
  created_at: number; updated_at: number;
}
const toGroup = (r: Row): Group => ({
  poolId: r.pool_id, name: r.name, description: r.description, precedence: r.precedence, roleArn: r.role_arn,
  createdAt: r.created_at, updatedAt: r.updated_at,
});
const groupNotFound = () => new NotFound('ResourceNotFoundException', 'Group not found.');

export class SqliteGroups implements GroupStore {
  constructor(private readonly db: Db) {}

  async createGroup(g: Omit<Group, 'createdAt' | 'updatedAt'>): Promise<Group> {
    const now = Date.now();
    try {
      this.db.prepare('INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(g.poolId, g.name, g.description, g.precedence, g.roleArn, now, now);
    } catch (err) {
      if (uniqueViolation(err) !== null) throw new GroupExists();
      throw err;
    }
    return { ...g, createdAt: now, updatedAt: now };
  }

  async getGroup(poolId: string, name: string): Promise<Group | null> {
    const r = this.db.prepare('SELECT * FROM groups WHERE pool_id = ? AND name = ?').get(poolId, name) as Row | undefined;
    return r ? toGroup(r) : null;
  }

  async updateGroup(poolId: string, name: string, patch: Partial<Pick<Group, 'description' | 'precedence' | 'roleArn'>>): Promise<Group> {
    const update = () => this.db.immediate((): Group => {
      const current = this.db.prepare('SELECT * FROM groups WHERE pool_id = ? AND name = ?').get(poolId, name) as Row | undefined;
      if (!current) throw groupNotFound();
      const next = { ...toGroup(current), ...patch, updatedAt: Date.now() };
      this.db.prepare('UPDATE groups SET description = ?, precedence = ?, role_arn = ?, updated_at = ? WHERE pool_id = ? AND name = ?')
        .run(next.description, next.precedence, next.roleArn, next.updatedAt, poolId, name);
      return next;
    });
    return update();
  }

  async deleteGroup(poolId: string, name: string): Promise<boolean> {
    const remove = () => this.db.immediate(() => {
      this.db.prepare('DELETE FROM memberships WHERE pool_id = ? AND group_name = ?').run(poolId, name);
      return this.db.prepare('DELETE FROM groups WHERE pool_id = ? AND name = ?').run(poolId, name).changes > 0;
    });
    return remove();
  }

  async listGroups(poolId: string): Promise<Group[]> {
    return (this.db.prepare('SELECT * FROM groups WHERE pool_id = ? ORDER BY name').all(poolId) as Row[]).map(toGroup);
  }

  async addUserToGroup(poolId: string, groupName: string, userId: string): Promise<void> {
    const add = () => this.db.immediate(() => {
      if (!this.db.prepare('SELECT 1 FROM groups WHERE pool_id = ? AND name = ?').get(poolId, groupName)) throw groupNotFound();
      if (!this.db.prepare('SELECT 1 FROM users WHERE id = ? AND pool_id = ?').get(userId, poolId))
        throw new NotFound('UserNotFoundException', 'User does not exist.');
      this.db.prepare('INSERT INTO memberships (pool_id, group_name, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(poolId, groupName, userId);
    });
    add();
  }

  async removeUserFromGroup(poolId: string, groupName: string, userId: string): Promise<void> {
    this.db.prepare('DELETE FROM memberships WHERE pool_id = ? AND group_name = ? AND user_id = ?').run(poolId, groupName, userId);
  }

  async listGroupsForUser(poolId: string, userId: string): Promise<Group[]> {
    const rows = this.db
      .prepare(`SELECT g.* FROM memberships m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
                WHERE m.pool_id = ? AND m.user_id = ? ORDER BY g.name`)
      .all(poolId, userId) as Row[];
    return rows.map(toGroup);
  }

  async listUsersInGroup(poolId: string, groupName: string, options: { limit?: number; nextToken?: string } = {}): Promise<Page<User>> {
    const limit = pageLimit(options.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    const after = decodePageToken(options.nextToken, `group:${groupName}`) ?? '';
    const rows = this.db
      .prepare(`SELECT u.* FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.pool_id = ? AND m.group_name = ? AND m.user_id > ? ORDER BY m.user_id LIMIT ?`)
      .all(poolId, groupName, after, limit + 1) as Parameters<typeof toUser>[0][];
    const items = rows.slice(0, limit).map(toUser);
    return rows.length > limit ? { items, nextToken: encodePageToken(items[items.length - 1]!.id, `group:${groupName}`) } : { items };
  }
}
