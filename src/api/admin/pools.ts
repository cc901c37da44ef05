// User pools managed with SigV4: created, read, changed and removed at run time. The input is the
// config file's model (poolSchema): a member the file refuses, the API refuses, naming it.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { checkPool, poolFields, poolSchema, STANDARD_ATTRIBUTE_SET, type PoolSettings } from '../../directory/schema.js';
import type { Pool } from '../../directory/types.js';
import { issuerOf } from '../../services.js';
import type { ApiAction, ApiCall } from '../action.js';
import { defineAction } from '../action.js';
import { apiException } from '../errors.js';
import { poolArn } from '../policy.js';
import { validationMessage } from '../validation.js';
import { Limit, NextToken, pageOf, poolFor, seconds, UserPoolId } from './common.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomAlnum = (n: number, chars = ALNUM) => Array.from({ length: n }, () => chars[randomInt(chars.length)]).join('');

/** Cognito members the broker takes but does not act on (named in the notes). */
const IGNORED = {
  SmsConfiguration: z.unknown().optional(), UserPoolTags: z.unknown().optional(),
  UserPoolAddOns: z.unknown().optional(), SmsVerificationMessage: z.unknown().optional(), EmailVerificationMessage: z.unknown().optional(),
  EmailVerificationSubject: z.unknown().optional(), SmsAuthenticationMessage: z.unknown().optional(), UserPoolTier: z.unknown().optional(),
};
const IGNORED_NOTE = 'LambdaConfig takes the triggers served so far (PreSignUp, PostConfirmation); others are refused. SmsConfiguration, UserPoolTags, UserPoolAddOns, UserPoolTier and the legacy message members are accepted and ignored.';

// Resource servers are managed by their own actions (resource-servers.ts), never by the pool's.
const { Id: _id, ResourceServers: _r, ...settingFields } = poolFields;
/** UpdateUserPool cannot change these (Cognito's UpdateUserPoolRequest lacks them): they keep their value. */
const FIXED = ['UsernameAttributes', 'AliasAttributes', 'Schema', 'UsernameConfiguration', 'SoftwareTokenMfaConfiguration', 'SmsMfaConfiguration', 'EmailMfaConfiguration', 'WebAuthnConfiguration', 'ResourceServers'] as const;
const {
  UsernameAttributes: _u, AliasAttributes: _a, Schema: _s, UsernameConfiguration: _c, SoftwareTokenMfaConfiguration: _t, SmsMfaConfiguration: _m, EmailMfaConfiguration: _e, WebAuthnConfiguration: _w,
  TokenSigningKeyMaxAgeDays, SpEntityId, LinkByVerifiedEmail, RateLimits, ...updatableFields
} = settingFields;
/** The broker's own members (no Cognito counterpart): UpdateUserPool keeps them when not given, so they take no default there. */
const brokerOwn = { TokenSigningKeyMaxAgeDays, SpEntityId, LinkByVerifiedEmail: LinkByVerifiedEmail.unwrap().optional(), RateLimits: RateLimits.unwrap().optional() };
const BROKER_OWN = Object.keys(brokerOwn) as (keyof typeof brokerOwn)[];

const settingKeys = Object.keys(settingFields) as (keyof typeof settingFields)[];
/** The pool settings among an input's members (everything but UserPoolId and the ignored members). */
const settingsOf = (i: Record<string, unknown>) => Object.fromEntries(settingKeys.filter((k) => i[k] !== undefined).map((k) => [k, i[k]]));

/** The settings as the config file's schema takes them, or InvalidParameterException naming the member. */
export function validPool(candidate: Record<string, unknown>): PoolSettings {
  const parsed = poolSchema.safeParse(candidate);
  if (!parsed.success) throw apiException('InvalidParameterException', validationMessage(parsed.error.issues));
  return parsed.data;
}

const schemaAttributes = (p: PoolSettings) =>
  p.Schema.map((a) => ({
    ...a, Name: STANDARD_ATTRIBUTE_SET.has(a.Name) ? a.Name : `custom:${a.Name}`,
    ...(a.StringAttributeConstraints ? { StringAttributeConstraints: stringify(a.StringAttributeConstraints) } : {}),
    ...(a.NumberAttributeConstraints ? { NumberAttributeConstraints: stringify(a.NumberAttributeConstraints) } : {}),
  }));
// Cognito answers the constraints as strings.
const stringify = (o: Record<string, number | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));

