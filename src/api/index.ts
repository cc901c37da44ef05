// The Cognito JSON API door: the actions served, each one declaration (action.ts), on one wire.
import type { Middleware } from 'koa';
import type { Services } from '../services.js';
import type { ApiAction } from './action.js';
import { deleteUserAttributes, getUserAttributeVerificationCode, updateUserAttributes, verifyUserAttribute } from './actions/attributes.js';
import { confirmDeviceAction, forgetDeviceAction, getDevice, listDevices, updateDeviceStatus } from './actions/devices.js';
import { getTokensFromRefreshToken, initiateAuth, respondToAuthChallenge, revokeToken } from './actions/auth.js';
import { MFA_ACTIONS } from './actions/mfa.js';
import { PASSKEY_ACTIONS } from './actions/passkeys.js';
import { confirmSignUp, resendConfirmationCode, signUp } from './actions/sign-up.js';
import { changePassword, confirmForgotPassword, deleteUser, forgotPassword, getUser, globalSignOut } from './actions/user.js';
import { ADMIN_USER_ACTIONS } from './admin/users.js';
import { ADMIN_POOL_ACTIONS } from './admin/pools.js';
import { ADMIN_CLIENT_ACTIONS } from './admin/clients.js';
import { ADMIN_GROUP_ACTIONS } from './admin/groups.js';
import { ADMIN_IDENTITY_ACTIONS } from './admin/identities.js';
import { ADMIN_PROVIDER_ACTIONS } from './admin/providers.js';
import { ADMIN_RESOURCE_SERVER_ACTIONS } from './admin/resource-servers.js';
import { ADMIN_IMPORT_ACTIONS } from './admin/import-jobs.js';
import { allowedOrigins, apiWire } from './wire.js';

export const ACTIONS: readonly ApiAction[] = [
  signUp, confirmSignUp, resendConfirmationCode,
  initiateAuth, respondToAuthChallenge, getTokensFromRefreshToken, revokeToken,
  getUser, changePassword, globalSignOut, deleteUser, forgotPassword, confirmForgotPassword,
  updateUserAttributes, deleteUserAttributes, getUserAttributeVerificationCode, verifyUserAttribute,
  confirmDeviceAction, getDevice, listDevices, updateDeviceStatus, forgetDeviceAction,
  ...MFA_ACTIONS, ...PASSKEY_ACTIONS,
  // Management actions (SigV4): src/api/admin/.
  ...ADMIN_POOL_ACTIONS, ...ADMIN_CLIENT_ACTIONS,
  ...ADMIN_USER_ACTIONS, ...ADMIN_GROUP_ACTIONS, ...ADMIN_IDENTITY_ACTIONS, ...ADMIN_PROVIDER_ACTIONS, ...ADMIN_RESOURCE_SERVER_ACTIONS, ...ADMIN_IMPORT_ACTIONS,
] as ApiAction[];

export function apiRouter(s: Services): Middleware {
  return apiWire(s, new Map(ACTIONS.map((a) => [a.name, a])), allowedOrigins(s, s.corsOrigins));
}
