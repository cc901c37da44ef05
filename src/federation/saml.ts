// The federated road for SAML IdPs: SP-initiated sign-in (an AuthnRequest whose opaque RelayState
// names our pending flow), the verified Response mapped onto a user like any provider's claims, and
// the replay memory that keeps every assertion single use.
import { randomBytes } from 'node:crypto';
import type { Claims } from '../../providers/provider.js';
import { sha256 } from '../shared/hashing.js';
import type { IdentityProvider, PendingFlow, Pool, User } from '../directory/types.js';
import type { IdpMetadataSource } from './saml-metadata.js';
import { authnRequestUrl } from '../../providers/saml/requests.js';
import { validateSamlResponse } from '../../providers/saml/response.js';
import type { SpKeys } from '../tokens/sp-keys.js';
import { SamlError, type IdpMetadata, type SamlAssertion, type SpConfig } from '../../providers/saml/types.js';
import { FLOW_MS, type AppRequest, type FederationDeps } from './flow.js';
import { signInFederated } from './users.js';

export interface SamlDeps extends FederationDeps {
  samlMetadata: IdpMetadataSource;
  spKeys: SpKeys;
  /** ISS of a pool. */
  issuerOf(poolId: string): string;
}

const CLOCK_SKEW_MS = 60_000;
const flag = (p: IdentityProvider, key: string) => p.settings.ProviderDetails[key] === 'true';

export async function spConfigOf(d: SamlDeps, pool: Pool): Promise<SpConfig> {
  return d.spKeys.config(pool, d.issuerOf(pool.id));
}

/** Sends the browser to the IdP with an AuthnRequest; the flow remembers the request id. */
export async function beginSaml(d: SamlDeps, pool: Pool, provider: IdentityProvider, app: AppRequest, browserHash: string): Promise<string> {
  const [idp, sp] = await Promise.all([d.samlMetadata.get(provider), spConfigOf(d, pool)]);
  const relayState = randomBytes(32).toString('base64url');
  const now = d.now();
  const { url, requestId } = authnRequestUrl(sp, idp, { relayState, sign: provider.settings.ProviderDetails.RequestSigningAlgorithm === 'rsa-sha256', now });
  await d.store.flows.saveFlow({
    stateHash: sha256(relayState), poolId: pool.id, providerName: provider.name, browserHash,
    data: { saml: true, requestId, app }, createdAt: now, expiresAt: now + FLOW_MS,
  });
  return url;
}

/** SAML attributes as claims: one value is a string, several an array (the mapping joins them as Cognito does). */
export function samlClaims(a: SamlAssertion): Claims {
  const claims: Claims = {};
  for (const [name, values] of Object.entries(a.attributes)) claims[name] = values.length === 1 ? values[0]! : values;
  claims.NameID = a.nameId;
  if (a.sessionIndex) claims.SessionIndex = a.sessionIndex;
  return claims;
}

async function validate(d: SamlDeps, provider: IdentityProvider, sp: SpConfig, idp: IdpMetadata, samlResponse: string, expectedRequestId: string | null): Promise<SamlAssertion> {
  return validateSamlResponse(samlResponse, {
    sp, idp, expectedRequestId, now: d.now(), clockSkewMs: CLOCK_SKEW_MS,
    allowSha1: flag(provider, 'AllowSha1'), requireEncryptedAssertion: flag(provider, 'EncryptedResponses'),
  });
}

/**
 * Verifies a posted Response for a provider: against the flow's AuthnRequest (SP-initiated) or as an
 * unsolicited one (`flow` null: IdP-initiated, only when the provider allows it). A signature that no
 * known certificate verifies makes the metadata be fetched again (rate-limited) and the check rerun.
 */
export async function completeSaml(d: SamlDeps, pool: Pool, provider: IdentityProvider, flow: PendingFlow | null, samlResponse: string): Promise<{ user: User; assertion: SamlAssertion }> {
  if (!flow && !flag(provider, 'IDPInit')) throw new SamlError('invalid', 'unsolicited responses are not accepted from this identity provider');
  const expectedRequestId = flow ? String((flow.data as { requestId: string }).requestId) : null;
  const sp = await spConfigOf(d, pool);
  let idp = await d.samlMetadata.get(provider);
  let assertion: SamlAssertion;
  try {
    assertion = await validate(d, provider, sp, idp, samlResponse, expectedRequestId);
  } catch (err) {
    const refreshed = err instanceof SamlError && /signature/i.test(err.message) ? await d.samlMetadata.refreshAfterUnknownKey(provider) : null;
    if (!refreshed) throw err;
    idp = refreshed;
    assertion = await validate(d, provider, sp, idp, samlResponse, expectedRequestId);
  }
  // Each assertion once, until it could no longer be valid anyway.
  const fresh = await d.store.flows.rememberOnce('saml-assertion', `${idp.entityId}|${assertion.assertionId}`, assertion.notOnOrAfter + CLOCK_SKEW_MS, d.now());
  if (!fresh) throw new SamlError('invalid', 'this assertion was already used');
  const user = await signInFederated(d.store, pool, provider, { provider: provider.name, subject: assertion.nameId, issuer: idp.entityId, claims: samlClaims(assertion) });
  return { user, assertion };
}
