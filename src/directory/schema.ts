// Pools, app clients and identity providers in the shape of Cognito's API inputs, validated with zod.
// One model serves the config file (settings.ts), the store and, later, the management API.
import { z } from 'zod';
import { isAllowedRedirectUrl, isAllowedEndpointUrl } from '../shared/urls.js';

export const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;
import { PROVIDER_TYPES, SOCIAL_TYPES, type ProviderType } from '../shared/provider-types.js';

export { PROVIDER_TYPES, SOCIAL_TYPES, type ProviderType };

const attributeName = z.string().regex(/^[\w:.-]{1,32}$/, 'must be 1–32 letters, digits or _ : . -');

const callbackUrl = z
  .string()
  .refine(isAllowedRedirectUrl, 'must be https or a loopback URL (or an app scheme), with no fragment');
const logoutUrl = callbackUrl;

const schemaAttribute = z.strictObject({
  Name: z.string().regex(/^[\w-]{1,20}$/, 'must be 1–20 letters, digits, _ or -'),
  AttributeDataType: z.enum(['String', 'Number', 'DateTime', 'Boolean']).default('String'),
  Mutable: z.boolean().default(true),
  Required: z.boolean().default(false),
  DeveloperOnlyAttribute: z.boolean().default(false),
  StringAttributeConstraints: z
    .strictObject({
      MinLength: z.coerce.number().int().min(0).max(2048).optional(),
      MaxLength: z.coerce.number().int().min(1).max(2048).optional(),
    })
    .optional(),
  NumberAttributeConstraints: z
    .strictObject({ MinValue: z.coerce.number().optional(), MaxValue: z.coerce.number().optional() })
    .optional(),
});

const STANDARD_ATTRIBUTES = [
  'address', 'birthdate', 'email', 'family_name', 'gender', 'given_name', 'locale', 'middle_name', 'name',
  'nickname', 'phone_number', 'picture', 'preferred_username', 'profile', 'updated_at', 'website', 'zoneinfo',
] as const;
export const STANDARD_ATTRIBUTE_SET: ReadonlySet<string> = new Set(STANDARD_ATTRIBUTES);

export const passwordPolicySchema = z.strictObject({
  MinimumLength: z.number().int().min(6).max(99).default(8),
  RequireUppercase: z.boolean().default(false),
  RequireLowercase: z.boolean().default(false),
  RequireNumbers: z.boolean().default(false),
  RequireSymbols: z.boolean().default(false),
  PasswordHistorySize: z.number().int().min(0).max(24).default(0),
  TemporaryPasswordValidityDays: z.number().int().min(0).max(365).default(7),
});

const timeUnit = z.enum(['seconds', 'minutes', 'hours', 'days']);
const UNIT_SECONDS = { seconds: 1, minutes: 60, hours: 3600, days: 86400 } as const;

