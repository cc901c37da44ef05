// Applying the declared pools (BROKER_CONFIG) to the store: create or update pools, clients and
// providers to match. Idempotent: what already matches is not written again.
import { isDeepStrictEqual } from 'node:util';
import type { DeclaredPool } from './schema.js';
import { SECRET_DETAIL_KEYS } from './schema.js';
import { hashClientSecret, verifyClientSecret, type Sealer } from './secrets.js';
import type { Store } from './store.js';

/** Equal as stored: JSON drops undefined fields, which the store never keeps. */
const sameJson = (a: unknown, b: unknown) => isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

export class ConfigConflict extends Error {
  override name = 'ConfigConflict';
}

export interface ApplyReport {
  created: string[];
  updated: string[];
  unchanged: number;
  /** Clients and providers in the store that the file does not declare (kept: they may come from the API). */
  undeclared: string[];
  /** Per item updated, the fields the file set back (e.g. changed through the API since): names only, never values. */
  changedFields: Record<string, string[]>;
}

/** The dotted paths at which two settings differ (objects compared member by member, anything else as a whole). */
export function changedFields(before: unknown, after: unknown, path = ''): string[] {
  const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (plain(before) && plain(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedFields(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return sameJson(before, after) ? [] : [path || '(all)'];
}

export async function applyDeclaredPools(store: Store, pools: DeclaredPool[], sealer: Sealer): Promise<ApplyReport> {
  const report: ApplyReport = { created: [], updated: [], unchanged: 0, undeclared: [], changedFields: {} };
  const note = (what: string, existed: boolean, same: boolean, fields: () => string[] = () => []) => {
    if (same) report.unchanged++;
    else (existed ? report.updated : report.created).push(what);
    if (existed && !same) report.changedFields[what] = fields();
  };

  for (const [i, declared] of pools.entries()) {
    const id = declared.settings.Id;
    const existing = await store.pools.getPool(id);
    if (existing && existing.settings.UsernameConfiguration.CaseSensitive !== declared.settings.UsernameConfiguration.CaseSensitive)
      throw new ConfigConflict(`pools[${i}].UsernameConfiguration.CaseSensitive: cannot change once the pool exists (it is ${existing.settings.UsernameConfiguration.CaseSensitive})`);
    const poolSame = !!existing && sameJson(existing.settings, declared.settings);
    if (!poolSame) await store.pools.putPool({ id, settings: declared.settings });
    note(`pool ${id}`, !!existing, poolSame, () => changedFields(existing!.settings, declared.settings));

    for (const { ClientSecret, ...settings } of declared.clients) {
      const current = await store.pools.getClient(id, settings.ClientId);
      // The one-way hash (to check the secret) and the sealed copy (for SECRET_HASH) are each kept when
      // they still hold the declared secret, so a re-apply writes nothing; a client stored before sealed
      // copies existed gets one.
      const hashSame = ClientSecret ? !!current?.secretHash && verifyClientSecret(ClientSecret, current.secretHash) : current?.secretHash === null;
      const sealedSame = ClientSecret
        ? !!current?.sealedSecret && sealer.unseal(current.sealedSecret) === ClientSecret
        : (current?.sealedSecret ?? null) === null;
      const same = !!current && hashSame && sealedSame && sameJson(current.settings, settings);
      if (!same) {
        const secretHash = ClientSecret ? (hashSame ? current!.secretHash : hashClientSecret(ClientSecret)) : null;
        const sealedSecret = ClientSecret ? (sealedSame ? current!.sealedSecret : sealer.seal(ClientSecret)) : null;
        await store.pools.putClient({ poolId: id, clientId: settings.ClientId, settings, secretHash, sealedSecret });
      }
      note(`client ${id}/${settings.ClientId}`, !!current, same, () => [...changedFields(current!.settings, settings), ...(hashSame && sealedSame ? [] : ['ClientSecret'])]);
    }

    for (const provider of declared.providers) {
      const current = await store.pools.getProvider(id, provider.ProviderName);
      const details = { ...provider.ProviderDetails };
      let same = !!current;
      for (const key of SECRET_DETAIL_KEYS) {
        const value = details[key];
        if (value === undefined) continue;
        const stored = current?.settings.ProviderDetails[key];
        // Keep the sealed value when it still holds the same secret, so a re-apply writes nothing.
        details[key] = stored !== undefined && sealer.unseal(stored) === value ? stored : sealer.seal(value);
      }
      const settings = { ...provider, ProviderDetails: details };
      same = same && sameJson(current!.settings, settings);
      if (!same) await store.pools.putProvider({ poolId: id, name: provider.ProviderName, settings });
      note(`provider ${id}/${provider.ProviderName}`, !!current, same, () => changedFields(current!.settings, settings));
    }

    const clientIds = new Set(declared.clients.map((c) => c.ClientId));
    for (const c of await store.pools.listClients(id)) if (!clientIds.has(c.clientId)) report.undeclared.push(`client ${id}/${c.clientId}`);
    const providerNames = new Set(declared.providers.map((p) => p.ProviderName));
    for (const p of await store.pools.listProviders(id)) if (!providerNames.has(p.name)) report.undeclared.push(`provider ${id}/${p.name}`);
  }
  return report;
}
