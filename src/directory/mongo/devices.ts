// Users' devices (Cognito device tracking), in MongoDB. A DeviceKey is taken once per pool by the unique
// insert on (pool, deviceKey); every other write finds the user's own device first and then writes or
// deletes that document by its _id (never reused), so FerretDB's non-atomic filtered writes cannot reach
// another user's device or a device created again under the same key meanwhile. FerretDB also writes an
// updated document back whole (concurrent $sets of different fields would lose all but one), so updates
// and deletes hold the device's lease (see atomic.ts). Listed in creation order: createdAt, then the
// time-ordered _id of devices created in the same millisecond.
import { DeviceExists, NotFound } from '../errors.js';
import { checkAttributeNames, decodeDeviceCursor, encodeDeviceCursor, newId, pageLimit } from '../rules.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type DeviceStore } from '../store.js';
import type { Device, DeviceStatus, Page } from '../types.js';
import { withLock } from './atomic.js';
import { guarded, isDuplicateKey } from './errors.js';
import type { DeviceDoc, Models } from './models.js';

/** The lease of a device's writes; `device:…` keys never meet the users' (`user:…`) or limits' (`limit:…`). */
const lockKey = (poolId: string, deviceKey: string) => `device:${poolId}:${deviceKey}`;

const toDevice = (d: DeviceDoc): Device => ({
  poolId: d.poolId, userId: d.userId, deviceKey: d.deviceKey, deviceGroupKey: d.deviceGroupKey, verifier: d.verifier ?? null,
  attributes: { ...(d.attributes ?? {}) }, status: (d.status ?? null) as DeviceStatus | null, confirmed: d.confirmed,
  lastAuthenticatedAt: d.lastAuthenticatedAt ?? null, lastIp: d.lastIp ?? null, createdAt: d.createdAt, updatedAt: d.updatedAt,
});


export function mongoDevices(m: Models): DeviceStore {
  const find = (poolId: string, userId: string, deviceKey: string) => m.Device.findOne({ poolId, deviceKey, userId }).lean<DeviceDoc>();

  return guarded<DeviceStore>({
    async createDevice(d) {
      checkAttributeNames(d.attributes);
      if (!(await m.User.exists({ _id: d.userId, poolId: d.poolId }))) throw new NotFound('UserNotFoundException', 'User does not exist.');
      const now = Date.now();
      const device: Device = { ...d, attributes: { ...d.attributes }, createdAt: now, updatedAt: now };
      try {
        await m.Device.create({ _id: newId(), ...device });
      } catch (err) {
        if (isDuplicateKey(err)) throw new DeviceExists();
        throw err;
      }
      return device;
    },

    async getDevice(poolId, userId, deviceKey) {
      const d = await find(poolId, userId, deviceKey);
      return d ? toDevice(d) : null;
    },

    async listDevices(poolId, userId, options = {}) {
      const limit = pageLimit(options.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
      const after = decodeDeviceCursor(options.nextToken, userId);
      const query: Record<string, unknown> = { poolId, userId };
      if (after) query.$or = [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.id } }];
      const docs = await m.Device.find(query).sort({ createdAt: 1, _id: 1 }).limit(limit + 1).lean<DeviceDoc[]>();
      const page: Page<Device> = { items: docs.slice(0, limit).map(toDevice) };
      if (docs.length > limit) {
        const last = docs[limit - 1]!;
        page.nextToken = encodeDeviceCursor(last.createdAt, String(last._id), userId);
      }
      return page;
    },

    async updateDevice(poolId, userId, deviceKey, patch) {
      if (patch.attributes !== undefined) checkAttributeNames(patch.attributes);
      return withLock(m, lockKey(poolId, deviceKey), async () => {
        const cur = await find(poolId, userId, deviceKey);
        if (!cur) return null;
        const set: Record<string, unknown> = { updatedAt: Math.max(Date.now(), cur.updatedAt) };
        for (const field of ['verifier', 'status', 'confirmed', 'lastAuthenticatedAt', 'lastIp'] as const)
          if (patch[field] !== undefined) set[field] = patch[field];
        if (patch.attributes !== undefined) set.attributes = { ...patch.attributes };
        const d = await m.Device.findOneAndUpdate({ _id: cur._id }, { $set: set }, { new: true }).lean<DeviceDoc>();
        return d ? toDevice(d) : null;
      });
    },

    async deleteDevice(poolId, userId, deviceKey) {
      return withLock(m, lockKey(poolId, deviceKey), async () => {
        const cur = await find(poolId, userId, deviceKey);
        if (!cur) return false;
        return (await m.Device.deleteOne({ _id: cur._id })).deletedCount > 0;
      });
    },
  });
}
