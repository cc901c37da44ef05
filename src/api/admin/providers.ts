// Identity providers, managed with SigV4: Create/Describe/Update/Delete/ListIdentityProviders and
// GetIdentityProviderByIdentifier. One model (directory/schema.ts providerSchema) serves the file and
// the API; a SAML provider's metadata is fetched and checked before anything is stored, and a
// change reaches every broker process on the store within CONFIG_TTL_MS (config-cache.ts).
import { z } from 'zod';
import { providerSchema, PROVIDER_TYPES, SECRET_DETAIL_KEYS, type ProviderSettings } from '../../directory/schema.js';
import type { IdentityProvider, Pool } from '../../directory/types.js';
import type { Services } from '../../services.js';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { apiException } from '../errors.js';
import { validationMessage } from '../validation.js';
import { withMetaLock } from '../../directory/meta-lock.js';
import { freshPools } from '../../directory/config-cache.js';
import { Limit, NextToken, pageOf, poolFor, seconds, UserPoolId } from './common.js';

const ProviderName = z.string({ error: (i) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string') })
  .min(1).max(32, 'Member must have length less than or equal to 32');
const Details = z.record(z.string(), z.string({ error: 'Member must be a string map' }), { error: 'Member must be a string map' });
const Mapping = z.record(z.string().max(32), z.string().max(131_072), { error: 'Member must be a string map' });
const Identifiers = z.array(z.string().min(1).max(40), { error: 'Member must be a list' }).max(50, 'Member must have length less than or equal to 50');

/** The settings the API gives, checked as the config file's are; SAML metadata fetched and parsed. */
async function validProvider(s: Services, candidate: unknown): Promise<ProviderSettings> {
  const parsed = providerSchema.safeParse(candidate);
  if (!parsed.success) throw apiException('InvalidParameterException', validationMessage(parsed.error.issues));
  if (parsed.data.ProviderType === 'SAML') {
    try {
      await s.samlMetadata.validateRegistration(parsed.data.ProviderDetails);
    } catch (err) {
      throw apiException('InvalidParameterException', `Invalid SAML metadata: ${(err as Error).message}`);
    }
  }
  return parsed.data;
}

/** Secrets are sealed at rest; one not given again on update keeps its stored (sealed) value. */
function sealSecrets(s: Services, details: Record<string, string>, current?: IdentityProvider): Record<string, string> {
  const out = { ...details };
  for (const key of SECRET_DETAIL_KEYS) {
    if (out[key] !== undefined) out[key] = s.sealer.seal(out[key]);
    else if (current?.settings.ProviderDetails[key] !== undefined) out[key] = current.settings.ProviderDetails[key];
  }
  return out;
}

/** Cognito's IdentityProviderType: secrets never leave; a SAML provider shows its SSO and SLO endpoints. */
async function providerType(s: Services, p: IdentityProvider) {
  const details: Record<string, string> = Object.fromEntries(Object.entries(p.settings.ProviderDetails).filter(([k]) => !(SECRET_DETAIL_KEYS as readonly string[]).includes(k)));
  if (p.settings.ProviderType === 'SAML') {
    const meta = await s.samlMetadata.get(p).catch(() => null);
    if (meta) {
      details.SSORedirectBindingURI = meta.ssoRedirectUrl;
      if (meta.sloRedirectUrl) details.SLORedirectBindingURI = meta.sloRedirectUrl;
    }
  }
  return {
    UserPoolId: p.poolId, ProviderName: p.name, ProviderType: p.settings.ProviderType, ProviderDetails: details,
    AttributeMapping: p.settings.AttributeMapping, IdpIdentifiers: p.settings.IdpIdentifiers,
    CreationDate: seconds(p.createdAt), LastModifiedDate: seconds(p.updatedAt),
  };
}

/** The pool's provider, or ResourceNotFoundException; `fresh`: as the store holds it now (under a lock), not a cached copy. */
async function providerOf(s: Services, pool: Pool, name: string, o: { fresh?: boolean } = {}): Promise<IdentityProvider> {
  const p = await (o.fresh ? freshPools(s.store) : s.store.pools).getProvider(pool.id, name);
  if (!p) throw apiException('ResourceNotFoundException', `Identity provider ${name} does not exist.`);
  return p;
}

export const createIdentityProvider = defineAction({
  name: 'CreateIdentityProvider', summary: 'Registers a SAML, OIDC or social provider; a SAML one is used at the next sign-in, on every broker.', state: 'supported', access: 'sigv4',
  notes: 'SAML metadata (MetadataURL or MetadataFile) is fetched and checked first: an unreachable URL, an expired signing certificate or no SSO endpoint is InvalidParameterException saying so. client_secret and private_key are sealed at rest and never returned.',
  errors: ['ResourceNotFoundException', 'DuplicateProviderException', 'InvalidParameterException'],
  input: z.object({
    UserPoolId, ProviderName, ProviderType: z.enum(PROVIDER_TYPES, { error: `Member must satisfy enum value set: [${PROVIDER_TYPES.join(', ')}]` }),
    ProviderDetails: Details, AttributeMapping: Mapping.optional(), IdpIdentifiers: Identifiers.optional(),
  }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const settings = await validProvider(call.s, { ProviderName: i.ProviderName, ProviderType: i.ProviderType, ProviderDetails: i.ProviderDetails, AttributeMapping: i.AttributeMapping ?? {}, IdpIdentifiers: i.IdpIdentifiers ?? [] });
    // Under the provider's lock: of two creations of one name, the second is told it exists.
    const made = await withMetaLock(call.s.store.meta, `provider:${pool.id}:${i.ProviderName}`, async () => {
      if (await freshPools(call.s.store).getProvider(pool.id, i.ProviderName)) throw apiException('DuplicateProviderException', `A provider with the name ${i.ProviderName} already exists in this user pool.`);
      return call.s.store.pools.putProvider({ poolId: pool.id, name: i.ProviderName, settings: { ...settings, ProviderDetails: sealSecrets(call.s, settings.ProviderDetails) } });
    });
    return { IdentityProvider: await providerType(call.s, made) };
  },
});

export const describeIdentityProvider = defineAction({
  name: 'DescribeIdentityProvider', summary: 'One identity provider of the pool (secrets left out).', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ProviderName }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { IdentityProvider: await providerType(call.s, await providerOf(call.s, pool, i.ProviderName)) };
  },
});