/** An app client's members, as Cognito's CreateUserPoolClient takes them (the API builds its input from these). */
export const clientFields = {
    ClientId: z.string().regex(/^[\w+]{1,128}$/, 'must be 1–128 letters, digits, _ or +'),
    ClientName: z.string().min(1).max(128).optional(),
    ClientSecret: z.string().min(1).max(256).optional(),
    CallbackURLs: z.array(callbackUrl).max(100).default([]),
    LogoutURLs: z.array(logoutUrl).max(100).default([]),
    DefaultRedirectURI: callbackUrl.optional(),
    /** Default: the code flow when CallbackURLs are declared; none otherwise (an API-only client, as in Cognito). */
    AllowedOAuthFlows: z.array(z.enum(['code', 'implicit', 'client_credentials'])).optional(),
    AllowedOAuthScopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/, 'is not a valid scope')).max(50).default(['openid', 'email', 'phone', 'profile']),
    /** Default: true when the client has OAuth flows. */
    AllowedOAuthFlowsUserPoolClient: z.boolean().optional(),
    SupportedIdentityProviders: z.array(z.string().min(1).max(32)).default(['COGNITO']),
    ExplicitAuthFlows: z
      .array(
        z.enum([
          'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH',
          'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH',
        ]),
      )
      .default(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_CUSTOM_AUTH']),
    ReadAttributes: z.array(attributeName).optional(),
    WriteAttributes: z.array(attributeName).optional(),
    AccessTokenValidity: z.number().int().positive().optional(),
    IdTokenValidity: z.number().int().positive().optional(),
    RefreshTokenValidity: z.number().int().min(0).optional(),
    TokenValidityUnits: z
      .strictObject({
        AccessToken: timeUnit.default('hours'),
        IdToken: timeUnit.default('hours'),
        RefreshToken: timeUnit.default('days'),
      })
      .default({ AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'days' }),
    PreventUserExistenceErrors: z.enum(['ENABLED', 'LEGACY']).default('ENABLED'),
    EnableTokenRevocation: z.boolean().default(true),
    AuthSessionValidity: z.number().int().min(3).max(15).default(3),
    RefreshTokenRotation: z
      .strictObject({
        Feature: z.enum(['ENABLED', 'DISABLED']).default('DISABLED'),
        RetryGracePeriodSeconds: z.number().int().min(0).max(60).default(0),
      })
      .default({ Feature: 'DISABLED', RetryGracePeriodSeconds: 0 }),
};

export const clientSchema = z
  .strictObject(clientFields)
  .transform(({ AllowedOAuthFlows, AllowedOAuthFlowsUserPoolClient, ...c }) => {
    const flows = AllowedOAuthFlows ?? (c.CallbackURLs.length ? ['code' as const] : []);
    return { ...c, AllowedOAuthFlows: flows, AllowedOAuthFlowsUserPoolClient: AllowedOAuthFlowsUserPoolClient ?? flows.length > 0 };
  })
  .superRefine((c, ctx) => {
    const units = c.TokenValidityUnits;
    const check = (field: 'AccessTokenValidity' | 'IdTokenValidity' | 'RefreshTokenValidity', unit: keyof typeof UNIT_SECONDS, min: number, max: number, label: string) => {
      const v = c[field];
      if (v === undefined || (field === 'RefreshTokenValidity' && v === 0)) return;
      const s = v * UNIT_SECONDS[unit];
      if (s < min || s > max) ctx.addIssue({ code: 'custom', path: [field], message: `must be between ${label}` });
    };
    check('AccessTokenValidity', units.AccessToken, 300, 86400, '5 minutes and 1 day');
    check('IdTokenValidity', units.IdToken, 300, 86400, '5 minutes and 1 day');
    check('RefreshTokenValidity', units.RefreshToken, 3600, 3650 * 86400, '1 hour and 10 years');
    if (c.AllowedOAuthFlows.includes('client_credentials') && c.AllowedOAuthFlows.length > 1)
      ctx.addIssue({ code: 'custom', path: ['AllowedOAuthFlows'], message: 'client_credentials cannot be combined with code or implicit' });
    if (c.AllowedOAuthFlows.includes('client_credentials') && !c.ClientSecret)
      ctx.addIssue({ code: 'custom', path: ['AllowedOAuthFlows'], message: 'client_credentials needs a ClientSecret' });
    if (c.AllowedOAuthFlows.some((f) => f !== 'client_credentials') && c.AllowedOAuthFlowsUserPoolClient && c.CallbackURLs.length === 0)
      ctx.addIssue({ code: 'custom', path: ['CallbackURLs'], message: 'at least one callback URL is needed for the code and implicit flows' });
    if (c.DefaultRedirectURI && !c.CallbackURLs.includes(c.DefaultRedirectURI))
      ctx.addIssue({ code: 'custom', path: ['DefaultRedirectURI'], message: 'must be one of the CallbackURLs' });
  });
export type ClientSettings = z.output<typeof clientSchema>;

