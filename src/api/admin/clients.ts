// App clients managed with SigV4. The input is the config file's model (clientSchema); the broker
// chooses the ClientId (26 lowercase letters and digits, as Cognito) and, on request, the secret.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { clientFields, clientSchema, customScopesOf, type ClientSettings } from '../../directory/schema.js';
import { MAX_CLIENT_SECRETS, newSecretEntry, plainSecrets, secretColumns, secretsOf } from '../../directory/client-secrets.js';
import type { AppClient, Pool } from '../../directory/types.js';
import type { Services } from '../../services.js';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { apiException } from '../errors.js';
import { ClientId } from '../fields.js';
import { validationMessage } from '../validation.js';
import { withMetaLock } from '../../directory/meta-lock.js';
import { freshPools } from '../../directory/config-cache.js';
import { Limit, NextToken, pageOf, poolFor, seconds, UserPoolId } from './common.js';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomLower = (n: number) => Array.from({ length: n }, () => LOWER_ALNUM[randomInt(LOWER_ALNUM.length)]).join('');

const ClientName = z.string({ error: (i) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string') }).min(1).max(128)
  .regex(/^[\w\s+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+');
const { ClientId: _id, ClientSecret: _secret, ClientName: _name, ...settingFields } = clientFields;
const settingKeys = Object.keys(settingFields) as (keyof typeof settingFields)[];
/** Cognito members the broker takes but does not act on. */
const IGNORED = { AnalyticsConfiguration: z.unknown().optional(), EnablePropagateAdditionalUserContextData: z.boolean().optional() };
const IGNORED_NOTE = 'AnalyticsConfiguration and EnablePropagateAdditionalUserContextData are accepted and ignored.';

type Settings = Omit<ClientSettings, 'ClientSecret'>;

/** The settings as the config file's schema takes them, or InvalidParameterException naming the member. */
function validClient(pool: Pool, clientId: string, name: string, secret: string | undefined, i: Record<string, unknown>): Settings {
  const given = Object.fromEntries(settingKeys.filter((k) => i[k] !== undefined).map((k) => [k, i[k]]));
  const parsed = clientSchema.safeParse({ ...given, ClientId: clientId, ClientName: name, ...(secret ? { ClientSecret: secret } : {}) });
  if (!parsed.success) throw apiException('InvalidParameterException', validationMessage(parsed.error.issues));
  // A custom scope must be one of the pool's resource servers' (standard scopes have no slash).
  const defined = customScopesOf(pool.settings);
  const unknown = parsed.data.AllowedOAuthScopes.find((sc) => sc.includes('/') && !defined.has(sc));
  if (unknown) throw apiException('ScopeDoesNotExistException', `Invalid scope requested: ${unknown}`);
  const { ClientSecret: _s, ...settings } = parsed.data;
  return settings;
}

/** A client of that pool, or ResourceNotFoundException. */
async function clientFor(s: Services, pool: Pool, clientId: string, o: { fresh?: boolean } = {}): Promise<AppClient> {
  // `fresh`: as the store holds it now (a read-modify-write under a lock), not a cached copy.
  const client = await (o.fresh ? freshPools(s.store) : s.store.pools).getClient(pool.id, clientId);
  if (!client) throw apiException('ResourceNotFoundException', `User pool client ${clientId} does not exist.`);
  return client;
}

/** Cognito's UserPoolClientType; the secret is returned, as Cognito returns it (Create and Describe). */
function clientType(s: Services, c: AppClient) {
  const { ClientId: _c, ...settings } = c.settings;
  const [secret] = plainSecrets(s.sealer, c);
  return {
    UserPoolId: c.poolId, ClientId: c.clientId, ...settings, ClientName: c.settings.ClientName ?? c.clientId,
    ...(secret !== undefined ? { ClientSecret: secret } : {}),
    RefreshTokenValidity: settings.RefreshTokenValidity ?? 30, CreationDate: seconds(c.createdAt), LastModifiedDate: seconds(c.updatedAt),
  };
}

const settingsInput = { ...settingFields, ...IGNORED };

export const createUserPoolClient = defineAction({
  name: 'CreateUserPoolClient', summary: 'A new app client of the pool, with a generated id and, on request, a secret.', state: 'partial', access: 'sigv4',
  notes: IGNORED_NOTE,
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'InvalidOAuthFlowException', 'ScopeDoesNotExistException', 'LimitExceededException'],
  input: z.object({ UserPoolId, ClientName, GenerateSecret: z.boolean({ error: 'Member must be a boolean' }).optional(), ...settingsInput }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    let clientId = randomLower(26);
    // Client ids are unique across pools (sign-in names only the client): 36^26 makes a retry all but unreachable.
    while ((await call.s.store.pools.findClientsById(clientId)).length) clientId = randomLower(26);
    const secret = i.GenerateSecret ? randomLower(51) : undefined;
    const settings = validClient(pool, clientId, i.ClientName, secret, i);
    const client = await call.s.store.pools.putClient({ poolId: pool.id, clientId, settings, ...secretColumns(secret ? [newSecretEntry(call.s.sealer, clientId, secret, call.s.now())] : []) });
    call.s.log.info({ poolId: pool.id, clientId }, 'app client created');
    return { UserPoolClient: clientType(call.s, client) };
  },
});

export const describeUserPoolClient = defineAction({
  name: 'DescribeUserPoolClient', summary: 'An app client\'s settings (and its secret, as Cognito).', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ClientId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { UserPoolClient: clientType(call.s, await clientFor(call.s, pool, i.ClientId)) };
  },
});

export const updateUserPoolClient = defineAction({
  name: 'UpdateUserPoolClient', summary: 'Replaces an app client\'s settings: members not given return to their defaults, as in Cognito.', state: 'partial', access: 'sigv4',
  notes: `ClientName keeps its value when not given; the secret is kept. ${IGNORED_NOTE}`,
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'InvalidOAuthFlowException', 'ScopeDoesNotExistException'],
  input: z.object({ UserPoolId, ClientId, ClientName: ClientName.optional(), ...settingsInput }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const current = await clientFor(call.s, pool, i.ClientId);
    // The secret only matters to validation (client_credentials needs one); a client stored before sealed copies has just its hash.
    const secret = plainSecrets(call.s.sealer, current)[0] ?? (current.secretHash ? 'hashed-only' : undefined);
    const settings = validClient(pool, current.clientId, i.ClientName ?? current.settings.ClientName ?? current.clientId, secret, i);
    const client = await call.s.store.pools.putClient({ poolId: pool.id, clientId: current.clientId, settings, secretHash: current.secretHash, sealedSecret: current.sealedSecret });
    return { UserPoolClient: clientType(call.s, client) };
  },
});

export const deleteUserPoolClient = defineAction({
  name: 'DeleteUserPoolClient', summary: 'Removes an app client: it can no longer sign in or refresh.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ClientId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    if (!(await call.s.store.pools.deleteClient(pool.id, i.ClientId)))
      throw apiException('ResourceNotFoundException', `User pool client ${i.ClientId} does not exist.`);
    call.s.log.info({ poolId: pool.id, clientId: i.ClientId }, 'app client deleted');
    return {};
  },
});

