// The outbox, the audit log and broker-wide values, in MongoDB. Ids come from rules.newId (time-ordered),
// so sorting by _id is sorting by creation.
import { newId } from '../rules.js';
import type { AuditStore, MetaStore, OutboxStore } from '../store.js';
import type { AuditEvent, OutboxMessage } from '../types.js';
import { guarded, isDuplicateKey } from './errors.js';
import type { AuditDoc, MetaDoc, Models, OutboxDoc } from './models.js';
import { escapeRegex } from './users.js';
import { withLock } from './atomic.js';

const toMessage = (d: OutboxDoc): OutboxMessage => ({
  id: d._id, poolId: d.poolId ?? null, channel: d.channel as OutboxMessage['channel'], to: d.to, subject: d.subject,
  body: d.body, createdAt: d.createdAt, sentAt: d.sentAt ?? null,
});
const toEvent = (d: AuditDoc): AuditEvent => ({
  id: d._id, poolId: d.poolId ?? null, time: d.time, type: d.type, userId: d.userId ?? null, clientId: d.clientId ?? null,
  ip: d.ip ?? null, detail: JSON.parse(d.detail),
});

export function mongoOutbox(m: Models): OutboxStore {
  return guarded<OutboxStore>({
    async enqueue(message, now) {
      const stored: OutboxMessage = { ...message, id: newId(), createdAt: now, sentAt: null };
      await m.Outbox.create({ ...stored, _id: stored.id });
      return stored;
    },

    async listPending(limit) {
      return (await m.Outbox.find({ sentAt: null }).sort({ _id: 1 }).limit(limit).lean<OutboxDoc[]>()).map(toMessage);
    },

    async markSent(id, now) {
      await m.Outbox.updateOne({ _id: id }, { $set: { sentAt: now, body: '' } });
    },
  });
}

export function mongoAudit(m: Models): AuditStore {
  return guarded<AuditStore>({
    async record(event) {
      await m.Audit.create({ ...event, _id: newId(), detail: JSON.stringify(event.detail) });
    },

    async list(poolId, options = {}) {
      // poolId null lists the broker-wide events (those without a pool), as the SQLite store does.
      const query: Record<string, unknown> = { poolId };
      if (options.userId !== undefined) query.userId = options.userId;
      if (options.type !== undefined) query.type = options.type;
      const docs = await m.Audit.find(query).sort({ _id: -1 }).limit(options.limit ?? 100).lean<AuditDoc[]>();
      return docs.map(toEvent);
    },
  });
}

export function mongoMeta(m: Models): MetaStore {
  const get = async (key: string): Promise<string | null> => (await m.Meta.findOne({ key }).lean<MetaDoc>())?.value ?? null;
  return guarded<MetaStore>({
    get,
    async putIfAbsent(key, value) {
      for (;;) {
        try {
          await m.Meta.create({ key, value });
          return value;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        // Taken: the value stored, unless it was deleted since (then try again: it may be ours now).
        const stored = await get(key);
        if (stored !== null) return stored;
      }
    },
    async list(prefix) {
      const docs = await m.Meta.find({ key: { $regex: `^${escapeRegex(prefix)}` } }).sort({ key: 1 }).lean<MetaDoc[]>();
      return docs.map((d) => ({ key: d.key, value: d.value }));
    },
    async delete(key) {
      return (await m.Meta.deleteOne({ key })).deletedCount > 0;
    },
    async replace(key, expected, value) {
      // A conditional update is no compare-and-set on FerretDB (atomic.ts): read, compare and write under a lease.
      return withLock(m, `meta:${key}`, async () => {
        if ((await get(key)) !== expected) return false;
        await m.Meta.updateOne({ key }, { $set: { value } });
        return true;
      });
    },
  });
}
