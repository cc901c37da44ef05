// Rules every store adapter applies the same way: key normalisation, search entries, paging tokens,
// lockout arithmetic. Pure functions, so the adapters differ only in how they talk to their database.
import { v7 as uuidv7 } from 'uuid';
import { InvalidParameter } from './errors.js';
import type { LockoutPolicy, UserPatch } from './store.js';
import type { AliasKind, Attributes, Millis, NewUser, SearchableAttribute, SignInAttempt, SignInFailure, User, UserFilter } from './types.js';
import { randomUUID } from 'node:crypto';
import { SEARCHABLE_ATTRIBUTES } from './types.js';

/** Time-ordered ids: listing by id lists in creation order. */
export const newId = (): string => uuidv7();

/** The key a username is unique under. */
export function usernameKey(username: string, caseSensitive: boolean): string {
  const n = username.normalize('NFC');
  return caseSensitive ? n : n.toLowerCase();
}

/** The key an alias is unique under: emails case-insensitive, preferred usernames like usernames. */
export function aliasKey(kind: AliasKind, value: string, caseSensitive: boolean): string {
  const v = value.trim().normalize('NFC');
  if (kind === 'email') return v.toLowerCase();
  if (kind === 'preferred_username') return usernameKey(v, caseSensitive);
  return v;
}

// Attribute names are stored as field names in MongoDB: never `.` or `$`.
const ATTRIBUTE_NAME = /^[A-Za-z0-9_:-]{1,64}$/;
export function checkAttributeNames(attributes: Attributes | undefined, names: string[] = []): void {
  for (const name of [...Object.keys(attributes ?? {}), ...names])
    if (!ATTRIBUTE_NAME.test(name)) throw new InvalidParameter(`Invalid attribute name: ${name}`);
  for (const value of Object.values(attributes ?? {}))
    if (typeof value !== 'string' || value.length > 2048) throw new InvalidParameter('Attribute values must be strings of at most 2048 characters');
}

// Which attributes compare case-sensitively in ListUsers (Cognito: username and status do).
const CASE_SENSITIVE_SEARCH: ReadonlySet<SearchableAttribute> = new Set(['username', 'status', 'sub']);

function searchValue(attribute: SearchableAttribute, value: string): string {
  return CASE_SENSITIVE_SEARCH.has(attribute) ? value : value.toLowerCase();
}

/** One `attribute=value` entry per searchable attribute the user has: what the search index holds. */
export function searchEntries(user: Pick<User, 'username' | 'sub' | 'status' | 'enabled' | 'attributes'>): string[] {
  const values: Partial<Record<SearchableAttribute, string | undefined>> = {
    username: user.username,
    sub: user.sub,
    'cognito:user_status': user.status,
    status: user.enabled ? 'Enabled' : 'Disabled',
  };
  for (const a of ['email', 'phone_number', 'name', 'given_name', 'family_name', 'preferred_username'] as const)
    values[a] = user.attributes[a];
  const out: string[] = [];
  for (const a of SEARCHABLE_ATTRIBUTES) {
    const v = values[a];
    if (v !== undefined && v !== '') out.push(`${a}=${searchValue(a, v)}`);
  }
  return out;
}

/** The entry (for `=`) or entry prefix (for `^=`) a filter looks for. */
export function filterEntry(filter: UserFilter): string {
  if (!(SEARCHABLE_ATTRIBUTES as readonly string[]).includes(filter.attribute))
    throw new InvalidParameter(`Invalid search attribute: ${filter.attribute}`);
  return `${filter.attribute}=${searchValue(filter.attribute, filter.value)}`;
}

/** Parses Cognito's ListUsers filter: `attribute = "value"` or `attribute ^= "value"`. Empty: no filter. */
export function parseUserFilter(text: string | undefined): UserFilter | undefined {
  if (!text || !text.trim()) return undefined;
  const m = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(text);
  if (!m) throw new InvalidParameter('Error while parsing filter.');
  const attribute = m[1] as SearchableAttribute;
  if (!(SEARCHABLE_ATTRIBUTES as readonly string[]).includes(attribute))
    throw new InvalidParameter(`Invalid search attribute: ${attribute}`);
  return { attribute, op: m[2] as '=' | '^=', value: m[3]!.replace(/\\(.)/g, '$1') };
}

/** Page tokens are opaque to callers: the last id seen, bound to the filter it was made for. */
export function encodePageToken(lastId: string, scope: string): string {
  return Buffer.from(JSON.stringify({ a: lastId, s: scope })).toString('base64url');
}

/** A devices page token: the last device's place in the order (creation time, then id), bound to the user whose devices it pages. */
export const encodeDeviceCursor = (createdAt: number, id: string, userId: string): string => encodePageToken(`${createdAt}:${id}`, `devices:${userId}`);

export function decodeDeviceCursor(token: string | undefined, userId: string): { createdAt: number; id: string } | undefined {
  const cursor = decodePageToken(token, `devices:${userId}`);
  if (cursor === undefined) return undefined;
  const m = /^(\d+):(.+)$/.exec(cursor);
  if (!m) throw new InvalidParameter('Invalid pagination token.');
  return { createdAt: Number(m[1]), id: m[2]! };
}

export function decodePageToken(token: string | undefined, scope: string): string | undefined {
  if (!token) return undefined;
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { a?: unknown; s?: unknown };
    if (typeof v.a === 'string' && v.s === scope) return v.a;
  } catch {
    /* fall through */
  }
  throw new InvalidParameter('Invalid pagination token.');
}

export function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  if (limit === undefined || limit === 0) return fallback;
  if (!Number.isInteger(limit) || limit < 0 || limit > max) throw new InvalidParameter(`Limit must be between 0 and ${max}.`);
  return limit;
}