/** Cognito's UserPoolType. */
export function userPoolType(call: ApiCall, pool: Pool) {
  const p = pool.settings;
  return {
    Id: pool.id, Name: p.PoolName, Arn: poolArn(call.caller!.region, pool.id), CreationDate: seconds(pool.createdAt), LastModifiedDate: seconds(pool.updatedAt),
    Policies: p.Policies, DeletionProtection: p.DeletionProtection, LambdaConfig: p.LambdaConfig ?? {}, SchemaAttributes: schemaAttributes(p),
    AutoVerifiedAttributes: p.AutoVerifiedAttributes, ...(p.UsernameAttributes ? { UsernameAttributes: p.UsernameAttributes } : {}),
    ...(p.AliasAttributes ? { AliasAttributes: p.AliasAttributes } : {}),
    VerificationMessageTemplate: { DefaultEmailOption: 'CONFIRM_WITH_CODE', ...p.VerificationMessageTemplate },
    EmailVerificationMessage: p.VerificationMessageTemplate.EmailMessage, EmailVerificationSubject: p.VerificationMessageTemplate.EmailSubject,
    SmsVerificationMessage: p.VerificationMessageTemplate.SmsMessage,
    ...(p.UserAttributeUpdateSettings ? { UserAttributeUpdateSettings: p.UserAttributeUpdateSettings } : {}),
    MfaConfiguration: p.MfaConfiguration, ...(p.DeviceConfiguration ? { DeviceConfiguration: p.DeviceConfiguration } : {}),
    EstimatedNumberOfUsers: 0, EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT', ...p.EmailConfiguration }, UserPoolTags: {},
    AdminCreateUserConfig: p.AdminCreateUserConfig, UsernameConfiguration: p.UsernameConfiguration,
    ...(p.AccountRecoverySetting ? { AccountRecoverySetting: p.AccountRecoverySetting } : {}), UserPoolTier: 'ESSENTIALS',
  };
}

const PoolName = z.string({ error: (i) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string') }).min(1).max(128)
  .regex(/^[\w\s+=,.@-]+$/, 'Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+');

export const createUserPool = defineAction({
  name: 'CreateUserPool', summary: 'A new pool with the given settings; the broker chooses its Id.', state: 'partial', access: 'sigv4',
  notes: IGNORED_NOTE,
  errors: ['InvalidParameterException', 'LimitExceededException'],
  input: z.object({ ...settingFields, PoolName, ...IGNORED }).superRefine((p, ctx) => checkPool(p as never, ctx)),
  async handle(call, i) {
    const settings = validPool({ Id: `local_${randomAlnum(9)}`, ...settingsOf(i) });
    if (await call.s.store.pools.getPool(settings.Id)) throw apiException('InternalErrorException', 'Please try again.'); // 62^9 ids: never in practice
    const pool = await call.s.store.pools.putPool({ id: settings.Id, settings });
    call.s.log.info({ poolId: pool.id }, 'user pool created');
    return { UserPool: userPoolType(call, pool) };
  },
});

export const describeUserPool = defineAction({
  name: 'DescribeUserPool', summary: 'A pool\'s settings in Cognito\'s UserPoolType shape.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId }),
  async handle(call, i) {
    return { UserPool: userPoolType(call, await poolFor(call.s, i.UserPoolId)) };
  },
});

export const updateUserPool = defineAction({
  name: 'UpdateUserPool', summary: 'Replaces a pool\'s settings: members not given return to their defaults, as in Cognito.', state: 'partial', access: 'sigv4',
  notes: `UsernameAttributes, AliasAttributes, Schema and UsernameConfiguration cannot change (as in Cognito); the broker's own members (RateLimits, SpEntityId, LinkByVerifiedEmail, TokenSigningKeyMaxAgeDays) keep their value when not given. ${IGNORED_NOTE}`,
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, ...updatableFields, ...brokerOwn, PoolName: PoolName.optional(), ...IGNORED }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const given = settingsOf(i);
    const keep: (keyof PoolSettings)[] = [...FIXED, ...BROKER_OWN.filter((k) => given[k] === undefined), ...(given.PoolName === undefined ? ['PoolName' as const] : [])];
    const kept = Object.fromEntries(keep.map((k) => [k, pool.settings[k]]));
    const settings = validPool({ ...given, ...kept, Id: pool.id });
    await call.s.store.pools.putPool({ id: pool.id, settings });
    return {};
  },
});

