// Groups, managed with SigV4: the groups of a pool and their members. A user's groups reach the
// tokens (`cognito:groups` by Precedence, `cognito:roles`, `cognito:preferred_role`: tokens/claims.ts)
// at the next sign-in or refresh.
import { z } from 'zod';
import type { Group } from '../../directory/types.js';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { Username } from '../fields.js';
import { apiException } from '../errors.js';
import { Limit, NextToken, pageOf, poolAndUser, poolFor, seconds, UserPoolId, userType } from './common.js';

const GroupName = z.string({ error: (i) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string') })
  .min(1).max(128, 'Member must have length less than or equal to 128')
  .regex(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u, 'Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+');
const Description = z.string().max(2048, 'Member must have length less than or equal to 2048');
const Precedence = z.number({ error: 'Member must be a number' }).int().min(0, 'Member must have value greater than or equal to 0');
const RoleArn = z.string().min(20, 'Member must have length greater than or equal to 20').max(2048)
  .regex(/^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$/, 'Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:[\\w+=/,.@-]+:([\\w+=/,.@-]*)?:[0-9]+:[\\w+=/,.@-]+(:[\\w+=/,.@-]+)?(:[\\w+=/,.@-]+)?');
const fields = { Description: Description.optional(), Precedence: Precedence.optional(), RoleArn: RoleArn.optional() };

/** Cognito's GroupType. */
const groupType = (g: Group) => ({
  GroupName: g.name, UserPoolId: g.poolId, ...(g.description !== null ? { Description: g.description } : {}), ...(g.roleArn !== null ? { RoleArn: g.roleArn } : {}),
  ...(g.precedence !== null ? { Precedence: g.precedence } : {}), CreationDate: seconds(g.createdAt), LastModifiedDate: seconds(g.updatedAt),
});

async function groupOf(s: Parameters<typeof poolFor>[0], poolId: string, name: string): Promise<Group> {
  const g = await s.store.groups.getGroup(poolId, name);
  if (!g) throw apiException('ResourceNotFoundException', 'Group not found.');
  return g;
}

export const createGroup = defineAction({
  name: 'CreateGroup', summary: 'Creates a group, with an optional Precedence and IAM RoleArn for the tokens.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'GroupExistsException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, GroupName, ...fields }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const group = await call.s.store.groups.createGroup({ poolId: pool.id, name: i.GroupName, description: i.Description ?? null, precedence: i.Precedence ?? null, roleArn: i.RoleArn ?? null });
    return { Group: groupType(group) };
  },
});

export const getGroup = defineAction({
  name: 'GetGroup', summary: 'One group of the pool.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, GroupName }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    return { Group: groupType(await groupOf(call.s, pool.id, i.GroupName)) };
  },
});

export const updateGroup = defineAction({
  name: 'UpdateGroup', summary: "Replaces a group's Description, Precedence and RoleArn (one not given is cleared, as in Cognito).", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, GroupName, ...fields }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const group = await call.s.store.groups.updateGroup(pool.id, i.GroupName, { description: i.Description ?? null, precedence: i.Precedence ?? null, roleArn: i.RoleArn ?? null });
    return { Group: groupType(group) };
  },
});

export const deleteGroup = defineAction({
  name: 'DeleteGroup', summary: 'Deletes a group; its members leave it.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, GroupName }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    if (!(await call.s.store.groups.deleteGroup(pool.id, i.GroupName))) throw apiException('ResourceNotFoundException', 'Group not found.');
    return {};
  },
});

export const listGroups = defineAction({
  name: 'ListGroups', summary: 'The pool’s groups by name, a page at a time.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Limit: Limit(60).optional(), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const page = pageOf(await call.s.store.groups.listGroups(pool.id), (g) => g.name, i.Limit || 60, i.NextToken);
    return { Groups: page.items.map(groupType), ...(page.next ? { NextToken: page.next } : {}) };
  },
});

const membership = { UserPoolId, Username, GroupName };

export const adminAddUserToGroup = defineAction({
  name: 'AdminAddUserToGroup', summary: 'Adds a user to a group (again: no change).', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object(membership),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await groupOf(call.s, pool.id, i.GroupName);
    await call.s.store.groups.addUserToGroup(pool.id, i.GroupName, user.id);
    return {};
  },
});

export const adminRemoveUserFromGroup = defineAction({
  name: 'AdminRemoveUserFromGroup', summary: 'Removes a user from a group.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object(membership),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await groupOf(call.s, pool.id, i.GroupName);
    await call.s.store.groups.removeUserFromGroup(pool.id, i.GroupName, user.id);
    return {};
  },
});

export const adminListGroupsForUser = defineAction({
  name: 'AdminListGroupsForUser', summary: "A user's groups by name, a page at a time.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Username, Limit: Limit(60).optional(), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    const page = pageOf(await call.s.store.groups.listGroupsForUser(pool.id, user.id), (g) => g.name, i.Limit || 60, i.NextToken);
    return { Groups: page.items.map(groupType), ...(page.next ? { NextToken: page.next } : {}) };
  },
});

export const listUsersInGroup = defineAction({
  name: 'ListUsersInGroup', summary: 'The members of a group, in stable pages of up to 60.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, GroupName, Limit: Limit(60).optional(), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    await groupOf(call.s, pool.id, i.GroupName);
    const page = await call.s.store.groups.listUsersInGroup(pool.id, i.GroupName, { ...(i.Limit ? { limit: i.Limit } : {}), ...(i.NextToken ? { nextToken: i.NextToken } : {}) });
    return { Users: page.items.map((u) => userType(u)), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  },
});

export const ADMIN_GROUP_ACTIONS: readonly ApiAction[] = [
  createGroup, getGroup, updateGroup, deleteGroup, listGroups, adminAddUserToGroup, adminRemoveUserFromGroup, adminListGroupsForUser, listUsersInGroup,
] as ApiAction[];
