// Users' devices (Cognito device tracking), in SQLite: (pool, DeviceKey) is the primary key, so a key is
// taken once per pool; every read and write names the user too. Listed in creation order: created_at,
// then the time-ordered id of devices created in the same millisecond.
import { DeviceExists, NotFound } from '../errors.js';
import { checkAttributeNames, decodeDeviceCursor, encodeDeviceCursor, newId, pageLimit } from '../rules.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type DevicePatch, type DeviceStore } from '../store.js';
import type { Device, DeviceStatus, Page } from '../types.js';
import { json, uniqueViolation, type Db } from './db.js';

interface Row {
  pool_id: string; device_key: string; user_id: string; id: string; device_group_key: string; verifier: string | null;
  attributes: string; status: string | null; confirmed: number; last_authenticated_at: number | null; last_ip: string | null;
  created_at: number; updated_at: number;
}

const toDevice = (r: Row): Device => ({
  poolId: r.pool_id, userId: r.user_id, deviceKey: r.device_key, deviceGroupKey: r.device_group_key, verifier: r.verifier,
  attributes: JSON.parse(r.attributes), status: r.status as DeviceStatus | null, confirmed: r.confirmed === 1,
  lastAuthenticatedAt: r.last_authenticated_at, lastIp: r.last_ip, createdAt: r.created_at, updatedAt: r.updated_at,
});


export class SqliteDevices implements DeviceStore {
  constructor(private readonly db: Db) {}

  private row(poolId: string, userId: string, deviceKey: string): Row | undefined {
    return this.db.prepare('SELECT * FROM devices WHERE pool_id = ? AND device_key = ? AND user_id = ?').get(poolId, deviceKey, userId) as Row | undefined;
  }

  async createDevice(d: Omit<Device, 'createdAt' | 'updatedAt'>): Promise<Device> {
    checkAttributeNames(d.attributes);
    const now = Date.now();
    const device: Device = { ...d, attributes: { ...d.attributes }, createdAt: now, updatedAt: now };
    const create = () => this.db.immediate(() => {
      if (!this.db.prepare('SELECT 1 FROM users WHERE id = ? AND pool_id = ?').get(d.userId, d.poolId))
        throw new NotFound('UserNotFoundException', 'User does not exist.');
      this.db
        .prepare(`INSERT INTO devices (pool_id, device_key, user_id, id, device_group_key, verifier, attributes, status, confirmed,
                  last_authenticated_at, last_ip, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(device.poolId, device.deviceKey, device.userId, newId(), device.deviceGroupKey, device.verifier, json(device.attributes),
          device.status, device.confirmed ? 1 : 0, device.lastAuthenticatedAt, device.lastIp, now, now);
    });
    try {
      create();
    } catch (err) {
      if (uniqueViolation(err) !== null) throw new DeviceExists();
      throw err;
    }
    return device;
  }

  async getDevice(poolId: string, userId: string, deviceKey: string): Promise<Device | null> {
    const r = this.row(poolId, userId, deviceKey);
    return r ? toDevice(r) : null;
  }

  async listDevices(poolId: string, userId: string, options: { limit?: number; nextToken?: string } = {}): Promise<Page<Device>> {
    const limit = pageLimit(options.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    const after = decodeDeviceCursor(options.nextToken, userId);
    const rows = (after
      ? this.db
        .prepare(`SELECT * FROM devices WHERE pool_id = ? AND user_id = ? AND (created_at > ? OR (created_at = ? AND id > ?))
                  ORDER BY created_at, id LIMIT ?`)
        .all(poolId, userId, after.createdAt, after.createdAt, after.id, limit + 1)
      : this.db.prepare('SELECT * FROM devices WHERE pool_id = ? AND user_id = ? ORDER BY created_at, id LIMIT ?').all(poolId, userId, limit + 1)) as Row[];
    const items = rows.slice(0, limit).map(toDevice);
    if (rows.length <= limit) return { items };
    const last = rows[limit - 1]!;
    return { items, nextToken: encodeDeviceCursor(last.created_at, String(last.id), userId) };
  }

  async updateDevice(poolId: string, userId: string, deviceKey: string, patch: DevicePatch): Promise<Device | null> {
    if (patch.attributes !== undefined) checkAttributeNames(patch.attributes);
    const update = () => this.db.immediate((): Device | null => {
      const r = this.row(poolId, userId, deviceKey);
      if (!r) return null;
      const cur = toDevice(r);
      const next: Device = {
        ...cur,
        verifier: patch.verifier !== undefined ? patch.verifier : cur.verifier,
        status: patch.status !== undefined ? patch.status : cur.status,
        confirmed: patch.confirmed ?? cur.confirmed,
        attributes: patch.attributes !== undefined ? { ...patch.attributes } : cur.attributes,
        lastAuthenticatedAt: patch.lastAuthenticatedAt ?? cur.lastAuthenticatedAt,
        lastIp: patch.lastIp !== undefined ? patch.lastIp : cur.lastIp,
        updatedAt: Math.max(Date.now(), cur.updatedAt),
      };
      this.db
        .prepare(`UPDATE devices SET verifier = ?, status = ?, confirmed = ?, attributes = ?, last_authenticated_at = ?, last_ip = ?,
                  updated_at = ? WHERE pool_id = ? AND device_key = ? AND user_id = ?`)
        .run(next.verifier, next.status, next.confirmed ? 1 : 0, json(next.attributes), next.lastAuthenticatedAt, next.lastIp,
          next.updatedAt, poolId, deviceKey, userId);
      return next;
    });
    return update();
  }

  async deleteDevice(poolId: string, userId: string, deviceKey: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM devices WHERE pool_id = ? AND device_key = ? AND user_id = ?').run(poolId, deviceKey, userId).changes > 0;
  }
}
