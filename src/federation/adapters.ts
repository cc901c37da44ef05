// The federated road below src/auth: the provider's adapter (social, OIDC or SAML, with its secrets
// unsealed) starts a sign-in and verifies the answer; a single-use answer is remembered; the verified
// identity becomes a user of the directory (users.ts).
import { AdapterCache, ProviderError, type BeginRequest, type BeginResult, type CallbackRequest, type ExternalIdentity, type FlowState, type ProviderAdapter, type SingleLogout } from '../../providers/index.js';
import { createSamlAdapter } from '../../providers/saml/adapter.js';

export { MAX_RESPONSE_CHARS } from '../../providers/saml/adapter.js';
import { SECRET_DETAIL_KEYS } from '../directory/schema.js';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { IdentityProvider, Pool, User } from '../directory/types.js';
import type { SpKeys } from '../tokens/sp-keys.js';
import type { IdpMetadataSource } from './saml-metadata.js';
import { spConfigOf } from './saml.js';
import { signInFederated } from './users.js';

export interface FederationDeps {
  store: Store;
  sealer: Sealer;
  adapters: AdapterCache;
  /** SAML IdPs' metadata (fetched, validated, kept) and this broker's SP keys per pool. */
  samlMetadata: IdpMetadataSource;
  spKeys: SpKeys;
  /** ISS of a pool. */
  issuerOf(poolId: string): string;
  now(): number;
}

export function adapterFor(d: FederationDeps, pool: Pool, provider: IdentityProvider): ProviderAdapter {
  const details = { ...provider.settings.ProviderDetails };
  for (const key of SECRET_DETAIL_KEYS) if (details[key] !== undefined) details[key] = d.sealer.unseal(details[key]);
  const config = { name: provider.name, type: provider.settings.ProviderType, details };
  // A SAML adapter is made per use: its metadata and keys come from the store, which caches them itself.
  if (config.type === 'SAML')
    return createSamlAdapter(config, {
      idp: () => d.samlMetadata.get(provider),
      refreshIdp: () => d.samlMetadata.refreshAfterUnknownKey(provider),
      sp: () => spConfigOf(d, pool),
      now: d.now,
    });
  return d.adapters.get(`${provider.poolId}/${provider.name}`, String(provider.updatedAt), config);
}

/** Starts a sign-in at the provider: where to send the browser, and what to keep for its answer. */
export function startAtProvider(d: FederationDeps, pool: Pool, provider: IdentityProvider, req: BeginRequest): Promise<BeginResult> {
  return adapterFor(d, pool, provider).begin(req);
}

/**
 * Verifies the provider's answer (for a flow of ours, or unsolicited when `flow` is null and the
 * provider accepts that) and signs its identity in as a user. A single-use answer (a SAML assertion)
 * seen before is refused.
 */
export async function completeAtProvider(
  d: FederationDeps, pool: Pool, provider: IdentityProvider, callback: CallbackRequest, flow: FlowState | null,
): Promise<{ user: User; identity: ExternalIdentity }> {
  const identity = await adapterFor(d, pool, provider).complete(callback, flow);
  if (identity.once && !(await d.store.flows.rememberOnce(identity.once.namespace, identity.once.key, identity.once.until, d.now())))
    throw new ProviderError('invalid', 'this answer was already used');
  const user = await signInFederated(d.store, pool, provider, { ...identity, provider: provider.name });
  return { user, identity };
}

/** The provider's single logout, when it has one (a SAML IdP with IDPSignout). */
export function singleLogoutOf(d: FederationDeps, pool: Pool, provider: IdentityProvider): SingleLogout | null {
  return adapterFor(d, pool, provider).logout ?? null;
}
