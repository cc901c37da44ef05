// The federated road's two ends: `begin` keeps a pending flow (state, nonce, PKCE verifier, the app's
// request; single use, 10 minutes, bound to the browser) and sends the user to the provider;
// `complete` hands the callback to the provider's adapter and maps the verified identity to a user.
import { randomBytes } from 'node:crypto';
import { AdapterCache, type ProviderAdapter } from '../../providers/index.js';
import { SECRET_DETAIL_KEYS } from '../directory/schema.js';
import { type Sealer } from '../directory/secrets.js';
import { sha256 } from '../shared/hashing.js';
import type { Store } from '../directory/store.js';
import type { IdentityProvider, PendingFlow, Pool, User } from '../directory/types.js';
import { signInFederated } from './users.js';

export const FLOW_MS = 10 * 60_000;

export interface FederationDeps {
  store: Store;
  sealer: Sealer;
  adapters: AdapterCache;
  now(): number;
}

/** What the app asked for, kept in the flow until the provider answers. */
export interface AppRequest {
  params: Record<string, string>;
  scopes: string[];
}

const random = () => randomBytes(32).toString('base64url');

export function adapterFor(d: FederationDeps, provider: IdentityProvider): ProviderAdapter {
  const details = { ...provider.settings.ProviderDetails };
  for (const key of SECRET_DETAIL_KEYS) if (details[key] !== undefined) details[key] = d.sealer.unseal(details[key]);
  return d.adapters.get(`${provider.poolId}/${provider.name}`, String(provider.updatedAt), {
    name: provider.name, type: provider.settings.ProviderType, details,
  });
}

/** Starts a sign-in at the provider; returns where to send the browser. */
export async function beginFederation(d: FederationDeps, provider: IdentityProvider, app: AppRequest, browserHash: string, redirectUri: string): Promise<string> {
  const state = random();
  const nonce = random();
  const codeVerifier = random();
  const { redirect, kept } = await adapterFor(d, provider).begin({ redirectUri, state, nonce, codeVerifier });
  const now = d.now();
  await d.store.flows.saveFlow({
    stateHash: sha256(state), poolId: provider.poolId, providerName: provider.name, browserHash,
    data: { nonce, codeVerifier, kept, app }, createdAt: now, expiresAt: now + FLOW_MS,
  });
  return redirect;
}

/** Verifies the provider's answer for a flow (already consumed and matched to this browser) and signs the user in. */
export async function completeFederation(
  d: FederationDeps, pool: Pool, provider: IdentityProvider, flow: PendingFlow, state: string, callback: { method: 'GET' | 'POST'; params: Record<string, string>; redirectUri: string },
): Promise<User> {
  const data = flow.data as { nonce: string; codeVerifier: string; kept: Record<string, string> };
  const identity = await adapterFor(d, provider).complete(callback, { state, nonce: data.nonce, codeVerifier: data.codeVerifier, kept: data.kept });
  return signInFederated(d.store, pool, provider, { ...identity, provider: provider.name });
}
