// Collections of the MongoDB directory: one mongoose model per record, with its indexes. Only plain
// (non-sparse, non-partial, non-TTL) indexes and no collation, so FerretDB 1.24 serves them too.
// Free-form values (settings, JWKs, flow data, audit detail) are JSON strings: their keys are data.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { UserMfa } from '../types.js';

const str = { type: String };
const optStr = { type: String, default: null };
const num = { type: Number };
const optNum = { type: Number, default: null };
const options = { versionKey: false, minimize: false, autoIndex: false, autoCreate: false } as const;

export interface PoolDoc { _id: string; settings: string; createdAt: number; updatedAt: number }
export interface ClientDoc {
  poolId: string; clientId: string; settings: string; secretHash: string | null;
  /** Absent from documents written before it existed: read as null. */
  sealedSecret?: string | null;
  createdAt: number; updatedAt: number;
}
export interface ProviderDoc { poolId: string; name: string; settings: string; createdAt: number; updatedAt: number }
/** An IdP identifier (lower-cased) owned by one provider of the pool. */
export interface IdentifierDoc { poolId: string; key: string; providerName: string }

export interface UserDoc {
  _id: string; poolId: string; sub: string; username: string; usernameKey: string; status: string; enabled: boolean;
  attributes: Record<string, string>; passwordHash: string | null;
  /** Absent from documents written before it existed: read as null. */
  srpVerifier?: string | null;
  /** Absent from documents written before it existed: read as null. */
  mfa?: UserMfa | null;
  failedSignIns: number;
  lastFailedSignInAt: number | null; lockedUntil: number | null; createdAt: number; updatedAt: number;
  /** Bumped by every updateUser: the guard of its read-modify-write. */
  version: number;
  /** rules.searchEntries(user): what ListUsers filters on. */
  search: string[];
}
export interface AliasDoc { poolId: string; kind: string; key: string; userId: string }
export interface IdentityDoc {
  poolId: string; providerName: string; subject: string; userId: string; providerType: string; issuer: string | null;
  primary: boolean; lastClaims: string | null; createdAt: number; updatedAt: number;
}
export interface GroupDoc {
  poolId: string; name: string; description: string | null; precedence: number | null; roleArn: string | null;
  createdAt: number; updatedAt: number;
}
export interface MembershipDoc { poolId: string; groupName: string; userId: string }
/**
 * A user's device. _id is a time-ordered id (rules.newId), never reused: it orders devices created in the
 * same millisecond, and a device deleted and created again under its key is another document.
 */
export interface DeviceDoc {
  _id: string; poolId: string; userId: string; deviceKey: string; deviceGroupKey: string; verifier: string | null;
  attributes: Record<string, string>; status: string | null; confirmed: boolean; lastAuthenticatedAt: number | null;
  lastIp: string | null; createdAt: number; updatedAt: number;
}

export interface KeyDoc {
  _id: string; poolId: string; purpose: string; alg: string; publicJwk: string; privateKey: string; certificate: string | null;
  /** `<pool>:<purpose>` while active, `retired:<kid>` afterwards: unique, so one active key per pool and purpose. */
  activeSlot: string;
  createdAt: number; retiredAt: number | null; publishUntil: number | null;
}

export interface AuthCodeDoc {
  hash: string; poolId: string; clientId: string; userId: string; redirectUri: string; scopes: string[];
  codeChallenge: string | null; codeChallengeMethod: string | null; nonce: string | null; authTime: number;
  sessionId: string | null; extra: string; createdAt: number; expiresAt: number; consumedAt: number | null;
}
export interface FamilyDoc {
  _id: string; poolId: string; clientId: string; userId: string; originJti: string; authTime: number; scopes: string[];
  codeHash: string | null; createdAt: number; expiresAt: number; revokedAt: number | null; revokedReason: string | null;
}
export interface RefreshTokenDoc { hash: string; familyId: string; createdAt: number; expiresAt: number; rotatedAt: number | null }

