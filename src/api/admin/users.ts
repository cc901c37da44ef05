// The directory's users, managed with SigV4: the Admin* actions on one user, their devices, and
// ListUsers. The rules are native/administration.ts's and accounts.ts's; this edge only translates.
import { z } from 'zod';
import { parseUserFilter } from '../../directory/rules.js';
import { deviceOf, forgetDevice, setDeviceStatus } from '../../native/devices.js';
import type { ApiAction, ApiCall } from '../action.js';
import { defineAction } from '../action.js';
import { DeviceKey, deviceType } from '../actions/devices.js';
import { adminInitiateAuth, adminRespondToAuthChallenge } from '../actions/auth.js';
import { AttributeName, Attributes, Password, StringMap, Username } from '../fields.js';
import { mfaSettingsShape } from '../../native/mfa.js';
import { attributeList, Limit, poolAndUser, poolFor, seconds, UserPoolId, userType } from './common.js';

const target = { UserPoolId, Username };
const CONTEXT = { ClientMetadata: StringMap.optional() };
const asRecord = (list: { Name: string; Value?: string | undefined }[]) => Object.fromEntries(list.map((a) => [a.Name, a.Value ?? '']));

export const adminCreateUser = defineAction({
  name: 'AdminCreateUser', summary: "Creates a user with a temporary password, sent in the pool's InviteMessageTemplate.", state: 'supported', access: 'sigv4',
  notes: 'The temporary password is the one given or a generated one meeting the policy, valid for TemporaryPasswordValidityDays; `email_verified`/`phone_number_verified` may be set; ValidationData is accepted and not used until triggers exist.',
  errors: ['ResourceNotFoundException', 'UsernameExistsException', 'AliasExistsException', 'InvalidPasswordException', 'InvalidParameterException', 'UserNotFoundException', 'UnsupportedUserStateException'],
  input: z.object({
    ...target, UserAttributes: Attributes.optional(), ValidationData: Attributes.optional(), TemporaryPassword: Password.optional(),
    ForceAliasCreation: z.boolean().optional(), MessageAction: z.enum(['RESEND', 'SUPPRESS']).optional(),
    DesiredDeliveryMediums: z.array(z.enum(['SMS', 'EMAIL'])).max(2).optional(), ...CONTEXT,
  }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const { user } = await call.s.administration.createUser(pool, {
      username: i.Username, attributes: asRecord(i.UserAttributes ?? []), ...(i.TemporaryPassword ? { temporaryPassword: i.TemporaryPassword } : {}),
      ...(i.MessageAction ? { messageAction: i.MessageAction } : {}), ...(i.DesiredDeliveryMediums ? { mediums: i.DesiredDeliveryMediums } : {}),
      forceAliasCreation: i.ForceAliasCreation ?? false,
    });
    return { User: userType(user) };
  },
});

export const adminGetUser = defineAction({
  name: 'AdminGetUser', summary: 'A user of the pool by username, alias or sub: attributes, status, dates, MFA settings.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object(target),
  async handle(call, i) {
    const { user } = await poolAndUser(call.s, i);
    return {
      Username: user.username, UserAttributes: attributeList({ sub: user.sub, ...user.attributes }), UserCreateDate: seconds(user.createdAt),
      UserLastModifiedDate: seconds(user.updatedAt), Enabled: user.enabled, UserStatus: user.status, ...mfaSettingsShape(user),
    };
  },
});

export const adminUpdateUserAttributes = defineAction({
  name: 'AdminUpdateUserAttributes', summary: "Sets a user's attributes, the verified flags included.", state: 'supported', access: 'sigv4',
  notes: 'A changed email or phone number is unverified (and sent a code if the pool auto-verifies it) unless the call sets its `_verified` flag to true; a verified alias signs in at once.',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'AliasExistsException', 'InvalidParameterException', 'NotAuthorizedException'],
  input: z.object({ ...target, UserAttributes: Attributes, ...CONTEXT }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await call.s.administration.updateAttributes(pool, user, asRecord(i.UserAttributes));
    return {};
  },
});

export const adminDeleteUserAttributes = defineAction({
  name: 'AdminDeleteUserAttributes', summary: "Deletes some of a user's attributes (not a required one, nor the one the user signs in with).", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException', 'NotAuthorizedException'],
  input: z.object({ ...target, UserAttributeNames: z.array(AttributeName).min(1).max(100) }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await call.s.administration.deleteAttributes(pool, user, i.UserAttributeNames);
    return {};
  },
});

/** The Admin* actions that take a pool and a user and answer nothing. */
const onUser = (name: string, summary: string, errors: ApiAction['errors'], run: (call: ApiCall, p: Awaited<ReturnType<typeof poolAndUser>>) => Promise<unknown>) =>
  defineAction({
    name, summary, state: 'supported', access: 'sigv4', errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException', ...errors],
    input: z.object({ ...target, ...CONTEXT }),
    async handle(call, i) {
      await run(call, await poolAndUser(call.s, i));
      return {};
    },
  });

export const adminDeleteUser = onUser('AdminDeleteUser', 'Deletes a user with their aliases, identities, memberships, devices and sign-ins.', [],
  (call, { pool, user }) => call.s.administration.deleteUser(pool, user));
