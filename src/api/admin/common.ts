// What the management actions share: the pool a call names, the user an admin `Username` designates
// (the username, an alias or the `sub`, as Cognito allows) and Cognito's UserType shape.
import { z } from 'zod';
import { POOL_ID } from '../../directory/schema.js';
import type { Pool, User } from '../../directory/types.js';
import { findUser } from '../../native/identifiers.js';
import type { Services } from '../../services.js';
import { apiException } from '../errors.js';

const req = (i: { input: unknown }) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string');
export const UserPoolId = z.string({ error: req }).min(1).max(55, 'Member must have length less than or equal to 55')
  .regex(POOL_ID, 'Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+');
export const Limit = (max: number) => z.number({ error: 'Member must be a number' }).int().min(0).max(max, `Member must have value less than or equal to ${max}`);
export const NextToken = z.string({ error: 'Member must be a string' }).min(1).max(131_072);

/** The pool the call names, or ResourceNotFoundException. */
export async function poolFor(s: Services, poolId: string): Promise<Pool> {
  const pool = await s.store.pools.getPool(poolId);
  if (!pool) throw apiException('ResourceNotFoundException', `User pool ${poolId} does not exist.`);
  return pool;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user an admin `Username` designates: the username, an alias the pool signs in with, or the `sub`. */
export async function findAdminUser(s: Services, pool: Pool, username: string): Promise<User | null> {
  return (await findUser(s.store, pool, username)) ?? (UUID.test(username) ? await s.store.users.findUserBySub(pool.id, username.toLowerCase()) : null);
}

/** As findAdminUser, or UserNotFoundException. */
export async function adminUser(s: Services, pool: Pool, username: string): Promise<User> {
  const user = await findAdminUser(s, pool, username);
  if (!user) throw apiException('UserNotFoundException', 'User does not exist.');
  return user;
}

/** The pool and user an admin call names (ResourceNotFoundException, UserNotFoundException). */
export async function poolAndUser(s: Services, i: { UserPoolId: string; Username: string }): Promise<{ pool: Pool; user: User }> {
  const pool = await poolFor(s, i.UserPoolId);
  return { pool, user: await adminUser(s, pool, i.Username) };
}

export const seconds = (ms: number) => ms / 1000;
export const attributeList = (a: Record<string, string>) => Object.entries(a).map(([Name, Value]) => ({ Name, Value }));

/** Cognito's UserType (ListUsers, AdminCreateUser): `Attributes` lists `sub` first, then the user's attributes. */
export function userType(user: User, only?: readonly string[]) {
  const all = { sub: user.sub, ...user.attributes };
  const attributes = only ? Object.fromEntries(Object.entries(all).filter(([n]) => only.includes(n))) : all;
  return {
    Username: user.username, Attributes: attributeList(attributes), UserCreateDate: seconds(user.createdAt), UserLastModifiedDate: seconds(user.updatedAt),
    Enabled: user.enabled, UserStatus: user.status,
  };
}

/** Pages of lists the store answers whole (pools, clients, groups, providers): the token is the last name seen. */
export const pageToken = { of: (id: string) => Buffer.from(id).toString('base64url'), read: (t: string) => Buffer.from(t, 'base64url').toString() };

/** A page of `all` (sorted by `key`) after the token's key, at most `limit` long, with the token of the next one. */
export function pageOf<T>(all: readonly T[], key: (t: T) => string, limit: number, token?: string): { items: T[]; next?: string } {
  const after = token === undefined ? null : pageToken.read(token);
  const rest = [...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).filter((t) => after === null || key(t) > after);
  const items = rest.slice(0, limit);
  return { items, ...(rest.length > items.length ? { next: pageToken.of(key(items.at(-1)!)) } : {}) };
}
