// What the HTTP layer is built from: the store and the services over it, created once in main.ts.
import type { AccessKeys } from './api/access-keys.js';
import type { AuthDeps } from './auth/deps.js';
import type { Delivery } from './delivery/index.js';
import type { Administration } from './native/administration.js';
import type { ImportJobs } from './native/import-jobs.js';

/** The sign-in core's dependencies (store, accounts, federation, clock), plus what the doors need besides. */
export interface Services extends AuthDeps {
  delivery: Delivery;
  /** API_CORS_ORIGINS: the browser origins the JSON API answers (`*`: any); unset, those of the clients' URLs. */
  corsOrigins?: readonly string[];
  /** The keys that may sign management calls (SigV4) and their policies. */
  accessKeys: AccessKeys;
  /** The Admin* rules on users. */
  administration: Administration;
  /** User import jobs (CreateUserImportJob …). */
  importJobs: ImportJobs;
}

/** `ISS = PUBLIC_URL/<poolId>` (README.md, "Apps: each pool is an OpenID Provider"). */
export const issuerOf = (s: Pick<Services, 'publicUrl'>, poolId: string): string => `${s.publicUrl}/${poolId}`;

/** Cookies are Secure whenever the public URL is https. */
export const secureCookies = (s: Pick<Services, 'publicUrl'>): boolean => s.publicUrl.startsWith('https:');