/** Lifetimes in seconds, with Cognito's defaults (1 h ID and access, 30 days refresh). */
export function tokenLifetimes(c: Pick<ClientSettings, 'AccessTokenValidity' | 'IdTokenValidity' | 'RefreshTokenValidity' | 'TokenValidityUnits'>) {
  const u = c.TokenValidityUnits;
  return {
    access: c.AccessTokenValidity ? c.AccessTokenValidity * UNIT_SECONDS[u.AccessToken] : 3600,
    id: c.IdTokenValidity ? c.IdTokenValidity * UNIT_SECONDS[u.IdToken] : 3600,
    refresh: c.RefreshTokenValidity ? c.RefreshTokenValidity * UNIT_SECONDS[u.RefreshToken] : 30 * 86400,
  };
}

// Cognito takes every ProviderDetails value as a string; YAML users write `IDPSignout: true`.
const detailValue = z.union([z.string(), z.boolean(), z.number()]).transform(String);

/** ProviderDetails keys that hold endpoints: https, or http on a loopback host. */
const ENDPOINT_KEYS = ['authorize_url', 'token_url', 'attributes_url', 'oidc_issuer', 'jwks_uri', 'MetadataURL'];
/** ProviderDetails keys that hold secrets: sealed at rest, never returned. */
export const SECRET_DETAIL_KEYS = ['client_secret', 'private_key'] as const;

export const providerSchema = z
  .strictObject({
    ProviderName: z.string().regex(/^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]*$/u, 'must be 2–32 characters, not starting with _').max(32),
    ProviderType: z.enum(PROVIDER_TYPES),
    ProviderDetails: z.record(z.string(), detailValue).default({}),
    AttributeMapping: z.record(attributeName, z.string().min(1).max(256)).default({}),
    IdpIdentifiers: z.array(z.string().regex(/^[\w\s+=.@-]{1,40}$/, 'must be 1–40 characters of letters, digits, spaces or + = . @ -')).max(50).default([]),
  })
  .superRefine((p, ctx) => {
    if ((SOCIAL_TYPES as readonly string[]).includes(p.ProviderType) && p.ProviderName !== p.ProviderType)
      ctx.addIssue({ code: 'custom', path: ['ProviderName'], message: `a ${p.ProviderType} provider must be named ${p.ProviderType}` });
    if (p.ProviderName === 'COGNITO' || p.ProviderName === 'Cognito')
      ctx.addIssue({ code: 'custom', path: ['ProviderName'], message: 'is reserved' });
    const d = p.ProviderDetails;
    const need = (...keys: string[]) => {
      for (const k of keys) if (!d[k]) ctx.addIssue({ code: 'custom', path: ['ProviderDetails', k], message: `is required for ${p.ProviderType}` });
    };
    switch (p.ProviderType) {
      case 'Google':
      case 'Facebook':
      case 'LoginWithAmazon':
        need('client_id', 'client_secret');
        break;
      case 'SignInWithApple':
        need('client_id', 'team_id', 'key_id', 'private_key');
        break;
      case 'OIDC':
        need('client_id', 'oidc_issuer');
        if (d.attributes_request_method && !['GET', 'POST'].includes(d.attributes_request_method))
          ctx.addIssue({ code: 'custom', path: ['ProviderDetails', 'attributes_request_method'], message: 'must be GET or POST' });
        break;
      case 'SAML':
        if (!d.MetadataURL === !d.MetadataFile)
          ctx.addIssue({ code: 'custom', path: ['ProviderDetails'], message: 'needs exactly one of MetadataURL or MetadataFile' });
        for (const flag of ['IDPSignout', 'IDPInit', 'EncryptedResponses', 'AllowSha1'])
          if (d[flag] !== undefined && d[flag] !== 'true' && d[flag] !== 'false')
            ctx.addIssue({ code: 'custom', path: ['ProviderDetails', flag], message: 'must be "true" or "false"' });
        if (d.RequestSigningAlgorithm !== undefined && d.RequestSigningAlgorithm !== 'rsa-sha256')
          ctx.addIssue({ code: 'custom', path: ['ProviderDetails', 'RequestSigningAlgorithm'], message: 'must be rsa-sha256' });
        break;
    }
    for (const k of ENDPOINT_KEYS) {
      const v = d[k];
      if (v !== undefined && !isAllowedEndpointUrl(v))
        ctx.addIssue({ code: 'custom', path: ['ProviderDetails', k], message: 'must be https (http only on a loopback host)' });
    }
  });
