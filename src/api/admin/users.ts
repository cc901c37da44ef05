// The directory's users, managed with SigV4 (Admin* actions, ListUsers).
import { z } from 'zod';
import type { ApiAction } from '../action.js';
import { defineAction } from '../action.js';
import { Username } from '../fields.js';
import { adminUser, attributeList, poolFor, seconds, UserPoolId } from './common.js';

export const adminGetUser = defineAction({
  name: 'AdminGetUser', summary: 'A user of the pool by username, alias or sub: attributes, status, dates.', state: 'partial', access: 'sigv4',
  notes: 'MFA settings are not reported yet (no MFA yet).',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, Username }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const user = await adminUser(call.s, pool, i.Username);
    return {
      Username: user.username, UserAttributes: attributeList({ sub: user.sub, ...user.attributes }), UserCreateDate: seconds(user.createdAt),
      UserLastModifiedDate: seconds(user.updatedAt), Enabled: user.enabled, UserStatus: user.status,
    };
  },
});

export const ADMIN_USER_ACTIONS: readonly ApiAction[] = [adminGetUser] as ApiAction[];