export interface FlowDoc {
  _id: Types.ObjectId; stateHash: string; kind: string; poolId: string; data: string; createdAt: number; expiresAt: number;
}
export interface SessionDoc {
  idHash: string; poolId: string; userId: string; authTime: number; data: string; createdAt: number; expiresAt: number;
}
/** One issued code; a new code is a new document (new _id), so a delete by _id never takes its successor. */
export interface OneTimeCodeDoc {
  _id: Types.ObjectId; poolId: string; userId: string; purpose: string; codeHash: string; createdAt: number; expiresAt: number;
  /** OneTimeCode.pending; absent from documents written before it existed: read as null. */
  pending?: string | null;
}
/** A replay record; taken over when expired by deleting it by _id and inserting anew. */
export interface SeenDoc { _id: Types.ObjectId; namespace: string; key: string; expiresAt: number }

export interface OutboxDoc {
  _id: string; poolId: string | null; channel: string; to: string; subject: string; body: string; createdAt: number; sentAt: number | null;
}
export interface AuditDoc {
  _id: string; poolId: string | null; time: number; type: string; userId: string | null; clientId: string | null;
  ip: string | null; detail: string;
}
export interface MetaDoc { key: string; value: string }

/** A LimitStore record (rules.LimitRecord) under its rules.limitRecordKey; written only under its lease. */
export interface LimitDoc { _id: string; count: number; at: number | null; until: number | null; expiresAt: number }

/** A race decided once and for all by the unique _id (e.g. `code:<hash>`): whoever inserts it won, at `at`. */
export interface ClaimDoc { _id: string; at: number; expiresAt: number }
/** A lease on `key` (unique) held until released or until `expiresAt`; each lease has its own _id. */
export interface LockDoc { _id: Types.ObjectId; key: string; expiresAt: number }

function pools() {
  return new Schema<PoolDoc>({ _id: str, settings: str, createdAt: num, updatedAt: num }, options);
}

function clients() {
  const s = new Schema<ClientDoc>(
    { poolId: str, clientId: str, settings: str, secretHash: optStr, sealedSecret: optStr, createdAt: num, updatedAt: num },
    options,
  );
  s.index({ poolId: 1, clientId: 1 }, { unique: true, name: 'pool_client' });
  s.index({ clientId: 1 }, { name: 'client' });
  return s;
}

function providers() {
  const s = new Schema<ProviderDoc>({ poolId: str, name: str, settings: str, createdAt: num, updatedAt: num }, options);
  s.index({ poolId: 1, name: 1 }, { unique: true, name: 'pool_name' });
  return s;
}

function identifiers() {
  const s = new Schema<IdentifierDoc>({ poolId: str, key: str, providerName: str }, options);
  s.index({ poolId: 1, key: 1 }, { unique: true, name: 'pool_key' });
  s.index({ poolId: 1, providerName: 1 }, { name: 'pool_provider' });
  return s;
}

function users() {
  const s = new Schema<UserDoc>(
    {
      _id: str, poolId: str, sub: str, username: str, usernameKey: str, status: str, enabled: Boolean,
      attributes: { type: Schema.Types.Mixed, default: {} }, passwordHash: optStr, srpVerifier: optStr, mfa: { type: Schema.Types.Mixed, default: null },
      failedSignIns: { type: Number, default: 0 },
      lastFailedSignInAt: optNum, lockedUntil: optNum, createdAt: num, updatedAt: num, version: { type: Number, default: 0 },
      search: { type: [String], default: [] },
    },
    options,
  );
  s.index({ poolId: 1, usernameKey: 1 }, { unique: true, name: 'pool_username' });
  s.index({ poolId: 1, sub: 1 }, { unique: true, name: 'pool_sub' });
  s.index({ poolId: 1, _id: 1 }, { name: 'pool_id' });
  s.index({ poolId: 1, search: 1, _id: 1 }, { name: 'pool_search' });
  return s;
}

function aliases() {
  const s = new Schema<AliasDoc>({ poolId: str, kind: str, key: str, userId: str }, options);
  s.index({ poolId: 1, kind: 1, key: 1 }, { unique: true, name: 'pool_kind_key' });
  s.index({ poolId: 1, userId: 1, kind: 1 }, { unique: true, name: 'pool_user_kind' });
  return s;
}

