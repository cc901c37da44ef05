// Provider type → adapter. Adapters are cached per provider version, so discovery documents, JWKS
// and Apple's client secret are reused across sign-ins and refreshed when the provider changes.
import type { z } from 'zod';
import type { ProviderType } from '../src/shared/provider-types.js';
import { amazonDetailsSchema, createAmazonAdapter } from './amazon.js';
import { appleDetailsSchema, createAppleAdapter } from './apple.js';
import { createFacebookAdapter, facebookDetailsSchema } from './facebook.js';
import { createGoogleAdapter, googleDetailsSchema } from './google.js';
import { createOidcAdapter, oidcDetailsSchema } from './oidc.js';
import { ProviderError, type AdapterDeps, type ProviderAdapter, type ProviderConfig } from './provider.js';

export * from './provider.js';

const FACTORIES: Partial<Record<ProviderType, (c: ProviderConfig, d?: AdapterDeps) => ProviderAdapter>> = {
  Google: createGoogleAdapter,
  SignInWithApple: createAppleAdapter,
  Facebook: createFacebookAdapter,
  LoginWithAmazon: createAmazonAdapter,
  OIDC: createOidcAdapter,
};

/** Each adapter's ProviderDetails schema; SAML's details are checked elsewhere (its metadata at start). */
const DETAIL_SCHEMAS: Record<ProviderType, z.ZodType<unknown, Record<string, string>> | null> = {
  Google: googleDetailsSchema,
  SignInWithApple: appleDetailsSchema,
  Facebook: facebookDetailsSchema,
  LoginWithAmazon: amazonDetailsSchema,
  OIDC: oidcDetailsSchema,
  SAML: null,
};

export interface DetailIssue {
  /** Relative to ProviderDetails, e.g. ['private_key']; [] for the details as a whole. */
  path: string[];
  message: string;
}

/**
 * What the provider's adapter would refuse in these ProviderDetails (values already unsealed), so a
 * bad value is reported when the provider is registered rather than at the first sign-in. [] if none.
 */
export function checkProviderDetails(type: ProviderType, details: Record<string, string>): DetailIssue[] {
  const schema = DETAIL_SCHEMAS[type];
  if (!schema) return [];
  const parsed = schema.safeParse(details);
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message }));
}

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
