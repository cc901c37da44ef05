// Cognito's pre token generation trigger: the pool's handler sees the user and the groups about to go
// into the tokens and may add, override or suppress claims (V1_0: the ID token's; V2_0 and V3_0: both
// tokens', and the access token's scopes), and override the groups and roles. V3_0 also runs for
// client-credentials tokens. Protocol claims (who, for whom, when, which key) stay the broker's: an
// edit of one is ignored, as Cognito ignores it.
import { BrokerError } from '../shared/errors.js';
import type { Pool } from '../directory/types.js';
import { triggerSpec, triggerUserAttributes, type Triggers } from '../triggers/index.js';
import type { ClaimEdits, TokenOverrides, TokenSubject } from './claims.js';

/** Why the tokens are being made, as the trigger's `triggerSource` names it. */
export type TokenSource =
  | 'TokenGeneration_HostedAuth' | 'TokenGeneration_Authentication' | 'TokenGeneration_NewPasswordChallenge'
  | 'TokenGeneration_AuthenticateDevice' | 'TokenGeneration_RefreshTokens' | 'TokenGeneration_ClientCredentials';

/** Claims no handler may add, override or suppress, in either token. */
const PROTECTED: ReadonlySet<string> = new Set([
  'acr', 'amr', 'at_hash', 'aud', 'auth_time', 'azp', 'client_id', 'exp', 'iat', 'identities', 'iss', 'jti', 'nbf', 'nonce',
  'origin_jti', 'scope', 'sub', 'token_use', 'username', 'version', 'cognito:username',
]);
/** Groups and roles change only through groupOverrideDetails. */
const isProtected = (claim: string) => PROTECTED.has(claim) || claim.startsWith('cognito:');
/** The user self-service scope is the JSON API's to grant, never a handler's. */
const UNGRANTABLE_SCOPE = 'aws.cognito.signin.user.admin';

/** RFC 6749's scope-token. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

const invalid = (why: string) => new BrokerError('InvalidLambdaResponseException', `Invalid lambda response: ${why}.`);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function record(v: unknown, where: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw invalid(`${where} must be an object`);
  return v;
}

function strings(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${where} must be a list of strings`);
  return v as string[];
}

/** One token's edits: V1_0 takes string, number and boolean values, V2_0 and V3_0 any JSON value. */
function claimEdits(v: unknown, where: string, version: string): ClaimEdits {
  const r = record(v, where);
  const add: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record(r.claimsToAddOrOverride, `${where}.claimsToAddOrOverride`))) {
    if (value === null || value === undefined) continue;
    if (version === '1' && !['string', 'number', 'boolean'].includes(typeof value)) throw invalid(`${where}.claimsToAddOrOverride.${name} must be a string, a number or a boolean`);
    if (!isProtected(name)) add[name] = value;
  }
  const suppress = (strings(r.claimsToSuppress, `${where}.claimsToSuppress`) ?? []).filter((n) => !isProtected(n));
  return { add, suppress };
}

/** The access token's scopes after scopesToSuppress and scopesToAdd; undefined when the handler changes none. */
function scopeEdits(access: Record<string, unknown>, scopes: string[]): string[] | undefined {
  const toAdd = strings(access.scopesToAdd, 'accessTokenGeneration.scopesToAdd') ?? [];
  const toSuppress = strings(access.scopesToSuppress, 'accessTokenGeneration.scopesToSuppress') ?? [];
  if (!toAdd.length && !toSuppress.length) return undefined;
  if (toAdd.some((sc) => !SCOPE.test(sc))) throw invalid('accessTokenGeneration.scopesToAdd holds a malformed scope');
  return [...new Set([...scopes.filter((sc) => !toSuppress.includes(sc)), ...toAdd.filter((sc) => sc !== UNGRANTABLE_SCOPE)])];
}

