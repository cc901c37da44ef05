// Provider identities linked to users, in MongoDB; a unique (pool, provider, subject) index decides links.
import { IdentityAlreadyLinked, NotFound } from '../errors.js';
import type { IdentityStore } from '../store.js';
import type { LinkedIdentity } from '../types.js';
import { guarded, isDuplicateKey } from './errors.js';
import type { IdentityDoc, Models } from './models.js';

const toIdentity = (d: IdentityDoc): LinkedIdentity => ({
  poolId: d.poolId, providerName: d.providerName, subject: d.subject, userId: d.userId, providerType: d.providerType,
  issuer: d.issuer ?? null, primary: d.primary, lastClaims: d.lastClaims ?? null, createdAt: d.createdAt, updatedAt: d.updatedAt,
});

export function mongoIdentities(m: Models): IdentityStore {
  return guarded<IdentityStore>({
    async linkIdentity(identity) {
      if (!(await m.User.exists({ _id: identity.userId, poolId: identity.poolId })))
        throw new NotFound('UserNotFoundException', 'User does not exist.');
      const now = Date.now();
      const linked: LinkedIdentity = { ...identity, createdAt: now, updatedAt: now };
      try {
        await m.Identity.create(linked);
      } catch (err) {
        if (isDuplicateKey(err)) throw new IdentityAlreadyLinked();
        throw err;
      }
      return linked;
    },

    async findIdentity(poolId, providerName, subject) {
      const d = await m.Identity.findOne({ poolId, providerName, subject }).lean<IdentityDoc>();
      return d ? toIdentity(d) : null;
    },

    async listIdentities(poolId, userId) {
      const docs = await m.Identity.find({ poolId, userId }).sort({ createdAt: 1, providerName: 1 }).lean<IdentityDoc[]>();
      return docs.map(toIdentity);
    },

    async updateIdentityClaims(poolId, providerName, subject, claims) {
      await m.Identity.updateOne({ poolId, providerName, subject }, { $set: { lastClaims: claims, updatedAt: Date.now() } });
    },

    async unlinkIdentity(poolId, providerName, subject) {
      return (await m.Identity.deleteOne({ poolId, providerName, subject })).deletedCount > 0;
    },
  });
}