export const listUserPoolClients = defineAction({
  name: 'ListUserPoolClients', summary: 'The pool\'s app clients (id and name), a page at a time.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, MaxResults: Limit(60).min(1, 'Member must have value greater than or equal to 1').optional(), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const page = pageOf(await call.s.store.pools.listClients(pool.id), (c) => c.clientId, i.MaxResults ?? 60, i.NextToken);
    return {
      UserPoolClients: page.items.map((c) => ({ ClientId: c.clientId, UserPoolId: c.poolId, ClientName: c.settings.ClientName ?? c.clientId })),
      ...(page.next ? { NextToken: page.next } : {}),
    };
  },
});

// Secret rotation: a second secret is added, apps move to it, the first is deleted. Both work meanwhile.
const ClientSecretValue = z.string().min(24, 'Member must have length greater than or equal to 24').max(64, 'Member must have length less than or equal to 64')
  .regex(/^[\w+]+$/, 'Member must satisfy regular expression pattern: [\\w+]+');
const ClientSecretId = z.string().min(1).max(64);

export const addUserPoolClientSecret = defineAction({
  name: 'AddUserPoolClientSecret', summary: 'Adds a second secret to a confidential client (given, at least 24 characters, or generated); both work until one is deleted.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'LimitExceededException'],
  input: z.object({ UserPoolId, ClientId, ClientSecret: ClientSecretValue.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return withMetaLock(call.s.store.meta, `client:${pool.id}:${i.ClientId}`, async () => {
      const client = await clientFor(call.s, pool, i.ClientId, { fresh: true });
      const live = secretsOf(client);
      if (live.length === 0) throw apiException('InvalidParameterException', 'The client has no secret: a public client cannot be given one.');
      if (live.length >= MAX_CLIENT_SECRETS) throw apiException('LimitExceededException', `A client has at most ${MAX_CLIENT_SECRETS} secrets: delete one first.`);
      const value = i.ClientSecret ?? randomLower(51);
      const entry = newSecretEntry(call.s.sealer, client.clientId, value, Math.max(call.s.now(), (live.at(-1)?.createdAt ?? 0) + 1));
      await call.s.store.pools.putClient({ poolId: pool.id, clientId: client.clientId, settings: client.settings, ...secretColumns([...live, entry]) });
      call.s.log.info({ poolId: pool.id, clientId: client.clientId, secretId: entry.id }, 'client secret added');
      return { ClientSecretDescriptor: { ClientSecretId: entry.id, ClientSecretValue: value, ClientSecretCreateDate: seconds(entry.createdAt) } };
    });
  },
});

export const listUserPoolClientSecrets = defineAction({
  name: 'ListUserPoolClientSecrets', summary: "A client's live secrets: ids and dates, never the values.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ClientId, NextToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const client = await clientFor(call.s, pool, i.ClientId);
    return { ClientSecrets: secretsOf(client).map((e) => ({ ClientSecretId: e.id, ClientSecretCreateDate: seconds(e.createdAt) })) };
  },
});

