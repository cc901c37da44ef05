// The last good copies of SAML IdPs' metadata, numbered 1, 2, … per provider without gaps, kept so a
// broker that restarts while an IdP's metadata URL is down still verifies its responses. Written over
// the meta records, whose insert-if-absent makes concurrent writers of one version harmless.
import type { MetadataCopyStore, MetaStore } from './store.js';

const key = (poolId: string, providerName: string, version: number) => `saml-metadata:${poolId}/${providerName}#${version}`;

export function metadataCopiesOver(meta: MetaStore): MetadataCopyStore {
  return {
    async latestMetadataCopy(poolId, providerName) {
      const get = (n: number) => meta.get(key(poolId, providerName, n));
      let value = await get(1);
      if (value === null) return null;
      // Versions have no gaps, so a galloping search finds the newest in O(log n) reads.
      let lo = 1;
      let hi = 2;
      for (let v = await get(hi); v !== null; v = await get(hi)) {
        [lo, value] = [hi, v];
        hi *= 2;
      }
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        const v = await get(mid);
        if (v === null) hi = mid;
        else [lo, value] = [mid, v];
      }
      return { version: lo, value };
    },
    async addMetadataCopy(poolId, providerName, version, value) {
      await meta.putIfAbsent(key(poolId, providerName, version), value);
    },
  };
}
