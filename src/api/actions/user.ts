// The signed-in user's own actions, with an access token: GetUser, ChangePassword, GlobalSignOut,
// DeleteUser, ForgotPassword and ConfirmForgotPassword (these two with the client, not a token).
import { z } from 'zod';
import { mfaSettingsShape } from '../../native/mfa.js';
import { readableAttributes } from '../../tokens/claims.js';
import { callerOf } from '../access.js';
import { defineAction } from '../action.js';
import { CLIENT_EXTRAS, ClientId, ConfirmationCode, Password, SecretHash, Token, Username } from '../fields.js';
import { deliveryShape, forClient } from './common.js';

export const getUser = defineAction({
  name: 'GetUser', summary: "The signed-in user's username, attributes and MFA settings (UserMFASettingList, PreferredMfaSetting).", state: 'supported',
  errors: ['NotAuthorizedException'],
  input: z.object({ AccessToken: Token }),
  async handle(call, i) {
    const { client, user } = await callerOf(call.s, i.AccessToken);
    const attributes = { sub: user.sub, ...readableAttributes(client, user) };
    return { Username: user.username, UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value: String(Value) })), ...mfaSettingsShape(user) };
  },
});

export const changePassword = defineAction({
  name: 'ChangePassword', summary: "Changes the signed-in user's password (the current one is required); the user's other sign-ins end, the caller's stays.", state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidPasswordException', 'LimitExceededException'],
  input: z.object({ AccessToken: Token, PreviousPassword: Password, ProposedPassword: Password }),
  async handle(call, i) {
    const { pool, user, originJti } = await callerOf(call.s, i.AccessToken);
    await call.s.accounts.changePassword(pool, user.id, i.PreviousPassword, i.ProposedPassword, originJti);
    return {};
  },
});

export const globalSignOut = defineAction({
  name: 'GlobalSignOut', summary: "Ends every sign-in of the user: refresh tokens, access tokens at the API and userInfo, hosted sessions.", state: 'supported',
  errors: ['NotAuthorizedException'],
  input: z.object({ AccessToken: Token }),
  async handle(call, i) {
    const { pool, client, user } = await callerOf(call.s, i.AccessToken);
    const now = call.s.now();
    const n = await call.s.store.tokens.revokeUserRefreshFamilies(pool.id, user.id, 'global_sign_out', now);
    await call.s.store.flows.deleteUserSessions(pool.id, user.id);
    await call.s.store.audit.record({ poolId: pool.id, time: now, type: 'sign_out.global', userId: user.id, clientId: client.clientId, ip: call.ip, detail: { revokedFamilies: n } });
    return {};
  },
});

export const deleteUser = defineAction({
  name: 'DeleteUser', summary: 'Deletes the signed-in user, with everything of theirs.', state: 'supported',
  errors: ['NotAuthorizedException'],
  input: z.object({ AccessToken: Token }),
  async handle(call, i) {
    const { pool, client, user } = await callerOf(call.s, i.AccessToken);
    await call.s.store.users.deleteUser(pool.id, user.id);
    await call.s.store.audit.record({ poolId: pool.id, time: call.s.now(), type: 'user.deleted', userId: user.id, clientId: client.clientId, ip: call.ip, detail: { by: 'self' } });
    return {};
  },
});

export const forgotPassword = defineAction({
  name: 'ForgotPassword', summary: 'Sends a password reset code to the verified email or phone number.', state: 'supported',
  notes: 'A name nobody here holds is asked of the pool’s UserMigration (UserMigration_ForgotPassword) first.',
  errors: ['UserNotFoundException', 'LimitExceededException', 'InvalidParameterException', 'NotAuthorizedException', 'InvalidLambdaResponseException', 'UnexpectedLambdaException'],
  input: z.object({ ClientId, Username, SecretHash: SecretHash.optional(), ...CLIENT_EXTRAS }),
  async handle(call, i) {
    const { pool, ctx } = await forClient(call, i.ClientId, i.Username, i.SecretHash);
    return deliveryShape(await call.s.accounts.forgotPassword(pool, i.Username, { ...ctx, ...(i.ClientMetadata ? { clientMetadata: i.ClientMetadata } : {}) }));
  },
});

export const confirmForgotPassword = defineAction({
  name: 'ConfirmForgotPassword', summary: 'Sets a new password with the reset code.', state: 'supported',
  errors: ['CodeMismatchException', 'ExpiredCodeException', 'InvalidPasswordException', 'TooManyFailedAttemptsException', 'UserNotFoundException'],
  input: z.object({ ClientId, Username, ConfirmationCode, Password, SecretHash: SecretHash.optional(), ...CLIENT_EXTRAS }),
  async handle(call, i) {
    const { pool, ctx } = await forClient(call, i.ClientId, i.Username, i.SecretHash);
    await call.s.accounts.confirmForgotPassword(pool, i.Username, i.ConfirmationCode, i.Password, ctx);
    return {};
  },
});
