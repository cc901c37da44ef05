// Resource servers, managed with SigV4: the custom scopes (`<Identifier>/<ScopeName>`) that app
// clients may be allowed and client_credentials grants (oauth/token.ts). Kept in the pool's
// settings (ResourceServers), so the file can declare them too; UpdateUserPool leaves them alone.
import { z } from 'zod';
import { resourceServersOf, resourceServerSchema, type ResourceServer } from '../../directory/schema.js';
import type { Pool } from '../../directory/types.js';
import type { Services } from '../../services.js';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { apiException } from '../errors.js';
import { validationMessage } from '../validation.js';
import { withMetaLock } from '../../directory/meta-lock.js';
import { freshPools } from '../../directory/config-cache.js';
import { Limit, NextToken, pageOf, poolFor, UserPoolId } from './common.js';

const Identifier = z.string({ error: (i) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string') }).min(1).max(256);
const Scopes = z.array(z.object({ ScopeName: z.string(), ScopeDescription: z.string() }), { error: 'Member must be a list' }).max(100, 'Member must have length less than or equal to 100');

const serverType = (pool: Pool, r: ResourceServer) => ({ UserPoolId: pool.id, Identifier: r.Identifier, Name: r.Name, Scopes: r.Scopes });

function validServer(candidate: unknown): ResourceServer {
  const parsed = resourceServerSchema.safeParse(candidate);
  if (!parsed.success) throw apiException('InvalidParameterException', validationMessage(parsed.error.issues));
  return parsed.data;
}

function serverOf(pool: Pool, identifier: string): ResourceServer {
  const r = resourceServersOf(pool.settings).find((x) => x.Identifier === identifier);
  if (!r) throw apiException('ResourceNotFoundException', `Resource server ${identifier} does not exist.`);
  return r;
}

/**
 * Writes the pool with its resource servers changed by `change`, under the pool's lock and on the
 * pool as it is now: concurrent changes take turns rather than lose each other. `change` may refuse.
 */
async function writeServers(s: Services, poolId: string, change: (servers: ResourceServer[]) => ResourceServer[]): Promise<void> {
  await withMetaLock(s.store.meta, `pool:${poolId}`, async () => {
    const pool = await freshPools(s.store).getPool(poolId);
    if (!pool) throw apiException('ResourceNotFoundException', `User pool ${poolId} does not exist.`);
    await s.store.pools.putPool({ id: pool.id, settings: { ...pool.settings, ResourceServers: change([...resourceServersOf(pool.settings)]) } });
  });
}

export const createResourceServer = defineAction({
  name: 'CreateResourceServer', summary: 'A resource server with custom scopes for app clients (and client_credentials).', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException', 'LimitExceededException'],
  input: z.object({ UserPoolId, Identifier, Name: z.string(), Scopes: Scopes.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const server = validServer({ Identifier: i.Identifier, Name: i.Name, Scopes: i.Scopes ?? [] });
    await writeServers(call.s, pool.id, (all) => {
      if (all.some((r) => r.Identifier === server.Identifier)) throw apiException('InvalidParameterException', `A resource server with the identifier ${server.Identifier} already exists.`);
      if (all.length >= 25) throw apiException('LimitExceededException', 'A pool has at most 25 resource servers.');
      return [...all, server];
    });
    return { ResourceServer: serverType(pool, server) };
  },
});

export const describeResourceServer = defineAction({
  name: 'DescribeResourceServer', summary: 'One resource server and its scopes.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Identifier }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { ResourceServer: serverType(pool, serverOf(pool, i.Identifier)) };
  },
});

export const updateResourceServer = defineAction({
  name: 'UpdateResourceServer', summary: "Replaces a resource server's Name and Scopes; a scope removed is refused at the next client_credentials grant.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Identifier, Name: z.string(), Scopes: Scopes.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const server = validServer({ Identifier: i.Identifier, Name: i.Name, Scopes: i.Scopes ?? [] });
    await writeServers(call.s, pool.id, (all) => {
      if (!all.some((r) => r.Identifier === server.Identifier)) throw apiException('ResourceNotFoundException', `Resource server ${i.Identifier} does not exist.`);
      return all.map((r) => (r.Identifier === server.Identifier ? server : r));
    });
    return { ResourceServer: serverType(pool, server) };
  },
});

export const deleteResourceServer = defineAction({
  name: 'DeleteResourceServer', summary: 'Removes a resource server: its scopes grant nothing from now on.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Identifier }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    await writeServers(call.s, pool.id, (all) => {
      if (!all.some((r) => r.Identifier === i.Identifier)) throw apiException('ResourceNotFoundException', `Resource server ${i.Identifier} does not exist.`);
      return all.filter((r) => r.Identifier !== i.Identifier);
    });
    return {};
  },
});

export const listResourceServers = defineAction({
  name: 'ListResourceServers', summary: 'The pool’s resource servers by identifier, a page at a time.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, MaxResults: Limit(50).min(1, 'Member must have value greater than or equal to 1').optional(), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const page = pageOf(resourceServersOf(pool.settings), (r) => r.Identifier, i.MaxResults ?? 50, i.NextToken);
    return { ResourceServers: page.items.map((r) => serverType(pool, r)), ...(page.next ? { NextToken: page.next } : {}) };
  },
});

export const ADMIN_RESOURCE_SERVER_ACTIONS: readonly ApiAction[] = [
  createResourceServer, describeResourceServer, updateResourceServer, deleteResourceServer, listResourceServers,
] as ApiAction[];
