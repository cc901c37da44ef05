// What the HTTP layer is built from: the store and the services over it, created once in main.ts.
import type { Logger } from 'pino';
import type { AdapterCache } from '../providers/index.js';
import type { Delivery } from './delivery/index.js';
import type { Sealer } from './directory/secrets.js';
import type { Store } from './directory/store.js';
import type { Accounts } from './native/accounts.js';
import type { IdpMetadataSource } from './federation/saml-metadata.js';
import type { SpKeys } from './tokens/sp-keys.js';
import type { KeyRing } from './tokens/keys.js';
import type { RefreshTokens } from './tokens/refresh.js';

export interface Services {
  store: Store;
  log: Logger;
  /** PUBLIC_URL without a trailing slash; every issuer and redirect is built from it. */
  publicUrl: string;
  keys: KeyRing;
  refresh: RefreshTokens;
  accounts: Accounts;
  delivery: Delivery;
  /** Opens provider secrets kept sealed at rest. */
  sealer: Sealer;
  /** Provider adapters, cached per provider version. */
  adapters: AdapterCache;
  /** SAML IdPs' metadata (fetched, validated, kept) and this broker's SP keys per pool. */
  samlMetadata: IdpMetadataSource;
  spKeys: SpKeys;
  /** ISS of a pool. */
  issuerOf(poolId: string): string;
  now(): number;
}

/** `ISS = PUBLIC_URL/<poolId>` (CONTRACT §2). */
export const issuerOf = (s: Pick<Services, 'publicUrl'>, poolId: string): string => `${s.publicUrl}/${poolId}`;

/** Cookies are Secure whenever the public URL is https. */
export const secureCookies = (s: Pick<Services, 'publicUrl'>): boolean => s.publicUrl.startsWith('https:');