/** The groups the tokens will carry, as the trigger's request and response name them. */
function groupConfiguration(s: Pick<TokenSubject, 'groups' | 'roles' | 'preferredRole'>) {
  return { groupsToOverride: [...s.groups], iamRolesToOverride: [...(s.roles ?? [])], preferredRole: s.preferredRole ?? null };
}

function groupOverride(v: unknown): Partial<Pick<TokenSubject, 'groups' | 'roles' | 'preferredRole'>> {
  const r = record(v, 'groupOverrideDetails');
  const groups = strings(r.groupsToOverride, 'groupOverrideDetails.groupsToOverride');
  const roles = strings(r.iamRolesToOverride, 'groupOverrideDetails.iamRolesToOverride');
  if (r.preferredRole !== undefined && r.preferredRole !== null && typeof r.preferredRole !== 'string') throw invalid('groupOverrideDetails.preferredRole must be a string');
  return { ...(groups ? { groups } : {}), ...(roles ? { roles } : {}), ...(typeof r.preferredRole === 'string' ? { preferredRole: r.preferredRole } : {}) };
}

/**
 * The subject with the pool's pre token generation trigger applied (unchanged when the pool has none).
 * Its refusal (UserLambdaValidationException) or an unusable answer stops the tokens.
 */
export async function applyPreTokenGeneration(
  triggers: Triggers | undefined, subject: TokenSubject, source: TokenSource, clientMetadata: Record<string, string> | undefined,
): Promise<TokenSubject> {
  const spec = triggers && triggerSpec(subject.pool, 'PreTokenGeneration');
  if (!triggers || !spec) return subject;
  const v1 = spec.version === '1';
  const response = await triggers.run(subject.pool, 'PreTokenGeneration', {
    triggerSource: source, userName: subject.user.username, clientId: subject.client.clientId,
    request: {
      userAttributes: triggerUserAttributes(subject.user), groupConfiguration: groupConfiguration(subject),
      ...(v1 ? {} : { scopes: [...subject.scopes] }), clientMetadata: clientMetadata ?? {},
    },
  });
  if (!response) return subject;
  if (v1) {
    const details = record(response.claimsOverrideDetails, 'claimsOverrideDetails');
    return { ...subject, ...groupOverride(details.groupOverrideDetails), overrides: { id: claimEdits(details, 'claimsOverrideDetails', '1') } };
  }
  const details = record(response.claimsAndScopeOverrideDetails, 'claimsAndScopeOverrideDetails');
  const access = record(details.accessTokenGeneration, 'accessTokenGeneration');
  const overrides: TokenOverrides = {
    id: claimEdits(details.idTokenGeneration, 'idTokenGeneration', spec.version),
    access: claimEdits(access, 'accessTokenGeneration', spec.version),
  };
  const scopes = scopeEdits(access, subject.scopes);
  if (scopes) overrides.scopes = scopes;
  return { ...subject, ...groupOverride(details.groupOverrideDetails), overrides };
}

/**
 * V3_0 for a client-credentials token: the handler may edit its claims and scopes (there is no user,
 * so no attributes and no groups). Null when the pool's trigger is not V3_0.
 */
export async function preTokenForClient(
  triggers: Triggers | undefined, o: { pool: Pool; clientId: string; scopes: string[] },
): Promise<{ access: ClaimEdits; scopes?: string[] } | null> {
  const spec = triggers && triggerSpec(o.pool, 'PreTokenGeneration');
  if (!triggers || spec?.version !== '3') return null;
  const response = await triggers.run(o.pool, 'PreTokenGeneration', {
    triggerSource: 'TokenGeneration_ClientCredentials', userName: null, clientId: o.clientId, request: { userAttributes: {}, scopes: [...o.scopes], clientMetadata: {} },
  });
  if (!response) return null;
  const access = record(record(response.claimsAndScopeOverrideDetails, 'claimsAndScopeOverrideDetails').accessTokenGeneration, 'accessTokenGeneration');
  const scopes = scopeEdits(access, o.scopes);
  return { access: claimEdits(access, 'accessTokenGeneration', '3'), ...(scopes ? { scopes } : {}) };
}
