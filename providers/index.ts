// Provider type → adapter. Adapters are cached per provider version, so discovery documents, JWKS
// and Apple's client secret are reused across sign-ins and refreshed when the provider changes.
import type { ProviderType } from '../src/shared/provider-types.js';
import { createAmazonAdapter } from './amazon.js';
import { createAppleAdapter } from './apple.js';
import { createFacebookAdapter } from './facebook.js';
import { createGoogleAdapter } from './google.js';
import { createOidcAdapter } from './oidc.js';
import { ProviderError, type AdapterDeps, type ProviderAdapter, type ProviderConfig } from './provider.js';

export * from './provider.js';

const FACTORIES: Partial<Record<ProviderType, (c: ProviderConfig, d?: AdapterDeps) => ProviderAdapter>> = {
  Google: createGoogleAdapter,
  SignInWithApple: createAppleAdapter,
  Facebook: createFacebookAdapter,
  LoginWithAmazon: createAmazonAdapter,
  OIDC: createOidcAdapter,
};

export class AdapterCache {
  private readonly adapters = new Map<string, { version: string; adapter: ProviderAdapter }>();

  constructor(private readonly deps: AdapterDeps = {}) {}

  /** The adapter for a provider; `version` (e.g. its updatedAt) changes when its settings do. */
  get(key: string, version: string, config: ProviderConfig): ProviderAdapter {
    const cached = this.adapters.get(key);
    if (cached && cached.version === version) return cached.adapter;
    const factory = FACTORIES[config.type];
    if (!factory) throw new ProviderError('misconfigured', `${config.type} sign-in is not available yet`);
    const adapter = factory(config, this.deps);
    this.adapters.set(key, { version, adapter });
    return adapter;
  }
}
