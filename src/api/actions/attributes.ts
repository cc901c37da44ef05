// The signed-in user's attributes: UpdateUserAttributes, DeleteUserAttributes,
// GetUserAttributeVerificationCode, VerifyUserAttribute (with an access token; rules in native/accounts.ts).
import { z } from 'zod';
import { accountContext } from '../../auth/index.js';
import { callerOf } from '../access.js';
import { defineAction, type ApiCall } from '../action.js';
import { AttributeName, Attributes, ConfirmationCode, StringMap, Token } from '../fields.js';

async function caller(call: ApiCall, token: string) {
  const c = await callerOf(call.s, token);
  return { ...c, ctx: accountContext(c.client, call.ip) };
}

export const updateUserAttributes = defineAction({
  name: 'UpdateUserAttributes', summary: "Changes the signed-in user's attributes; a changed email or phone number is verified by code.", state: 'supported',
  notes: "Honours the pool's UserAttributeUpdateSettings: a new value of an attribute in AttributesRequireVerificationBeforeUpdate applies only once VerifyUserAttribute confirms the code sent to it (GetUserAttributeVerificationCode sends it again); until then the old value and its verified flag stay, and it keeps signing in. Other changed addresses apply at once, unverified.",
  errors: ['NotAuthorizedException', 'InvalidParameterException', 'AliasExistsException', 'LimitExceededException'],
  input: z.object({ AccessToken: Token, UserAttributes: Attributes, ClientMetadata: StringMap.optional() }),
  async handle(call, i) {
    const { pool, client, user, ctx } = await caller(call, i.AccessToken);
    const attributes = Object.fromEntries(i.UserAttributes.map((a) => [a.Name, a.Value ?? '']));
    const sent = await call.s.accounts.updateAttributes(pool, user, attributes, client.settings.WriteAttributes, ctx);
    return { CodeDeliveryDetailsList: sent };
  },
});

export const deleteUserAttributes = defineAction({
  name: 'DeleteUserAttributes', summary: "Deletes some of the signed-in user's attributes.", state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidParameterException'],
  input: z.object({ AccessToken: Token, UserAttributeNames: z.array(AttributeName).min(1).max(100) }),
  async handle(call, i) {
    const { pool, client, user, ctx } = await caller(call, i.AccessToken);
    await call.s.accounts.deleteAttributes(pool, user, i.UserAttributeNames, client.settings.WriteAttributes, ctx);
    return {};
  },
});

export const getUserAttributeVerificationCode = defineAction({
  name: 'GetUserAttributeVerificationCode', summary: "Sends a code to verify the signed-in user's email or phone number.", state: 'supported',
  errors: ['NotAuthorizedException', 'InvalidParameterException', 'LimitExceededException'],
  input: z.object({ AccessToken: Token, AttributeName, ClientMetadata: StringMap.optional() }),
  async handle(call, i) {
    const { pool, user, ctx } = await caller(call, i.AccessToken);
    return { CodeDeliveryDetails: await call.s.accounts.sendAttributeCode(pool, user, i.AttributeName, ctx) };
  },
});

export const verifyUserAttribute = defineAction({
  name: 'VerifyUserAttribute', summary: 'Verifies an email or phone number with the code it was sent.', state: 'supported',
  errors: ['NotAuthorizedException', 'CodeMismatchException', 'ExpiredCodeException', 'AliasExistsException', 'TooManyFailedAttemptsException', 'InvalidParameterException'],
  input: z.object({ AccessToken: Token, AttributeName, Code: ConfirmationCode }),
  async handle(call, i) {
    const { pool, user, ctx } = await caller(call, i.AccessToken);
    await call.s.accounts.verifyAttribute(pool, user, i.AttributeName, i.Code, ctx);
    return {};
  },
});