export interface SignInCounters {
  failedSignIns: number;
  lastFailedSignInAt: Millis | null;
  lockedUntil: Millis | null;
}

/**
 * Counts one sign-in attempt: the count restarts after a quiet period, and a lock already earned is
 * never shortened. With `refuseWhileLocked`, an attempt during a lock is refused and changes nothing
 * (Cognito does not extend the lock for those).
 */
export function countSignInAttempt(cur: SignInCounters, now: Millis, policy: LockoutPolicy, refuseWhileLocked: boolean): { allowed: boolean; next: SignInCounters } {
  if (refuseWhileLocked && cur.lockedUntil !== null && cur.lockedUntil > now) return { allowed: false, next: cur };
  const stale = cur.lastFailedSignInAt !== null && now - cur.lastFailedSignInAt > policy.resetAfterMs;
  const counted = lockoutFor((stale ? 0 : cur.failedSignIns) + 1, now, policy);
  const lockedUntil = Math.max(counted.lockedUntil ?? 0, stale ? 0 : cur.lockedUntil ?? 0) || null;
  return { allowed: true, next: { failedSignIns: counted.failedSignIns, lastFailedSignInAt: now, lockedUntil } };
}

/** The lock a count of consecutive failures earns: 2^(n-lockAfter) s from the last failure, capped. */
export function lockoutFor(failures: number, now: Millis, policy: LockoutPolicy): SignInFailure {
  if (failures < policy.lockAfter) return { failedSignIns: failures, lockedUntil: null };
  const ms = Math.min(2 ** (failures - policy.lockAfter) * 1000, policy.maxLockMs);
  return { failedSignIns: failures, lockedUntil: now + ms };
}

/**
 * One record of the LimitStore, as both adapters keep it: an attempt counter (`count` failures, the last
 * one `at`, locked `until`) or a take-window (`count` taken, started `at`, ending `until`). It matters
 * only before `expiresAt`: past it, the record behaves exactly as no record, so purgeExpired drops it.
 */
export interface LimitRecord {
  count: number;
  at: Millis | null;
  until: Millis | null;
  expiresAt: Millis;
}

/** Attempt counters and take-windows never share a record, even for the same caller's key. */
export const limitRecordKey = (kind: 'attempts' | 'window', key: string): string => `${kind}:${key}`;

/**
 * LimitStore.beginAttempt's arithmetic (countSignInAttempt, refusing while locked). `next` is what to
 * write, or null when nothing changes.
 */
export function countLimitAttempt(cur: LimitRecord | null, now: Millis, policy: LockoutPolicy): { attempt: SignInAttempt; next: LimitRecord | null } {
  const counters: SignInCounters = cur
    ? { failedSignIns: cur.count, lastFailedSignInAt: cur.at, lockedUntil: cur.until }
    : { failedSignIns: 0, lastFailedSignInAt: null, lockedUntil: null };
  const { allowed, next } = countSignInAttempt(counters, now, policy, true);
  const attempt = { allowed, failedSignIns: next.failedSignIns, lockedUntil: next.lockedUntil };
  if (!allowed) return { attempt, next: null };
  // Kept while locked, and while the count can still go on (it restarts once now - at > resetAfterMs).
  const expiresAt = Math.max(next.lockedUntil ?? 0, now + policy.resetAfterMs + 1);
  return { attempt, next: { count: next.failedSignIns, at: now, until: next.lockedUntil, expiresAt } };
}

/**
 * LimitStore.take's arithmetic: a fixed window that starts at the first take after the last one ended.
 * `next` is what to write, or null for a refused take (which does not count).
 */
export function takeFromWindow(cur: LimitRecord | null, limit: number, windowMs: Millis, now: Millis): {
  result: { allowed: boolean; count: number; resetAt: Millis };
  next: LimitRecord | null;
} {
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new InvalidParameter('windowMs must be a positive number of milliseconds');
  const live = cur !== null && cur.until !== null && cur.until > now;
  const window = live ? { count: cur.count, at: cur.at ?? now, until: cur.until! } : { count: 0, at: now, until: now + windowMs };
  if (window.count >= limit) return { result: { allowed: false, count: window.count, resetAt: window.until }, next: null };
  const count = window.count + 1;
  return { result: { allowed: true, count, resetAt: window.until }, next: { count, at: window.at, until: window.until, expiresAt: window.until } };
}

/** The user a patch makes of `current`: attributes merged, then the deleted ones dropped. */
export function applyUserPatch(current: User, patch: UserPatch): User {
  const attributes = { ...current.attributes, ...(patch.setAttributes ?? {}) };
  for (const name of patch.deleteAttributes ?? []) delete attributes[name];
  return {
    ...current,
    status: patch.status ?? current.status,
    enabled: patch.enabled ?? current.enabled,
    passwordHash: patch.passwordHash !== undefined ? patch.passwordHash : current.passwordHash,
    srpVerifier: patch.srpVerifier !== undefined ? patch.srpVerifier : current.srpVerifier,
    mfa: patch.mfa !== undefined ? patch.mfa : current.mfa,
    attributes,
    updatedAt: Math.max(Date.now(), current.updatedAt),
  };
}

/** The record a new user starts as (ids made here unless given, counters at zero). */
export function newUserRecord(input: NewUser, now: Millis): User {
  return {
    id: input.id ?? newId(), poolId: input.poolId, sub: input.sub ?? randomUUID(), username: input.username,
    status: input.status, enabled: input.enabled ?? true, attributes: { ...(input.attributes ?? {}) },
    passwordHash: input.passwordHash ?? null, srpVerifier: input.srpVerifier ?? null, mfa: null, failedSignIns: 0, lastFailedSignInAt: null, lockedUntil: null,
    createdAt: now, updatedAt: now,
  };
}
