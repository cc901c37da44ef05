// The pool as a SAML Service Provider: its SP configuration (entity id, ACS and SLO URLs, rotated keys)
// and metadata document, and which of its SAML IdPs an email domain or identifier designates.
import { spMetadataXml } from '../../providers/saml/sp-metadata.js';
import type { SpConfig } from '../../providers/saml/types.js';
import type { Store } from '../directory/store.js';
import type { IdentityProvider, Pool } from '../directory/types.js';
import type { SpKeys } from '../tokens/sp-keys.js';

interface SpDeps {
  spKeys: SpKeys;
  /** ISS of a pool. */
  issuerOf(poolId: string): string;
}

export function spConfigOf(d: SpDeps, pool: Pool): Promise<SpConfig> {
  return d.spKeys.config(pool, d.issuerOf(pool.id));
}

/** ISS/saml2/metadata: what an IdP's administrator registers for this pool. */
export async function spMetadata(d: SpDeps, pool: Pool): Promise<string> {
  return spMetadataXml(await spConfigOf(d, pool));
}

/** The pool's provider named by identity_provider, or owning idp_identifier (an email's domain works too). */
export async function providerFor(store: Store, pool: Pool, params: { identity_provider?: string; idp_identifier?: string }): Promise<IdentityProvider | null> {
  if (params.identity_provider) return store.pools.getProvider(pool.id, params.identity_provider);
  if (!params.idp_identifier) return null;
  const id = params.idp_identifier.trim();
  return (await store.pools.findProviderByIdentifier(pool.id, id)) ?? (id.includes('@') ? store.pools.findProviderByIdentifier(pool.id, id.slice(id.lastIndexOf('@') + 1)) : null);
}
