// Groups and memberships in MongoDB; unique indexes on (pool, name) and (pool, group, user).
import { GroupExists, NotFound } from '../errors.js';
import { decodePageToken, encodePageToken, pageLimit } from '../rules.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type GroupStore } from '../store.js';
import type { Group, Page, User } from '../types.js';
import { guarded, isDuplicateKey } from './errors.js';
import type { GroupDoc, MembershipDoc, Models, UserDoc } from './models.js';
import { toUser } from './users.js';

const toGroup = (d: GroupDoc): Group => ({
  poolId: d.poolId, name: d.name, description: d.description ?? null, precedence: d.precedence ?? null,
  roleArn: d.roleArn ?? null, createdAt: d.createdAt, updatedAt: d.updatedAt,
});
const groupNotFound = () => new NotFound('ResourceNotFoundException', 'Group not found.');

export function mongoGroups(m: Models): GroupStore {
  return guarded<GroupStore>({
    async createGroup(g) {
      const now = Date.now();
      const group: Group = { ...g, createdAt: now, updatedAt: now };
      try {
        await m.Group.create(group);
      } catch (err) {
        if (isDuplicateKey(err)) throw new GroupExists();
        throw err;
      }
      return group;
    },

    async getGroup(poolId, name) {
      const d = await m.Group.findOne({ poolId, name }).lean<GroupDoc>();
      return d ? toGroup(d) : null;
    },

    async updateGroup(poolId, name, patch) {
      const set: Record<string, unknown> = { updatedAt: Date.now() };
      for (const field of ['description', 'precedence', 'roleArn'] as const) if (patch[field] !== undefined) set[field] = patch[field];
      const d = await m.Group.findOneAndUpdate({ poolId, name }, { $set: set }, { new: true }).lean<GroupDoc>();
      if (!d) throw groupNotFound();
      return toGroup(d);
    },

    async deleteGroup(poolId, name) {
      // Memberships first: a failure in between leaves the group in place, and the call can be repeated.
      await m.Membership.deleteMany({ poolId, groupName: name });
      return (await m.Group.deleteOne({ poolId, name })).deletedCount > 0;
    },

    async listGroups(poolId) {
      return (await m.Group.find({ poolId }).sort({ name: 1 }).lean<GroupDoc[]>()).map(toGroup);
    },

    async addUserToGroup(poolId, groupName, userId) {
      if (!(await m.Group.exists({ poolId, name: groupName }))) throw groupNotFound();
      if (!(await m.User.exists({ _id: userId, poolId }))) throw new NotFound('UserNotFoundException', 'User does not exist.');
      try {
        await m.Membership.updateOne({ poolId, groupName, userId }, { $setOnInsert: { poolId, groupName, userId } }, { upsert: true });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // a concurrent add won: the membership exists, as asked
      }
    },

    async removeUserFromGroup(poolId, groupName, userId) {
      await m.Membership.deleteOne({ poolId, groupName, userId });
    },

    async listGroupsForUser(poolId, userId) {
      const names = (await m.Membership.find({ poolId, userId }).lean<MembershipDoc[]>()).map((x) => x.groupName);
      if (names.length === 0) return [];
      return (await m.Group.find({ poolId, name: { $in: names } }).sort({ name: 1 }).lean<GroupDoc[]>()).map(toGroup);
    },

    async listUsersInGroup(poolId, groupName, options = {}) {
      const limit = pageLimit(options.limit, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
      const scope = `group:${groupName}`;
      const after = decodePageToken(options.nextToken, scope);
      const query: Record<string, unknown> = { poolId, groupName };
      if (after !== undefined) query.userId = { $gt: after };
      const members = await m.Membership.find(query).sort({ userId: 1 }).limit(limit + 1).lean<MembershipDoc[]>();
      const pageIds = members.slice(0, limit).map((x) => x.userId);
      const found = new Map(
        (await m.User.find({ poolId, _id: { $in: pageIds } }).lean<UserDoc[]>()).map((d) => [d._id, toUser(d)] as const),
      );
      const items = pageIds.flatMap((id) => found.get(id) ?? []);
      const page: Page<User> = { items };
      if (members.length > limit) page.nextToken = encodePageToken(pageIds[pageIds.length - 1]!, scope);
      return page;
    },
  });
}
