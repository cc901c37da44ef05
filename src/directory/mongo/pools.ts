// Pools, app clients and identity providers in MongoDB. A provider's IdP identifiers live in their own
// collection under a unique (pool, lower-cased identifier) index: claimed before the provider is written.
import { IdentifierExists, NotFound } from '../errors.js';
import type { PoolStore } from '../store.js';
import type { AppClient, IdentityProvider, Pool } from '../types.js';
import { guarded, isDuplicateKey } from './errors.js';
import type { ClientDoc, Models, PoolDoc, ProviderDoc } from './models.js';

/** Whether a pool's usernames are case-sensitive; NotFound when the pool does not exist. */
export type PoolCase = (poolId: string) => Promise<boolean>;

const toPool = (d: PoolDoc): Pool => ({ id: d._id, settings: JSON.parse(d.settings), createdAt: d.createdAt, updatedAt: d.updatedAt });
const toClient = (d: ClientDoc): AppClient => ({
  poolId: d.poolId, clientId: d.clientId, settings: JSON.parse(d.settings), secretHash: d.secretHash ?? null,
  sealedSecret: d.sealedSecret ?? null,
  createdAt: d.createdAt, updatedAt: d.updatedAt,
});
const toProvider = (d: ProviderDoc): IdentityProvider => ({
  poolId: d.poolId, name: d.name, settings: JSON.parse(d.settings), createdAt: d.createdAt, updatedAt: d.updatedAt,
});

/** Runs an upsert again when a concurrent upsert of the same key won the insert (11000 on upsert). */
async function upsert<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return write();
  }
}

export function mongoPools(m: Models): { pools: PoolStore; caseOf: PoolCase } {
  // UsernameConfiguration.CaseSensitive cannot change once a pool exists, so it is the one thing cached.
  const caseCache = new Map<string, boolean>();

  const caseOf: PoolCase = async (poolId) => {
    let sensitive = caseCache.get(poolId);
    if (sensitive === undefined) {
      const d = await m.Pool.findById(poolId).lean<PoolDoc>();
      if (!d) throw new NotFound('ResourceNotFoundException', `User pool ${poolId} does not exist.`);
      sensitive = (JSON.parse(d.settings) as Pool['settings']).UsernameConfiguration?.CaseSensitive === true;
      caseCache.set(poolId, sensitive);
    }
    return sensitive;
  };

  async function getProvider(poolId: string, name: string): Promise<IdentityProvider | null> {
    const d = await m.Provider.findOne({ poolId, name }).lean<ProviderDoc>();
    return d ? toProvider(d) : null;
  }

  /** Takes each identifier for the provider; on a conflict gives back what this call took. */
  async function claimIdentifiers(poolId: string, providerName: string, identifiers: string[]): Promise<void> {
    const taken: string[] = [];
    for (const identifier of identifiers) {
      const key = identifier.toLowerCase();
      try {
        await m.Identifier.create({ poolId, key, providerName });
        taken.push(key);
      } catch (err) {
        const owner = isDuplicateKey(err) ? await m.Identifier.findOne({ poolId, key }).lean() : null;
        if (owner?.providerName === providerName) continue; // ours already
        await m.Identifier.deleteMany({ poolId, providerName, key: { $in: taken } });
        throw isDuplicateKey(err) ? new IdentifierExists(identifier) : err;
      }
    }
  }

  const pools: PoolStore = {
    async putPool(pool) {
      const now = Date.now();
      const d = await upsert(() =>
        m.Pool.findOneAndUpdate(
          { _id: pool.id },
          { $set: { settings: JSON.stringify(pool.settings), updatedAt: now }, $setOnInsert: { createdAt: now } },
          { upsert: true, new: true },
        ).lean<PoolDoc>(),
      );
      caseCache.delete(pool.id);
      return toPool(d!);
    },

    async getPool(id) {
      const d = await m.Pool.findById(id).lean<PoolDoc>();
      return d ? toPool(d) : null;
    },

    async listPools() {
      return (await m.Pool.find().sort({ _id: 1 }).lean<PoolDoc[]>()).map(toPool);
    },

    async deletePool(id) {
      // The pool last: a failure part way leaves it in place, so a retry finishes the removal. The audit trail stays.
      const families = await m.Family.find({ poolId: id }, { _id: 1 }).lean<{ _id: string }[]>();
      await m.RefreshToken.deleteMany({ familyId: { $in: families.map((f) => f._id) } });
      const scoped = [m.Client, m.Provider, m.Identifier, m.User, m.Alias, m.Identity, m.Group, m.Membership, m.Device, m.Key,
        m.AuthCode, m.Family, m.Flow, m.Session, m.OneTimeCode, m.Outbox] as unknown as { deleteMany(f: object): Promise<unknown> }[];
      for (const model of scoped) await model.deleteMany({ poolId: id });
      const deleted = (await m.Pool.deleteOne({ _id: id })).deletedCount > 0;
      caseCache.delete(id);
      return deleted;
    },

    async putClient(client) {
      const now = Date.now();
      const d = await upsert(() =>
        m.Client.findOneAndUpdate(
          { poolId: client.poolId, clientId: client.clientId },
          {
            $set: { settings: JSON.stringify(client.settings), secretHash: client.secretHash, sealedSecret: client.sealedSecret, updatedAt: now },
            $setOnInsert: { createdAt: now },
          },
          { upsert: true, new: true },
        ).lean<ClientDoc>(),
      );
      return toClient(d!);
    },

    async getClient(poolId, clientId) {
      const d = await m.Client.findOne({ poolId, clientId }).lean<ClientDoc>();
      return d ? toClient(d) : null;
    },

    async listClients(poolId) {
      return (await m.Client.find({ poolId }).sort({ clientId: 1 }).lean<ClientDoc[]>()).map(toClient);
    },

    async findClientsById(clientId) {
      return (await m.Client.find({ clientId }).sort({ poolId: 1 }).lean<ClientDoc[]>()).map(toClient);
    },

    async deleteClient(poolId, clientId) {
      return (await m.Client.deleteOne({ poolId, clientId })).deletedCount > 0;
    },

    async putProvider(provider) {
      const { poolId, name } = provider;
      const identifiers = provider.settings.IdpIdentifiers ?? [];
      await claimIdentifiers(poolId, name, identifiers);
      const now = Date.now();
      const d = await upsert(() =>
        m.Provider.findOneAndUpdate(
          { poolId, name },
          { $set: { settings: JSON.stringify(provider.settings), updatedAt: now }, $setOnInsert: { createdAt: now } },
          { upsert: true, new: true },
        ).lean<ProviderDoc>(),
      );
      // Identifiers the provider no longer declares become free.
      await m.Identifier.deleteMany({ poolId, providerName: name, key: { $nin: identifiers.map((i) => i.toLowerCase()) } });
      return toProvider(d!);
    },

    getProvider,

    async listProviders(poolId) {
      return (await m.Provider.find({ poolId }).sort({ name: 1 }).lean<ProviderDoc[]>()).map(toProvider);
    },

    async findProviderByIdentifier(poolId, identifier) {
      const owner = await m.Identifier.findOne({ poolId, key: identifier.toLowerCase() }).lean();
      return owner ? getProvider(poolId, owner.providerName) : null;
    },

    async deleteProvider(poolId, name) {
      // The provider first: identifiers left behind by a failure here point at nothing and are freed by a retry.
      const deleted = (await m.Provider.deleteOne({ poolId, name })).deletedCount > 0;
      await m.Identifier.deleteMany({ poolId, providerName: name });
      return deleted;
    },
  };

  return { pools: guarded(pools), caseOf };
}