export const adminDisableUser = onUser('AdminDisableUser', 'Disables a user: every sign-in of theirs ends, and none starts.', [],
  (call, { pool, user }) => call.s.administration.setEnabled(pool, user, false));
export const adminEnableUser = onUser('AdminEnableUser', 'Enables a disabled user again.', [],
  (call, { pool, user }) => call.s.administration.setEnabled(pool, user, true));
export const adminConfirmSignUp = onUser('AdminConfirmSignUp', 'Confirms an UNCONFIRMED user without a code.', ['NotAuthorizedException'],
  (call, { pool, user }) => call.s.administration.confirmSignUp(pool, user));
export const adminResetUserPassword = onUser('AdminResetUserPassword', 'Makes the password unusable (RESET_REQUIRED), ends sign-ins and sends a reset code.', ['NotAuthorizedException', 'LimitExceededException'],
  (call, { pool, user }) => call.s.administration.resetPassword(pool, user));
export const adminUserGlobalSignOut = onUser('AdminUserGlobalSignOut', "Ends every sign-in of the user: refresh tokens, the access tokens from them, hosted sessions.", [],
  (call, { pool, user }) => call.s.administration.globalSignOut(pool, user));

export const adminSetUserPassword = defineAction({
  name: 'AdminSetUserPassword', summary: "Sets a user's password: permanent (CONFIRMED) or temporary (FORCE_CHANGE_PASSWORD).", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidPasswordException', 'InvalidParameterException'],
  input: z.object({ ...target, Password, Permanent: z.boolean().optional() }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await call.s.administration.setPassword(pool, user, i.Password, i.Permanent ?? false);
    return {};
  },
});

export const listUsers = defineAction({
  name: 'ListUsers', summary: 'The pool’s users, optionally filtered on one attribute (`=` or `^=`), in stable pages of up to 60.', state: 'supported', access: 'sigv4',
  notes: 'Filter: `username`, `email`, `phone_number`, `name`, `given_name`, `family_name`, `preferred_username`, `cognito:user_status`, `status` (Enabled/Disabled) or `sub`, as COGNITO.md §4.5.',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({
    UserPoolId, AttributesToGet: z.array(AttributeName).max(100).optional(), Limit: Limit(60).optional(),
    PaginationToken: z.string().min(1).max(131_072).optional(), Filter: z.string().max(256, 'Member must have length less than or equal to 256').optional(),
  }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const filter = parseUserFilter(i.Filter);
    const page = await call.s.store.users.listUsers(pool.id, { ...(filter ? { filter } : {}), ...(i.Limit ? { limit: i.Limit } : {}), ...(i.PaginationToken ? { nextToken: i.PaginationToken } : {}) });
    return { Users: page.items.map((u) => userType(u, i.AttributesToGet)), ...(page.nextToken ? { PaginationToken: page.nextToken } : {}) };
  },
});

// The user's devices, as an administrator sees them.
const deviceTarget = { ...target, DeviceKey };

export const adminListDevices = defineAction({
  name: 'AdminListDevices', summary: "A user's confirmed devices, 60 at most a page.", state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object({ ...target, Limit: Limit(60).optional(), PaginationToken: z.string().min(1).max(1024).optional() }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    const page = await call.s.store.devices.listDevices(pool.id, user.id, { ...(i.Limit ? { limit: i.Limit } : {}), ...(i.PaginationToken ? { nextToken: i.PaginationToken } : {}) });
    return { Devices: page.items.filter((d) => d.confirmed).map(deviceType), ...(page.nextToken ? { PaginationToken: page.nextToken } : {}) };
  },
});

export const adminGetDevice = defineAction({
  name: 'AdminGetDevice', summary: 'One device of a user.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object(deviceTarget),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    return { Device: deviceType(await deviceOf(call.s, pool, user, i.DeviceKey)) };
  },
});

export const adminForgetDevice = defineAction({
  name: 'AdminForgetDevice', summary: 'Forgets a device of a user: its next sign-in is told "Device does not exist."', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object(deviceTarget),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await forgetDevice(call.s, pool, user, i.DeviceKey);
    return {};
  },
});

export const adminUpdateDeviceStatus = defineAction({
  name: 'AdminUpdateDeviceStatus', summary: 'Remembers a device of a user, or stops remembering it.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'UserNotFoundException', 'InvalidParameterException'],
  input: z.object({ ...deviceTarget, DeviceRememberedStatus: z.enum(['remembered', 'not_remembered']).optional() }),
  async handle(call, i) {
    const { pool, user } = await poolAndUser(call.s, i);
    await setDeviceStatus(call.s, pool, user, i.DeviceKey, i.DeviceRememberedStatus ?? 'not_remembered');
    return {};
  },
});

export const ADMIN_USER_ACTIONS: readonly ApiAction[] = [
  adminCreateUser, adminGetUser, adminUpdateUserAttributes, adminDeleteUserAttributes, adminDeleteUser, adminDisableUser, adminEnableUser,
  adminConfirmSignUp, adminResetUserPassword, adminSetUserPassword, adminUserGlobalSignOut, listUsers,
  adminListDevices, adminGetDevice, adminForgetDevice, adminUpdateDeviceStatus, adminInitiateAuth, adminRespondToAuthChallenge,
] as ApiAction[];