export const deleteUserPoolClientSecret = defineAction({
  name: 'DeleteUserPoolClientSecret', summary: 'Deletes one of two client secrets: it stops working at once, on every broker; the last one cannot be deleted.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ClientId, ClientSecretId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return withMetaLock(call.s.store.meta, `client:${pool.id}:${i.ClientId}`, async () => {
      const client = await clientFor(call.s, pool, i.ClientId, { fresh: true });
      const live = secretsOf(client);
      if (!live.some((e) => e.id === i.ClientSecretId)) throw apiException('ResourceNotFoundException', `Client secret ${i.ClientSecretId} does not exist.`);
      if (live.length === 1) throw apiException('InvalidParameterException', 'The last secret of a client cannot be deleted.');
      await call.s.store.pools.putClient({ poolId: pool.id, clientId: client.clientId, settings: client.settings, ...secretColumns(live.filter((e) => e.id !== i.ClientSecretId)) });
      call.s.log.info({ poolId: pool.id, clientId: client.clientId, secretId: i.ClientSecretId }, 'client secret deleted');
      return {};
    });
  },
});

export const ADMIN_CLIENT_ACTIONS: readonly ApiAction[] = [
  createUserPoolClient, describeUserPoolClient, updateUserPoolClient, deleteUserPoolClient, listUserPoolClients,
  addUserPoolClientSecret, listUserPoolClientSecrets, deleteUserPoolClientSecret,
] as ApiAction[];
