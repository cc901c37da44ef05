// What the auth core is built on: the directory, the account and federation operations, the clock.
import type { Logger } from 'pino';
import type { FederationDeps } from '../federation/adapters.js';
import type { Accounts } from '../native/accounts.js';
import type { SecondFactors } from '../native/second-factors.js';
import type { TokenDeps } from '../tokens/issue.js';

export interface AuthDeps extends FederationDeps, TokenDeps {
  accounts: Accounts;
  /** MFA: authenticator apps, SMS and e-mail codes, recovery codes. */
  secondFactors: SecondFactors;
  log: Logger;
  /** PUBLIC_URL without a trailing slash. */
  publicUrl: string;
}

/** Where OAuth/OIDC providers send the browser back: ISS/oauth2/idpresponse. */
export const idpResponseUrl = (d: Pick<AuthDeps, 'issuerOf'>, poolId: string) => `${d.issuerOf(poolId)}/oauth2/idpresponse`;
/** Where SAML IdPs post their responses: ISS/saml2/idpresponse (the ACS). */
export const acsUrl = (d: Pick<AuthDeps, 'issuerOf'>, poolId: string) => `${d.issuerOf(poolId)}/saml2/idpresponse`;
