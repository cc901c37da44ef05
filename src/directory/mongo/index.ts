// The MongoDB store (mongoose): the production directory, used when MONGODB_URI is set. Also runs on
// FerretDB 1.24, so it avoids transactions, $lookup, collations and sparse/partial/TTL indexes, and
// decides races only with unique inserts and deletes (see atomic.ts).
import { metadataCopiesOver } from '../metadata-copies.js';
import mongoose from 'mongoose';
import { FAMILY_AFTERLIFE_MS, type Store } from '../store.js';
import { mongoDevices } from './devices.js';
import { guarded, toStoreError } from './errors.js';
import { mongoFlows } from './flows.js';
import { mongoGroups } from './groups.js';
import { mongoIdentities } from './identities.js';
import { mongoKeys } from './keys.js';
import { mongoLimits, purgeLimits } from './limits.js';
import { createIndexes, defineModels, type Models } from './models.js';
import { mongoPools } from './pools.js';
import { mongoAudit, mongoMeta, mongoOutbox } from './records.js';
import { mongoTokens } from './tokens.js';
import { mongoUsers } from './users.js';

export interface MongoStoreOptions {
  uri: string;
  dbName?: string;
  /** How long an operation waits for the server before failing with StoreUnavailable (default 5 s). */
  serverSelectionTimeoutMS?: number;
}

/** The Store, plus what tests need to throw a database away. */
export interface MongoStore extends Store {
  dropDatabase(): Promise<void>;
}

export async function openMongoStore(options: MongoStoreOptions): Promise<MongoStore> {
  // Its own connection, not mongoose's global one; commands fail fast instead of queueing while the
  // server is away (bufferCommands: false), and the driver reconnects by itself when it is back.
  const conn = mongoose.createConnection(options.uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
  });
  let models: Models;
  try {
    await conn.asPromise();
    models = defineModels(conn);
    await createIndexes(models);
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw toStoreError(err);
  }
  return mongoStore(conn, models);
}

function mongoStore(conn: mongoose.Connection, m: Models): MongoStore {
  const { pools, caseOf } = mongoPools(m);
  const admin = guarded({
    async dropDatabase(): Promise<void> {
      await conn.dropDatabase();
    },

    async ping(): Promise<void> {
      await conn.getClient().db('admin').command({ ping: 1 });
    },

    async purgeExpired(now: number): Promise<number> {
      const expired = { expiresAt: { $lte: now } };
      let n = 0;
      n += (await m.AuthCode.deleteMany(expired)).deletedCount;
      n += (await m.Flow.deleteMany(expired)).deletedCount;
      n += (await m.Session.deleteMany(expired)).deletedCount;
      n += (await m.OneTimeCode.deleteMany(expired)).deletedCount;
      n += (await m.Seen.deleteMany(expired)).deletedCount;
      n += (await m.RefreshToken.deleteMany(expired)).deletedCount;
      // Families outlive their expiry by a day (an access token from one checks it at userInfo), then
      // take their tokens along (none can be valid past the family's expiry).
      const families = (await m.Family.find({ expiresAt: { $lte: now - FAMILY_AFTERLIFE_MS } }, { _id: 1 }).lean<{ _id: string }[]>()).map((f) => f._id);
      if (families.length > 0) {
        n += (await m.RefreshToken.deleteMany({ familyId: { $in: families } })).deletedCount;
        n += (await m.Family.deleteMany({ _id: { $in: families } })).deletedCount;
      }
      n += await purgeLimits(m, now);
      // Bookkeeping, not records: claims die with what they decided; abandoned leases by the clock.
      await m.Claim.deleteMany(expired);
      await m.Lock.deleteMany({ expiresAt: { $lte: Math.min(now, Date.now()) } });
      return n;
    },
  });

  return {
    kind: 'mongo',
    pools,
    users: mongoUsers(m, caseOf),
    identities: mongoIdentities(m),
    groups: mongoGroups(m),
    devices: mongoDevices(m),
    keys: mongoKeys(m),
    tokens: mongoTokens(m),
    flows: mongoFlows(m),
    outbox: mongoOutbox(m),
    audit: mongoAudit(m),
    meta: mongoMeta(m),
    limits: mongoLimits(m),
    metadataCopies: metadataCopiesOver(mongoMeta(m)),
    ping: admin.ping,
    purgeExpired: admin.purgeExpired,
    dropDatabase: admin.dropDatabase,
    async close() {
      await conn.close();
    },
  };
}
