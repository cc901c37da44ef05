// Signing and encryption keys in MongoDB. `activeSlot` is unique and always set: `<pool>:<purpose>`
// for the active key, `retired:<kid>` once retired, so the index admits one active key per pool and purpose.
import type { KeyStore } from '../store.js';
import type { KeyPurpose, SigningKey } from '../types.js';
import { backoff, guarded, isDuplicateKey } from './errors.js';
import type { KeyDoc, Models } from './models.js';

type NewKey = Omit<SigningKey, 'active' | 'retiredAt' | 'publishUntil'>;

const slot = (poolId: string, purpose: string) => `${poolId}:${purpose}`;
const toKey = (d: KeyDoc): SigningKey => ({
  kid: d._id, poolId: d.poolId, purpose: d.purpose as KeyPurpose, alg: d.alg, publicJwk: JSON.parse(d.publicJwk),
  privateKey: d.privateKey, certificate: d.certificate ?? null, active: !d.activeSlot.startsWith('retired:'),
  createdAt: d.createdAt, retiredAt: d.retiredAt ?? null, publishUntil: d.publishUntil ?? null,
});
const toDoc = (k: NewKey): KeyDoc => ({
  _id: k.kid, poolId: k.poolId, purpose: k.purpose, alg: k.alg, publicJwk: JSON.stringify(k.publicJwk), privateKey: k.privateKey,
  certificate: k.certificate, activeSlot: slot(k.poolId, k.purpose), createdAt: k.createdAt, retiredAt: null, publishUntil: null,
});

const ATTEMPTS = 10;

export function mongoKeys(m: Models): KeyStore {
  const getActiveKey = async (poolId: string, purpose: KeyPurpose): Promise<SigningKey | null> => {
    const d = await m.Key.findOne({ activeSlot: slot(poolId, purpose) }).lean<KeyDoc>();
    return d ? toKey(d) : null;
  };

  return guarded<KeyStore>({
    async addKeyIfNone(key) {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          await m.Key.create(toDoc(key));
          return toKey(toDoc(key));
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const active = await getActiveKey(key.poolId, key.purpose);
        if (active) return active;
        await backoff(attempt); // the slot was taken by a key being rotated out right now: try again
      }
      throw new Error(`addKeyIfNone: no active ${key.purpose} key for ${key.poolId} and ${key.kid} cannot be stored`);
    },

    async rotateKey(key, now, publishUntil) {
      const active = slot(key.poolId, key.purpose);
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        // Retire the current key (one document), then take the freed slot; a concurrent rotation that
        // takes it first is retired in turn on the next round.
        const current = await m.Key.findOne({ activeSlot: active }).lean<KeyDoc>();
        if (current)
          await m.Key.updateOne(
            { _id: current._id, activeSlot: active },
            { $set: { activeSlot: `retired:${current._id}`, retiredAt: now, publishUntil } },
          );
        try {
          await m.Key.create(toDoc(key));
          return toKey(toDoc(key));
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          await backoff(attempt);
        }
      }
      throw new Error(`rotateKey: could not make ${key.kid} the active ${key.purpose} key of ${key.poolId}`);
    },

    getActiveKey,

    async getKey(kid) {
      const d = await m.Key.findById(kid).lean<KeyDoc>();
      return d ? toKey(d) : null;
    },

    async listPublishedKeys(poolId, now) {
      const docs = await m.Key.find({ poolId, $or: [{ activeSlot: { $not: /^retired:/ } }, { publishUntil: { $gt: now } }] })
        .sort({ createdAt: -1, _id: 1 })
        .lean<KeyDoc[]>();
      return docs.map(toKey);
    },
  });
}