function identities() {
  const s = new Schema<IdentityDoc>(
    {
      poolId: str, providerName: str, subject: str, userId: str, providerType: str, issuer: optStr, primary: Boolean,
      lastClaims: optStr, createdAt: num, updatedAt: num,
    },
    options,
  );
  s.index({ poolId: 1, providerName: 1, subject: 1 }, { unique: true, name: 'pool_provider_subject' });
  s.index({ poolId: 1, userId: 1 }, { name: 'pool_user' });
  return s;
}

function groups() {
  const s = new Schema<GroupDoc>(
    { poolId: str, name: str, description: optStr, precedence: optNum, roleArn: optStr, createdAt: num, updatedAt: num },
    options,
  );
  s.index({ poolId: 1, name: 1 }, { unique: true, name: 'pool_name' });
  return s;
}

function memberships() {
  const s = new Schema<MembershipDoc>({ poolId: str, groupName: str, userId: str }, options);
  s.index({ poolId: 1, groupName: 1, userId: 1 }, { unique: true, name: 'pool_group_user' });
  s.index({ poolId: 1, userId: 1 }, { name: 'pool_user' });
  return s;
}

function devices() {
  const s = new Schema<DeviceDoc>(
    {
      _id: str, poolId: str, userId: str, deviceKey: str, deviceGroupKey: str, verifier: optStr,
      attributes: { type: Schema.Types.Mixed, default: {} }, status: optStr, confirmed: Boolean, lastAuthenticatedAt: optNum,
      lastIp: optStr, createdAt: num, updatedAt: num,
    },
    options,
  );
  s.index({ poolId: 1, deviceKey: 1 }, { unique: true, name: 'pool_device' });
  s.index({ poolId: 1, userId: 1, createdAt: 1, _id: 1 }, { name: 'pool_user_created' });
  return s;
}

function keys() {
  const s = new Schema<KeyDoc>(
    {
      _id: str, poolId: str, purpose: str, alg: str, publicJwk: str, privateKey: str, certificate: optStr, activeSlot: str,
      createdAt: num, retiredAt: optNum, publishUntil: optNum,
    },
    options,
  );
  s.index({ activeSlot: 1 }, { unique: true, name: 'active_slot' });
  s.index({ poolId: 1, purpose: 1 }, { name: 'pool_purpose' });
  return s;
}

