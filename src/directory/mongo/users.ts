// Users and their aliases in MongoDB. Each user document carries its ListUsers search entries; aliases
// live in their own collection, unique per (pool, kind, key) and per (pool, user, kind). Without
// multi-document transactions, createUser undoes its own inserts when a unique index refuses one.
import { AliasExists, NotFound, UsernameExists } from '../errors.js';
import {
  aliasKey, applyUserPatch, checkAttributeNames, countSignInAttempt, newUserRecord, decodePageToken, encodePageToken, filterEntry, pageLimit,
  searchEntries, usernameKey,
} from '../rules.js';
import { COGNITO_LOCKOUT, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type LockoutPolicy, type UserStore } from '../store.js';
import type { Page, SignInAttempt, User, UserStatus } from '../types.js';
import { withLock } from './atomic.js';
import { backoff, guarded, isDuplicateKey } from './errors.js';
import type { Models, UserDoc } from './models.js';
import type { PoolCase } from './pools.js';

export const toUser = (d: UserDoc): User => ({
  id: d._id, poolId: d.poolId, sub: d.sub, username: d.username, status: d.status as UserStatus, enabled: d.enabled,
  attributes: { ...(d.attributes ?? {}) }, passwordHash: d.passwordHash ?? null,
  srpVerifier: d.srpVerifier ?? null, mfa: d.mfa ?? null, failedSignIns: d.failedSignIns ?? 0,
  lastFailedSignInAt: d.lastFailedSignInAt ?? null, lockedUntil: d.lockedUntil ?? null, createdAt: d.createdAt, updatedAt: d.updatedAt,
});

/** Every write to a user document holds this lease (see atomic.ts). */
const lockKey = (userId: string) => `user:${userId}`;
const userNotFound = () => new NotFound('UserNotFoundException', 'User does not exist.');
/** Escapes a literal for a MongoDB $regex. Also records.ts's. */
export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The version only moves under the lease unless a lease ran out, so a few rounds are plenty. */
const UPDATE_ATTEMPTS = 5;