export const deleteUserPool = defineAction({
  name: 'DeleteUserPool', summary: 'Removes a pool and everything in it: clients, providers, users, groups, devices, keys, tokens.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    if (pool.settings.DeletionProtection === 'ACTIVE')
      throw apiException('InvalidParameterException', 'The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.');
    await call.s.store.pools.deletePool(pool.id);
    call.s.log.info({ poolId: pool.id }, 'user pool deleted');
    return {};
  },
});

const MaxResults = (max: number) => Limit(max).min(1, 'Member must have value greater than or equal to 1');
/** Page tokens: the last id of the page before, base64url (opaque to callers). */

export const listUserPools = defineAction({
  name: 'ListUserPools', summary: 'The pools, by Id, a page at a time.', state: 'supported', access: 'sigv4',
  errors: ['InvalidParameterException'],
  input: z.object({ MaxResults: MaxResults(60).refine((n) => n !== undefined, 'Member must not be null'), NextToken: NextToken.optional() }),
  async handle(call, i) {
    const page = pageOf(await call.s.store.pools.listPools(), (p) => p.id, i.MaxResults, i.NextToken);
    return {
      UserPools: page.items.map((p) => ({ Id: p.id, Name: p.settings.PoolName, LambdaConfig: p.settings.LambdaConfig ?? {}, CreationDate: seconds(p.createdAt), LastModifiedDate: seconds(p.updatedAt) })),
      ...(page.next ? { NextToken: page.next } : {}),
    };
  },
});

/** The pool's SAML signing certificate (base64 DER, as Cognito), created on first need. */
export const getSigningCertificate = defineAction({
  name: 'GetSigningCertificate', summary: 'The certificate the pool signs its SAML requests with.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const sp = await call.s.spKeys.config(pool, issuerOf(call.s, pool.id));
    return { Certificate: sp.signing.certificate.replace(/-----[A-Z ]+-----|\s/g, '') };
  },
});

const mfaFields = { SoftwareTokenMfaConfiguration: poolFields.SoftwareTokenMfaConfiguration, SmsMfaConfiguration: poolFields.SmsMfaConfiguration,
  EmailMfaConfiguration: poolFields.EmailMfaConfiguration, WebAuthnConfiguration: poolFields.WebAuthnConfiguration };
const mfaConfig = (p: PoolSettings) => ({
  MfaConfiguration: p.MfaConfiguration, SoftwareTokenMfaConfiguration: p.SoftwareTokenMfaConfiguration ?? { Enabled: false },
  ...(p.SmsMfaConfiguration ? { SmsMfaConfiguration: p.SmsMfaConfiguration } : {}), ...(p.EmailMfaConfiguration ? { EmailMfaConfiguration: p.EmailMfaConfiguration } : {}),
  ...(p.WebAuthnConfiguration ? { WebAuthnConfiguration: p.WebAuthnConfiguration } : {}),
});

export const getUserPoolMfaConfig = defineAction({
  name: 'GetUserPoolMfaConfig', summary: 'The pool\'s MFA settings.', state: 'supported', access: 'sigv4',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId }),
  async handle(call, i) {
    return mfaConfig((await poolFor(call.s, i.UserPoolId)).settings);
  },
});

export const setUserPoolMfaConfig = defineAction({
  name: 'SetUserPoolMfaConfig', summary: 'Sets the pool\'s MFA settings (members not given are left as they are).', state: 'partial', access: 'sigv4',
  notes: 'ON or OPTIONAL needs at least one factor. WebAuthnConfiguration sets the passkeys’ relying party id and user verification.',
  errors: ['ResourceNotFoundException', 'InvalidParameterException'],
  input: z.object({ UserPoolId, MfaConfiguration: poolFields.MfaConfiguration.unwrap().optional(), ...mfaFields }),
  async handle(call, i) {
    const pool = await poolFor(call.s, i.UserPoolId);
    const { UserPoolId: _p, ...given } = i;
    const settings = validPool({ ...pool.settings, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) });
    const saved = await call.s.store.pools.putPool({ id: pool.id, settings });
    return mfaConfig(saved.settings);
  },
});

export const ADMIN_POOL_ACTIONS: readonly ApiAction[] = [
  createUserPool, describeUserPool, updateUserPool, deleteUserPool, listUserPools, getSigningCertificate, getUserPoolMfaConfig, setUserPoolMfaConfig,
] as ApiAction[];