export type ProviderSettings = z.output<typeof providerSchema>;

export const DEFAULT_RATE_LIMITS = { SignUpsAndCodesPerSourceAddress: 30, SignUpsAndCodesPerPool: 2_000, WindowSeconds: 600 };

/** A resource server (CreateResourceServer): custom scopes `<Identifier>/<ScopeName>` for clients to be allowed. */
export const resourceServerSchema = z.strictObject({
  Identifier: z.string().min(1).max(256).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be 1–256 printable characters, no space, quote or backslash'),
  Name: z.string().min(1).max(256).regex(/^[\w\s+=,.@-]+$/, 'must be letters, digits, spaces or + = , . @ -'),
  Scopes: z
    .array(z.strictObject({
      ScopeName: z.string().min(1).max(256).regex(/^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/, 'must be printable characters, no space, quote, slash or backslash'),
      ScopeDescription: z.string().min(1).max(256),
    }))
    .max(100)
    .default([]),
});
export type ResourceServer = z.output<typeof resourceServerSchema>;

/** A pool's resource servers (none in a pool stored before they were kept). */
export const resourceServersOf = (p: { ResourceServers?: ResourceServer[] }): ResourceServer[] => p.ResourceServers ?? [];

/** The custom scopes a pool's resource servers define. */
export const customScopesOf = (p: { ResourceServers?: ResourceServer[] }): Set<string> =>
  new Set(resourceServersOf(p).flatMap((r) => r.Scopes.map((sc) => `${r.Identifier}/${sc.ScopeName}`)));

/** A pool's members, as Cognito's CreateUserPool takes them plus the broker's own (the API builds its input from these). */
const triggerTarget = z.string().max(2048).refine(
  (v) => /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/.test(v) || /^https:\/\/\S+$/.test(v) || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/\S*$/.test(v) || /^file:\S+$/.test(v),
  'must be an AWS Lambda ARN, an https:// URL (http only on loopback) or file:<path>',
);

/** A live Cognito pool users migrate from: cognito://<region>/<poolId>?clientId=<its app client>[&endpoint=<URL>]. */
const migrationSource = z.string().max(2048).regex(/^cognito:\/\/[a-z0-9-]+\/[\w-]+_[0-9a-zA-Z]+\?(.*&)?clientId=[\w]+/, 'must be cognito://<region>/<poolId>?clientId=<client id>');