export function mongoUsers(m: Models, caseOf: PoolCase): UserStore {
  /** Counts a sign-in attempt under the user's lease (rules.countSignInAttempt decides). */
  const countAttempt = (poolId: string, userId: string, now: number, policy: LockoutPolicy, refuseWhileLocked: boolean): Promise<SignInAttempt> =>
    withLock(m, lockKey(userId), async () => {
      const user = await m.User.findOne({ _id: userId, poolId }).lean<UserDoc>();
      if (!user) throw userNotFound();
      const { allowed, next } = countSignInAttempt(
        { failedSignIns: user.failedSignIns ?? 0, lastFailedSignInAt: user.lastFailedSignInAt ?? null, lockedUntil: user.lockedUntil ?? null },
        now, policy, refuseWhileLocked);
      if (allowed) await m.User.updateOne({ _id: userId, poolId }, { $set: next });
      return { allowed, failedSignIns: next.failedSignIns, lockedUntil: next.lockedUntil };
    });

  const users: UserStore = {
    async createUser(input) {
      checkAttributeNames(input.attributes);
      const caseSensitive = await caseOf(input.poolId);
      const now = Date.now();
      // rules.newUserRecord leaves the SRP verifier out: it is kept as given, like the password hash.
      const user: User = newUserRecord(input, now);
      const doc: UserDoc = {
        _id: user.id, poolId: user.poolId, sub: user.sub, username: user.username,
        usernameKey: usernameKey(user.username, caseSensitive), status: user.status, enabled: user.enabled,
        attributes: user.attributes, passwordHash: user.passwordHash, srpVerifier: user.srpVerifier, mfa: null, failedSignIns: 0, lastFailedSignInAt: null,
        lockedUntil: null, createdAt: now, updatedAt: now, version: 0, search: searchEntries(user),
      };
      try {
        await m.User.create(doc);
      } catch (err) {
        // Every unique index of users (id, username, sub) means the same thing to the caller.
        if (isDuplicateKey(err)) throw new UsernameExists();
        throw err;
      }
      try {
        for (const alias of input.aliases ?? [])
          await m.Alias.create({ poolId: user.poolId, kind: alias.kind, key: aliasKey(alias.kind, alias.value, caseSensitive), userId: user.id });
      } catch (err) {
        // Undo this call's own writes (the user and the aliases it claimed), then report the first failure.
        await m.Alias.deleteMany({ poolId: user.poolId, userId: user.id })
          .then(() => m.User.deleteOne({ _id: user.id }))
          .catch(() => undefined);
        if (isDuplicateKey(err)) throw new AliasExists();
        throw err;
      }
      return user;
    },

    async getUser(poolId, userId) {
      const d = await m.User.findOne({ _id: userId, poolId }).lean<UserDoc>();
      return d ? toUser(d) : null;
    },

    async findUserByUsername(poolId, username) {
      const key = usernameKey(username, await caseOf(poolId));
      const d = await m.User.findOne({ poolId, usernameKey: key }).lean<UserDoc>();
      return d ? toUser(d) : null;
    },

    async findUserBySub(poolId, sub) {
      const d = await m.User.findOne({ poolId, sub }).lean<UserDoc>();
      return d ? toUser(d) : null;
    },

    async findUserByAlias(poolId, kind, value) {
      const alias = await m.Alias.findOne({ poolId, kind, key: aliasKey(kind, value, await caseOf(poolId)) }).lean();
      return alias ? users.getUser(poolId, alias.userId) : null;
    },

    async updateUser(poolId, userId, patch) {
      checkAttributeNames(patch.setAttributes, patch.deleteAttributes);
      // Read, compute, write back only if nobody wrote in between (version), under the user's lease so
      // that FerretDB, whose updates are not compare-and-set, serialises the writers too. Concurrent
      // patches of different attributes both land, and the search entries always match the attributes.
      for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
        const updated = await withLock(m, lockKey(userId), async () => {
          const current = await m.User.findOne({ _id: userId, poolId }).lean<UserDoc>();
          if (!current) throw userNotFound();
          const before = toUser(current);
          const next = applyUserPatch(before, patch);
          const r = await m.User.updateOne(
            { _id: userId, poolId, version: current.version },
            {
              $set: {
                status: next.status, enabled: next.enabled, passwordHash: next.passwordHash, srpVerifier: next.srpVerifier, mfa: next.mfa,
                attributes: next.attributes,
                search: searchEntries(next), updatedAt: next.updatedAt,
              },
              $inc: { version: 1 },
            },
          );
          return r.matchedCount === 1 ? next : null;
        });
        if (updated) return updated;
        await backoff(attempt);
      }
      throw new Error(`updateUser: too many concurrent updates of user ${userId}`);
    },

    async deleteUser(poolId, userId) {
      const families = await m.Family.find({ poolId, userId }, { _id: 1 }).lean<{ _id: string }[]>();
      await m.RefreshToken.deleteMany({ familyId: { $in: families.map((f) => f._id) } });
      await m.Family.deleteMany({ poolId, userId });
      await m.Alias.deleteMany({ poolId, userId });
      await m.Identity.deleteMany({ poolId, userId });
      await m.Membership.deleteMany({ poolId, userId });
      await m.Device.deleteMany({ poolId, userId });
      await m.OneTimeCode.deleteMany({ poolId, userId });
      await m.Session.deleteMany({ poolId, userId });
      await m.AuthCode.deleteMany({ poolId, userId });
      return (await m.User.deleteOne({ _id: userId, poolId })).deletedCount > 0;
    },

    async listUsers(poolId, options = {}) {
      const limit = pageLimit(options.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
      const { filter } = options;
      const scope = filter ? `${filter.attribute}${filter.op}${filter.value}` : '';
      const after = decodePageToken(options.nextToken, scope);
      const query: Record<string, unknown> = { poolId };
      if (filter) {
        const entry = filterEntry(filter);
        query.search = filter.op === '=' ? entry : { $regex: `^${escapeRegex(entry)}` };
      }
      if (after !== undefined) query._id = { $gt: after };
      const docs = await m.User.find(query).sort({ _id: 1 }).limit(limit + 1).lean<UserDoc[]>();
      const items = docs.slice(0, limit).map(toUser);
      const page: Page<User> = { items };
      if (docs.length > limit) page.nextToken = encodePageToken(items[items.length - 1]!.id, scope);
      return page;
    },

    async claimAlias(poolId, kind, value, userId, options = {}) {
      const key = aliasKey(kind, value, await caseOf(poolId));
      if (!(await m.User.exists({ _id: userId, poolId }))) throw userNotFound();
      for (let attempt = 0; ; attempt++) {
        if (options.force) await m.Alias.deleteOne({ poolId, kind, key, userId: { $ne: userId } });
        try {
          // Move the user's alias of this kind in place (one document: the old value stays if the new one is
          // taken), or insert the first one.
          const r = await m.Alias.updateOne({ poolId, kind, userId }, { $set: { key } });
          if (r.matchedCount === 0) await m.Alias.create({ poolId, kind, key, userId });
          return;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          const owner = await m.Alias.findOne({ poolId, kind, key }).lean();
          if (owner?.userId === userId) return;
          if ((owner && !options.force) || attempt >= 5) throw new AliasExists();
          await backoff(attempt); // lost a race with a concurrent claim: look again
        }
      }
    },

    async releaseAlias(poolId, kind, userId) {
      await m.Alias.deleteOne({ poolId, kind, userId });
    },

    async recordSignInFailure(poolId, userId, now, policy = COGNITO_LOCKOUT) {
      const { failedSignIns, lockedUntil } = await countAttempt(poolId, userId, now, policy, false);
      return { failedSignIns, lockedUntil };
    },

    async beginSignInAttempt(poolId, userId, now, policy = COGNITO_LOCKOUT) {
      return countAttempt(poolId, userId, now, policy, true);
    },

    async resetSignInFailures(poolId, userId) {
      await withLock(m, lockKey(userId), () =>
        m.User.updateOne({ _id: userId, poolId }, { $set: { failedSignIns: 0, lastFailedSignInAt: null, lockedUntil: null } }),
      );
    },
  };
  return guarded(users);
}
