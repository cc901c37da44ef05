// The pools, clients and providers every request reads (each API call looks up its client and pool,
// each sign-in its pool), kept for a few seconds instead of read and parsed again per request. A
// write through this store empties the cache at once, so this process sees its own changes
// immediately; another process sharing the store sees them within CONFIG_TTL_MS. What is kept is
// frozen: a caller that changed a kept object would change it for every later caller.
import type { PoolStore, Store } from './store.js';

export const CONFIG_TTL_MS = 5_000;

const READS = new Set<keyof PoolStore>(['getPool', 'listPools', 'getClient', 'listClients', 'findClientsById', 'getProvider', 'listProviders', 'findProviderByIdentifier']);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The uncached PoolStore of each store withConfigCache made. */
const RAW = new WeakMap<Store, PoolStore>();

/**
 * Reads that must see the store as it is now, not a copy up to CONFIG_TTL_MS old (a read-modify-write
 * under a lock: another process's change may be that recent). Write through `store.pools` as usual,
 * so this process's cache is emptied.
 */
export const freshPools = (store: Store): PoolStore => RAW.get(store) ?? store.pools;

/** `store` with its PoolStore reads cached (CONFIG_TTL_MS) and emptied by any PoolStore write. */
export function withConfigCache(store: Store, now: () => number = Date.now): Store {
  const kept = new Map<string, { at: number; value: Promise<unknown> }>();
  const pools = new Proxy(store.pools, {
    get(target, prop, receiver) {
      const member = Reflect.get(target, prop, receiver) as unknown;
      if (typeof member !== 'function') return member;
      const method = member as (...args: unknown[]) => Promise<unknown>;
      if (!READS.has(prop as keyof PoolStore))
        return (...args: unknown[]) => {
          kept.clear();
          return method.apply(target, args).finally(() => kept.clear()); // a read begun meanwhile may hold the old value
        };
      return (...args: unknown[]) => {
        const key = `${String(prop)}${JSON.stringify(args)}`;
        const t = now();
        const hit = kept.get(key);
        if (hit && t - hit.at < CONFIG_TTL_MS) return hit.value;
        const value = method.apply(target, args).then(deepFreeze);
        kept.set(key, { at: t, value });
        value.catch(() => kept.delete(key)); // a failed read is not remembered
        return value;
      };
    },
  });
  const cached = new Proxy(store, { get: (target, prop, receiver) => (prop === 'pools' ? pools : Reflect.get(target, prop, receiver)) });
  RAW.set(cached, store.pools);
  return cached;
}