export const poolFields = {
  Id: z.string().max(55).regex(POOL_ID, 'must look like <region>_<letters and digits>, e.g. local_Ab12Cd34'),
  PoolName: z.string().min(1).max(128),
  UsernameAttributes: z.array(z.enum(['email', 'phone_number'])).optional(),
  AliasAttributes: z.array(z.enum(['email', 'phone_number', 'preferred_username'])).optional(),
  UsernameConfiguration: z.strictObject({ CaseSensitive: z.boolean().default(false) }).default({ CaseSensitive: false }),
  AutoVerifiedAttributes: z.array(z.enum(['email', 'phone_number'])).default([]),
  /**
   * Cognito's UserAttributeUpdateSettings: a new value of a listed attribute applies only once its code
   * is verified (until then the old value, and its verified flag, stay). Each must be auto-verified.
   */
  UserAttributeUpdateSettings: z
    .strictObject({ AttributesRequireVerificationBeforeUpdate: z.array(z.enum(['email', 'phone_number'])).max(2).default([]) })
    .optional(),
  Policies: z
    .strictObject({
      PasswordPolicy: passwordPolicySchema.default(passwordPolicySchema.parse({})),
      /**
       * Choice-based sign-in (InitiateAuth USER_AUTH): the first factors offered. PASSWORD (served as
       * PASSWORD and PASSWORD_SRP) is always among them, as in Cognito; EMAIL_OTP and SMS_OTP sign in
       * with a code and no password, and need MFA OFF or OPTIONAL.
       */
      SignInPolicy: z
        .strictObject({
          AllowedFirstAuthFactors: z.array(z.enum(['PASSWORD', 'EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN'])).min(1).max(4)
            .refine((f) => f.includes('PASSWORD'), 'must include PASSWORD').default(['PASSWORD']),
        })
        .default({ AllowedFirstAuthFactors: ['PASSWORD'] }),
    })
    .default({ PasswordPolicy: passwordPolicySchema.parse({}), SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD'] } }),
  Schema: z.array(schemaAttribute).max(50 + STANDARD_ATTRIBUTES.length).default([]),
  AdminCreateUserConfig: z
    .strictObject({
      AllowAdminCreateUserOnly: z.boolean().default(false),
      /** The invitation AdminCreateUser sends: `{username}` and `{####}` (the temporary password) filled in. */
      InviteMessageTemplate: z
        .strictObject({
          EmailSubject: z.string().min(1).max(140).default('Your temporary password'),
          EmailMessage: z.string().min(6).max(20000).refine((v) => v.includes('{####}') && v.includes('{username}'), 'must contain {username} and {####}')
            .default('Your username is {username} and temporary password is {####}.'),
          SMSMessage: z.string().min(6).max(140).refine((v) => v.includes('{####}') && v.includes('{username}'), 'must contain {username} and {####}')
            .default('Your username is {username} and temporary password is {####}.'),
        })
        .default({ EmailSubject: 'Your temporary password', EmailMessage: 'Your username is {username} and temporary password is {####}.', SMSMessage: 'Your username is {username} and temporary password is {####}.' }),
    })
    .default({ AllowAdminCreateUserOnly: false, InviteMessageTemplate: { EmailSubject: 'Your temporary password', EmailMessage: 'Your username is {username} and temporary password is {####}.', SMSMessage: 'Your username is {username} and temporary password is {####}.' } }),
  /** Device tracking (Cognito's DeviceConfiguration): absent, the pool tracks no devices. */
  DeviceConfiguration: z
    .strictObject({ ChallengeRequiredOnNewDevice: z.boolean().default(false), DeviceOnlyRememberedOnUserPrompt: z.boolean().default(false) })
    .optional(),
  AccountRecoverySetting: z
    .strictObject({
      RecoveryMechanisms: z.array(z.strictObject({ Priority: z.number().int().min(1).max(2), Name: z.enum(['verified_email', 'verified_phone_number', 'admin_only']) })).min(1).max(2),
    })
    .optional(),
  /** Messages carrying codes; `{####}` stands for the code and `{username}` for the username. */
  VerificationMessageTemplate: z
    .strictObject({
      EmailSubject: z.string().min(1).max(140).default('Your verification code'),
      EmailMessage: z.string().min(6).max(20000).refine((v) => v.includes('{####}'), 'must contain {####}').default('Your verification code is {####}.'),
      SmsMessage: z.string().min(6).max(140).refine((v) => v.includes('{####}'), 'must contain {####}').default('Your verification code is {####}.'),
      /** Only CONFIRM_WITH_CODE is honoured (no confirmation links yet). */
      DefaultEmailOption: z.enum(['CONFIRM_WITH_LINK', 'CONFIRM_WITH_CODE']).optional(),
    })
    .default({ EmailSubject: 'Your verification code', EmailMessage: 'Your verification code is {####}.', SmsMessage: 'Your verification code is {####}.' }),
  EmailConfiguration: z
    .strictObject({
      From: z.string().min(3).max(256).optional(), ReplyToEmailAddress: z.string().email().optional(),
      // Accepted for Cognito's sake (SES sending is not how the broker delivers): kept and returned.
      EmailSendingAccount: z.enum(['COGNITO_DEFAULT', 'DEVELOPER']).optional(), SourceArn: z.string().min(20).max(2048).optional(),
      ConfigurationSet: z.string().min(1).max(64).optional(),
    })
    .default({}),
  /** Rotate the token signing keys once they are this many days old (checked hourly); unset: rotate only on request. */
  TokenSigningKeyMaxAgeDays: z.number().int().min(1).max(3650).optional(),
  /** SAML entity id; defaults to the pool's issuer. `urn:amazon:cognito:sp:<poolId>` keeps Cognito-era IdPs working. */
  SpEntityId: z.string().min(1).max(1024).optional(),
  /** Link a federated identity to an existing user by email, only when both sides have it verified. Off by default. */
  LinkByVerifiedEmail: z.boolean().default(false),
  DeletionProtection: z.enum(['ACTIVE', 'INACTIVE']).default('INACTIVE'),
  /**
   * Cognito's MFA: OFF, OPTIONAL (users who set a factor up are asked for it) or ON (everyone; users
   * without a factor enrol one at sign-in). The factors offered: an authenticator app when
   * SoftwareTokenMfaConfiguration.Enabled, SMS codes when SmsMfaConfiguration is set, e-mail codes when
   * EmailMfaConfiguration is. Enforced at every door for native sign-ins (federated users are their provider's to check).
   */
  MfaConfiguration: z.enum(['OFF', 'ON', 'OPTIONAL']).default('OFF'),
  SoftwareTokenMfaConfiguration: z.strictObject({ Enabled: z.boolean().default(false) }).optional(),
  SmsMfaConfiguration: z
    .strictObject({ SmsAuthenticationMessage: z.string().min(6).max(140).refine((v) => v.includes('{####}'), 'must contain {####}').optional() })
    .optional(),
  EmailMfaConfiguration: z.strictObject({ Message: z.string().min(6).max(20000).optional(), Subject: z.string().min(1).max(140).optional() }).optional(),
  /**
   * Cognito's Lambda triggers, each an AWS Lambda ARN, an https:// endpoint (http only on loopback), or
   * file:<path> of a local module exporting handler(event); UserMigration may also name a live Cognito
   * pool to migrate from (cognito://<region>/<poolId>?clientId=…). The versioned ones take
   * {LambdaVersion, LambdaArn} as in Cognito; CustomSenderPublicKey is the broker's own (the public
   * key the custom senders' codes are encrypted to).
   */
  LambdaConfig: z
    .strictObject({
      PreSignUp: triggerTarget.optional(),
      PostConfirmation: triggerTarget.optional(),
      PreAuthentication: triggerTarget.optional(),
      PostAuthentication: triggerTarget.optional(),
      PreTokenGeneration: triggerTarget.optional(),
      PreTokenGenerationConfig: z.strictObject({ LambdaVersion: z.enum(['V1_0', 'V2_0', 'V3_0']), LambdaArn: triggerTarget }).optional(),
      CustomMessage: triggerTarget.optional(),
      UserMigration: z.union([triggerTarget, migrationSource]).optional(),
      DefineAuthChallenge: triggerTarget.optional(),
      CreateAuthChallenge: triggerTarget.optional(),
      VerifyAuthChallengeResponse: triggerTarget.optional(),
      CustomSMSSender: z.strictObject({ LambdaVersion: z.literal('V1_0'), LambdaArn: triggerTarget }).optional(),
      CustomEmailSender: z.strictObject({ LambdaVersion: z.literal('V1_0'), LambdaArn: triggerTarget }).optional(),
      KMSKeyID: z.string().max(2048).optional(),
      CustomSenderPublicKey: z.string().max(8192).optional(),
      InboundFederation: z.strictObject({ LambdaVersion: z.literal('V1_0'), LambdaArn: triggerTarget }).optional(),
    })
    .superRefine((c, ctx) => {
      if ((c.CustomSMSSender || c.CustomEmailSender) && !c.CustomSenderPublicKey)
        ctx.addIssue({ code: 'custom', path: ['CustomSenderPublicKey'], message: 'is required with a custom sender: the public key (PEM or JWK) its codes are encrypted to' });
      if (c.DefineAuthChallenge || c.CreateAuthChallenge || c.VerifyAuthChallengeResponse)
        for (const name of ['DefineAuthChallenge', 'CreateAuthChallenge', 'VerifyAuthChallengeResponse'] as const)
          if (!c[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required: custom authentication takes all three triggers' });
    })
    .optional(),
  /** Passkeys: the relying party id (default: the host of PUBLIC_URL) and whether the authenticator must verify the user. */
  WebAuthnConfiguration: z
    .strictObject({
      RelyingPartyId: z.string().min(1).max(127).regex(/^[a-z0-9.-]+$/, 'must be a host name').optional(),
      UserVerification: z.enum(['required', 'preferred']).default('preferred'),
      /**
       * Where the pool requires MFA: SINGLE_FACTOR, a passkey sign-in is followed by the pool's MFA as a
       * password is; MULTI_FACTOR_WITH_USER_VERIFICATION, a passkey that verified its user (PIN,
       * biometrics) is both factors.
       */
      FactorConfiguration: z.enum(['SINGLE_FACTOR', 'MULTI_FACTOR_WITH_USER_VERIFICATION']).default('SINGLE_FACTOR'),
    })
    .optional(),
  /** Resource servers and their custom scopes (Cognito keeps them beside the pool: Create/UpdateResourceServer). */
  ResourceServers: z.array(resourceServerSchema).max(25).default([]),
  /**
   * The broker's own flood limits (Cognito has no such setting): sign-ups and messages with codes
   * (confirmation, resend, password reset) per source address and per pool in a fixed window.
   */
  RateLimits: z
    .strictObject({
      SignUpsAndCodesPerSourceAddress: z.number().int().min(1).max(1_000_000).default(DEFAULT_RATE_LIMITS.SignUpsAndCodesPerSourceAddress),
      SignUpsAndCodesPerPool: z.number().int().min(1).max(100_000_000).default(DEFAULT_RATE_LIMITS.SignUpsAndCodesPerPool),
      WindowSeconds: z.number().int().min(1).max(86_400).default(DEFAULT_RATE_LIMITS.WindowSeconds),
    })
    .default(DEFAULT_RATE_LIMITS),
};

type PoolShape = Omit<z.output<z.ZodObject<typeof poolFields>>, 'ResourceServers'> & { ResourceServers?: z.output<typeof resourceServerSchema>[] };

export function checkPool(p: PoolShape, ctx: z.RefinementCtx): void {
  if (p.UsernameAttributes?.length && p.AliasAttributes?.length)
    ctx.addIssue({ code: 'custom', path: ['AliasAttributes'], message: 'cannot be used together with UsernameAttributes' });
  // As Cognito: a value held back until verified must be sent its code, so the pool must auto-verify it.
  p.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate.forEach((a, i) => {
    if (!p.AutoVerifiedAttributes.includes(a))
      ctx.addIssue({ code: 'custom', path: ['UserAttributeUpdateSettings', 'AttributesRequireVerificationBeforeUpdate', i], message: `${a} must also be in AutoVerifiedAttributes` });
  });
  const seen = new Set<string>();
  p.Schema.forEach((a, i) => {
    if (seen.has(a.Name)) ctx.addIssue({ code: 'custom', path: ['Schema', i, 'Name'], message: `${a.Name} is declared twice` });
    seen.add(a.Name);
    if (!STANDARD_ATTRIBUTE_SET.has(a.Name) && a.Required)
      ctx.addIssue({ code: 'custom', path: ['Schema', i, 'Required'], message: 'custom attributes cannot be required' });
  });
  if (p.Schema.filter((a) => !STANDARD_ATTRIBUTE_SET.has(a.Name)).length > 50)
    ctx.addIssue({ code: 'custom', path: ['Schema'], message: 'at most 50 custom attributes' });
  // As Cognito: MFA on (or optional) needs a factor to ask for.
  if (p.MfaConfiguration !== undefined && p.MfaConfiguration !== 'OFF' && !p.SoftwareTokenMfaConfiguration?.Enabled && !p.SmsMfaConfiguration && !p.EmailMfaConfiguration)
    ctx.addIssue({ code: 'custom', path: ['MfaConfiguration'], message: 'needs SoftwareTokenMfaConfiguration.Enabled, SmsMfaConfiguration or EmailMfaConfiguration' });
  // As Cognito: a code alone is no sign-in where a second factor is required.
  if (p.MfaConfiguration === 'ON' && p.Policies?.SignInPolicy?.AllowedFirstAuthFactors.some((f) => f === 'EMAIL_OTP' || f === 'SMS_OTP'))
    ctx.addIssue({ code: 'custom', path: ['Policies', 'SignInPolicy', 'AllowedFirstAuthFactors'], message: 'EMAIL_OTP and SMS_OTP need MfaConfiguration OFF or OPTIONAL' });
  const servers = new Set<string>();
  (p.ResourceServers ?? []).forEach((r, i) => {
    if (servers.has(r.Identifier)) ctx.addIssue({ code: 'custom', path: ['ResourceServers', i, 'Identifier'], message: `${r.Identifier} is declared twice` });
    servers.add(r.Identifier);
  });
}

export const poolSchema = z.strictObject(poolFields).superRefine(checkPool);
export type PoolSettings = z.output<typeof poolSchema>;

/** A pool as the config file declares it: settings plus its clients and providers. */
export const declaredPoolSchema = z
  .strictObject({
    ...poolFields,
    Clients: z.array(clientSchema).default([]),
    IdentityProviders: z.array(providerSchema).default([]),
  })
  .superRefine((p, ctx) => {
    checkPool(p, ctx);
    const providerNames = new Set<string>();
    p.IdentityProviders.forEach((idp, i) => {
      if (providerNames.has(idp.ProviderName))
        ctx.addIssue({ code: 'custom', path: ['IdentityProviders', i, 'ProviderName'], message: `${idp.ProviderName} is declared twice` });
      providerNames.add(idp.ProviderName);
    });
    const identifiers = new Map<string, string>();
    p.IdentityProviders.forEach((idp, i) =>
      idp.IdpIdentifiers.forEach((id, j) => {
        const key = id.toLowerCase();
        const other = identifiers.get(key);
        if (other) ctx.addIssue({ code: 'custom', path: ['IdentityProviders', i, 'IdpIdentifiers', j], message: `${id} is already an identifier of ${other}` });
        identifiers.set(key, idp.ProviderName);
      }),
    );
    const clientIds = new Set<string>();
    p.Clients.forEach((c, i) => {
      if (clientIds.has(c.ClientId)) ctx.addIssue({ code: 'custom', path: ['Clients', i, 'ClientId'], message: `${c.ClientId} is declared twice` });
      clientIds.add(c.ClientId);
      const scopes = customScopesOf(p);
      c.AllowedOAuthScopes.forEach((sc, j) => {
        if (sc.includes('/') && !scopes.has(sc))
          ctx.addIssue({ code: 'custom', path: ['Clients', i, 'AllowedOAuthScopes', j], message: `${sc} is not a scope of a resource server of this pool` });
      });
      c.SupportedIdentityProviders.forEach((name, j) => {
        if (name !== 'COGNITO' && !providerNames.has(name))
          ctx.addIssue({ code: 'custom', path: ['Clients', i, 'SupportedIdentityProviders', j], message: `${name} is not a provider of this pool` });
      });
      // As Cognito: a client taking IdP-initiated SAML may offer nothing but SAML providers.
      const supported = p.IdentityProviders.filter((idp) => c.SupportedIdentityProviders.includes(idp.ProviderName));
      if (supported.some((idp) => idp.ProviderType === 'SAML' && idp.ProviderDetails.IDPInit === 'true')
        && (c.SupportedIdentityProviders.includes('COGNITO') || supported.some((idp) => idp.ProviderType !== 'SAML')))
        ctx.addIssue({ code: 'custom', path: ['Clients', i, 'SupportedIdentityProviders'], message: 'a client with an IdP-initiated SAML provider can only support SAML providers' });
    });
  })
  .transform(({ Clients, IdentityProviders, ...settings }) => ({ settings: settings as PoolSettings, clients: Clients, providers: IdentityProviders }));
export type DeclaredPool = z.output<typeof declaredPoolSchema>;