function authCodes() {
  const s = new Schema<AuthCodeDoc>(
    {
      hash: str, poolId: str, clientId: str, userId: str, redirectUri: str, scopes: [String], codeChallenge: optStr,
      codeChallengeMethod: optStr, nonce: optStr, authTime: num, sessionId: optStr, extra: str, createdAt: num,
      expiresAt: num, consumedAt: optNum,
    },
    options,
  );
  s.index({ hash: 1 }, { unique: true, name: 'hash' });
  s.index({ poolId: 1, userId: 1 }, { name: 'pool_user' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function families() {
  const s = new Schema<FamilyDoc>(
    {
      _id: str, poolId: str, clientId: str, userId: str, originJti: str, authTime: num, scopes: [String], codeHash: optStr,
      createdAt: num, expiresAt: num, revokedAt: optNum, revokedReason: optStr,
    },
    options,
  );
  s.index({ poolId: 1, userId: 1 }, { name: 'pool_user' });
  s.index({ codeHash: 1 }, { name: 'code' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function refreshTokens() {
  const s = new Schema<RefreshTokenDoc>({ hash: str, familyId: str, createdAt: num, expiresAt: num, rotatedAt: optNum }, options);
  s.index({ hash: 1 }, { unique: true, name: 'hash' });
  s.index({ familyId: 1 }, { name: 'family' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function flows() {
  const s = new Schema<FlowDoc>(
    { stateHash: str, kind: str, poolId: str, data: str, createdAt: num, expiresAt: num },
    options,
  );
  s.index({ stateHash: 1 }, { unique: true, name: 'state' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function sessions() {
  const s = new Schema<SessionDoc>(
    { idHash: str, poolId: str, userId: str, authTime: num, data: str, createdAt: num, expiresAt: num },
    options,
  );
  s.index({ idHash: 1 }, { unique: true, name: 'id' });
  s.index({ poolId: 1, userId: 1 }, { name: 'pool_user' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function oneTimeCodes() {
  const s = new Schema<OneTimeCodeDoc>(
    { poolId: str, userId: str, purpose: str, codeHash: str, pending: optStr, createdAt: num, expiresAt: num },
    options,
  );
  s.index({ poolId: 1, userId: 1, purpose: 1 }, { unique: true, name: 'pool_user_purpose' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function seen() {
  const s = new Schema<SeenDoc>({ namespace: str, key: str, expiresAt: num }, options);
  s.index({ namespace: 1, key: 1 }, { unique: true, name: 'namespace_key' });
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function outbox() {
  const s = new Schema<OutboxDoc>(
    { _id: str, poolId: optStr, channel: str, to: str, subject: str, body: str, createdAt: num, sentAt: optNum },
    options,
  );
  s.index({ sentAt: 1, _id: 1 }, { name: 'pending' });
  return s;
}

function audit() {
  const s = new Schema<AuditDoc>(
    { _id: str, poolId: optStr, time: num, type: str, userId: optStr, clientId: optStr, ip: optStr, detail: str },
    options,
  );
  s.index({ poolId: 1, _id: -1 }, { name: 'pool' });
  s.index({ poolId: 1, userId: 1, _id: -1 }, { name: 'pool_user' });
  return s;
}

function meta() {
  const s = new Schema<MetaDoc>({ key: str, value: str }, options);
  s.index({ key: 1 }, { unique: true, name: 'key' });
  return s;
}

function limits() {
  const s = new Schema<LimitDoc>({ _id: str, count: num, at: optNum, until: optNum, expiresAt: num }, options);
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function claims() {
  const s = new Schema<ClaimDoc>({ _id: str, at: num, expiresAt: num }, options);
  s.index({ expiresAt: 1 }, { name: 'expires' });
  return s;
}

function locks() {
  const s = new Schema<LockDoc>({ key: str, expiresAt: num }, options);
  s.index({ key: 1 }, { unique: true, name: 'key' });
  return s;
}

export function defineModels(conn: Connection) {
  return {
    Pool: conn.model<PoolDoc>('Pool', pools(), 'pools'),
    Client: conn.model<ClientDoc>('Client', clients(), 'clients'),
    Provider: conn.model<ProviderDoc>('Provider', providers(), 'providers'),
    Identifier: conn.model<IdentifierDoc>('Identifier', identifiers(), 'idp_identifiers'),
    User: conn.model<UserDoc>('User', users(), 'users'),
    Alias: conn.model<AliasDoc>('Alias', aliases(), 'aliases'),
    Identity: conn.model<IdentityDoc>('Identity', identities(), 'identities'),
    Group: conn.model<GroupDoc>('Group', groups(), 'groups'),
    Membership: conn.model<MembershipDoc>('Membership', memberships(), 'memberships'),
    Device: conn.model<DeviceDoc>('Device', devices(), 'devices'),
    Key: conn.model<KeyDoc>('Key', keys(), 'keys'),
    AuthCode: conn.model<AuthCodeDoc>('AuthCode', authCodes(), 'auth_codes'),
    Family: conn.model<FamilyDoc>('Family', families(), 'refresh_families'),
    RefreshToken: conn.model<RefreshTokenDoc>('RefreshToken', refreshTokens(), 'refresh_tokens'),
    Flow: conn.model<FlowDoc>('Flow', flows(), 'flows'),
    Session: conn.model<SessionDoc>('Session', sessions(), 'sessions'),
    OneTimeCode: conn.model<OneTimeCodeDoc>('OneTimeCode', oneTimeCodes(), 'one_time_codes'),
    Seen: conn.model<SeenDoc>('Seen', seen(), 'seen'),
    Outbox: conn.model<OutboxDoc>('Outbox', outbox(), 'outbox'),
    Audit: conn.model<AuditDoc>('Audit', audit(), 'audit'),
    Meta: conn.model<MetaDoc>('Meta', meta(), 'meta'),
    Limit: conn.model<LimitDoc>('Limit', limits(), 'limits'),
    Claim: conn.model<ClaimDoc>('Claim', claims(), 'claims'),
    Lock: conn.model<LockDoc>('Lock', locks(), 'locks'),
  };
}

export type Models = ReturnType<typeof defineModels>;

/** Creates every collection's indexes; run once at open (autoIndex is off). */
export async function createIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) await model.createIndexes();
}