export const updateIdentityProvider = defineAction({
  name: 'UpdateIdentityProvider', summary: "Replaces what is given of a provider's ProviderDetails, AttributeMapping and IdpIdentifiers.", state: 'supported', access: 'sigv4',
  notes: 'A member not given is kept; a secret left out of ProviderDetails keeps its stored value. SAML metadata is checked again.',
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'DuplicateProviderException'],
  input: z.object({ UserPoolId, ProviderName, ProviderDetails: Details.optional(), AttributeMapping: Mapping.optional(), IdpIdentifiers: Identifiers.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    // Under the provider's lock, on the provider as it is now: a concurrent update is not lost.
    const updated = await withMetaLock(call.s.store.meta, `provider:${pool.id}:${i.ProviderName}`, async () => {
      const current = await providerOf(call.s, pool, i.ProviderName, { fresh: true });
      const secrets = (SECRET_DETAIL_KEYS as readonly string[]);
      // Checked with the secrets in clear (a required one kept from before counts as given).
      const kept = Object.fromEntries(Object.entries(current.settings.ProviderDetails).filter(([k]) => secrets.includes(k)).map(([k, v]) => [k, call.s.sealer.unseal(v)]));
      const details = i.ProviderDetails ? { ...kept, ...i.ProviderDetails } : { ...current.settings.ProviderDetails, ...kept };
      const settings = await validProvider(call.s, {
        ProviderName: current.name, ProviderType: current.settings.ProviderType, ProviderDetails: details,
        AttributeMapping: i.AttributeMapping ?? current.settings.AttributeMapping, IdpIdentifiers: i.IdpIdentifiers ?? current.settings.IdpIdentifiers,
      });
      return call.s.store.pools.putProvider({ poolId: pool.id, name: current.name, settings: { ...settings, ProviderDetails: sealSecrets(call.s, settings.ProviderDetails) } });
    });
    return { IdentityProvider: await providerType(call.s, updated) };
  },
});

export const deleteIdentityProvider = defineAction({
  name: 'DeleteIdentityProvider', summary: 'Removes a provider: its users stay, and it signs no one in from now on.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ProviderName }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    if (!(await call.s.store.pools.deleteProvider(pool.id, i.ProviderName))) throw apiException('ResourceNotFoundException', `Identity provider ${i.ProviderName} does not exist.`);
    return {};
  },
});

export const listIdentityProviders = defineAction({
  name: 'ListIdentityProviders', summary: 'The pool’s providers by name, a page at a time.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, MaxResults: Limit(60).min(1, 'Member must have value greater than or equal to 1').optional(), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const page = pageOf(await call.s.store.pools.listProviders(pool.id), (p) => p.name, i.MaxResults ?? 60, i.NextToken);
    return {
      Providers: page.items.map((p) => ({ ProviderName: p.name, ProviderType: p.settings.ProviderType, CreationDate: seconds(p.createdAt), LastModifiedDate: seconds(p.updatedAt) })),
      ...(page.next ? { NextToken: page.next } : {}),
    };
  },
});

export const getIdentityProviderByIdentifier = defineAction({
  name: 'GetIdentityProviderByIdentifier', summary: 'The provider that owns an IdpIdentifier (e.g. an email domain), case-insensitive.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, IdpIdentifier: z.string().min(1).max(40) }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const p = await call.s.store.pools.findProviderByIdentifier(pool.id, i.IdpIdentifier);
    if (!p) throw apiException('ResourceNotFoundException', `No identity provider has the identifier ${i.IdpIdentifier}.`);
    return { IdentityProvider: await providerType(call.s, p) };
  },
});

export const ADMIN_PROVIDER_ACTIONS: readonly ApiAction[] = [
  createIdentityProvider, describeIdentityProvider, updateIdentityProvider, deleteIdentityProvider, listIdentityProviders, getIdentityProviderByIdentifier,
] as ApiAction[];
