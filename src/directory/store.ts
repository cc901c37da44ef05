// The Store port: the only way into the user directory. Narrow, purpose-named operations grouped by
// what they keep; each is atomic on its own and uniqueness is enforced by the database's own keys.
import type {
  AppClient, AuditEvent, AliasKind, AuthCode, CodePurpose, ConsumeCodeResult, ConsumeOneTimeCodeResult, Device, DeviceStatus, FlowKind, Group,
  HostedSession, IdentityProvider, KeyPurpose, LinkedIdentity, Millis, NewUser, OneTimeCode, OutboxMessage, Page,
  PendingFlow, Pool, RefreshFamily, RefreshToken, RotateResult, SignInAttempt, SignInFailure, SigningKey, User, UserFilter, UserStatus,
  Attributes, UserMfa,
} from './types.js';

/** Pools, their app clients and identity providers: written by config apply and the management API. */
export interface PoolStore {
  /** Creates or replaces the pool's settings. */
  putPool(pool: Omit<Pool, 'createdAt' | 'updatedAt'>): Promise<Pool>;
  getPool(id: string): Promise<Pool | null>;
  listPools(): Promise<Pool[]>;
  /** Removes the pool and everything in it (clients, providers, users, groups, devices, keys, tokens, flows); the audit trail stays. False when there was none. */
  deletePool(id: string): Promise<boolean>;

  putClient(client: Omit<AppClient, 'createdAt' | 'updatedAt'>): Promise<AppClient>;
  getClient(poolId: string, clientId: string): Promise<AppClient | null>;
  listClients(poolId: string): Promise<AppClient[]>;
  /** The clients with that id in every pool: client ids are meant to be unique, the caller refuses an ambiguous one. */
  findClientsById(clientId: string): Promise<AppClient[]>;
  deleteClient(poolId: string, clientId: string): Promise<boolean>;

  /** Creates or replaces a provider. Its IdpIdentifiers are unique in the pool (case-insensitive): IdentifierExists. */
  putProvider(provider: Omit<IdentityProvider, 'createdAt' | 'updatedAt'>): Promise<IdentityProvider>;
  getProvider(poolId: string, name: string): Promise<IdentityProvider | null>;
  listProviders(poolId: string): Promise<IdentityProvider[]>;
  /** The provider that owns an identifier (e.g. an email domain), case-insensitive. */
  findProviderByIdentifier(poolId: string, identifier: string): Promise<IdentityProvider | null>;
  deleteProvider(poolId: string, name: string): Promise<boolean>;
}

export interface UserPatch {
  status?: UserStatus;
  enabled?: boolean;
  passwordHash?: string | null;
  /** Set together with passwordHash when the password changes; null clears it; left alone when absent. */
  srpVerifier?: string | null;
  /** The whole MFA record, replaced; null clears it; left alone when absent. */
  mfa?: UserMfa | null;
  /** Attributes to set (other attributes are kept). */
  setAttributes?: Attributes;
  /** Attributes to remove. */
  deleteAttributes?: string[];
}

/**
 * Users and their sign-in aliases. Usernames are unique per pool, compared case-insensitively unless
 * the pool's UsernameConfiguration.CaseSensitive is true (the pool must exist). Aliases are unique
 * per pool and kind; emails compare case-insensitively, preferred usernames as usernames do.
 */
export interface UserStore {
  /** UsernameExists when the username (or `sub`) is taken; AliasExists when an alias is; nothing is left behind. */
  createUser(user: NewUser): Promise<User>;
  getUser(poolId: string, userId: string): Promise<User | null>;
  findUserByUsername(poolId: string, username: string): Promise<User | null>;
  findUserBySub(poolId: string, sub: string): Promise<User | null>;
  findUserByAlias(poolId: string, kind: AliasKind, value: string): Promise<User | null>;
  /** Applies the patch atomically (concurrent patches of different attributes both land). NotFound if gone. */
  updateUser(poolId: string, userId: string, patch: UserPatch): Promise<User>;
  /** Removes the user with its aliases, identities, memberships, devices, codes, sessions and refresh tokens. */
  deleteUser(poolId: string, userId: string): Promise<boolean>;
  /** Cognito's ListUsers: optional one-attribute filter, stable pages in creation order, opaque token. */
  listUsers(poolId: string, options?: { filter?: UserFilter; limit?: number; nextToken?: string }): Promise<Page<User>>;

  /** Makes the alias the user's own. AliasExists when another user holds it, unless `force` moves it. */
  claimAlias(poolId: string, kind: AliasKind, value: string, userId: string, options?: { force?: boolean }): Promise<void>;
  /** Drops the user's alias of that kind, if any. */
  releaseAlias(poolId: string, kind: AliasKind, userId: string): Promise<void>;

  /**
   * Counts a failed sign-in atomically: the count restarts after `resetAfterMs` without failures, and from
   * `lockAfter` failures on the user is locked for 2^(n-lockAfter) s, at most `maxLockMs`.
   */
  recordSignInFailure(poolId: string, userId: string, now: Millis, policy?: LockoutPolicy): Promise<SignInFailure>;
  /**
   * Counts an attempt as a failure before the password is checked (reset it on success), refusing it
   * while the user is locked. So parallel guesses cannot outrun the lock: once `lockAfter` attempts
   * are counted, the rest are refused unchecked until the lock ends.
   */
  beginSignInAttempt(poolId: string, userId: string, now: Millis, policy?: LockoutPolicy): Promise<SignInAttempt>;
  resetSignInFailures(poolId: string, userId: string): Promise<void>;
}

export interface LockoutPolicy {
  lockAfter: number;
  maxLockMs: Millis;
  resetAfterMs: Millis;
}
export const COGNITO_LOCKOUT: LockoutPolicy = { lockAfter: 5, maxLockMs: 15 * 60_000, resetAfterMs: 15 * 60_000 };

/**
 * Counters and locks keyed by any string (a sign-in name as typed, a source address, a pool), so limits
 * hold whether or not a user exists. Atomic in the database: parallel callers never outrun a limit.
 * Attempt counters and take-windows are kept apart: the same key may be used for both. Keys are stored
 * as given (callers bound their length and, if they wish, normalise or hash them).
 */
export interface LimitStore {
  /**
   * Like users.beginSignInAttempt, for a key: counts the attempt as a failure before the check (the
   * caller resets on success), refused without counting while the key is locked. Same arithmetic:
   * rules.countSignInAttempt with the policy (default COGNITO_LOCKOUT).
   */
  beginAttempt(key: string, now: Millis, policy?: LockoutPolicy): Promise<SignInAttempt>;
  /** Forgets the key's failures and lock. */
  resetAttempts(key: string): Promise<void>;
  /**
   * Takes one unit from a fixed window of `windowMs` (the window starts at the first take after the
   * previous one ended): allowed while fewer than `limit` were taken in it, and then the take counts;
   * refused ones do not count. `count` is the number taken in the window (after this take), `resetAt`
   * when the window ends.
   */
  take(key: string, limit: number, windowMs: Millis, now: Millis): Promise<{ allowed: boolean; count: number; resetAt: Millis }>;
  /** Ends the key's take-window: the next take starts a new one (e.g. a new code restarts its tries). */
  resetWindow(key: string): Promise<void>;
}

/** Provider identities linked to users; (pool, provider, subject) is unique. */
export interface IdentityStore {
  /** IdentityAlreadyLinked when that identity belongs to a user already. */
  linkIdentity(identity: Omit<LinkedIdentity, 'createdAt' | 'updatedAt'>): Promise<LinkedIdentity>;
  findIdentity(poolId: string, providerName: string, subject: string): Promise<LinkedIdentity | null>;
  listIdentities(poolId: string, userId: string): Promise<LinkedIdentity[]>;
  /** Keeps the provider's latest claims (a JSON string) for mapping previews. */
  updateIdentityClaims(poolId: string, providerName: string, subject: string, claims: string): Promise<void>;
  unlinkIdentity(poolId: string, providerName: string, subject: string): Promise<boolean>;
}

/** What updateDevice changes: the fields named; the others are kept. */
export interface DevicePatch {
  verifier?: string | null;
  status?: DeviceStatus | null;
  confirmed?: boolean;
  /** Replaces the device's attributes as a whole (names as for users: rules.checkAttributeNames). */
  attributes?: Record<string, string>;
  lastAuthenticatedAt?: Millis;
  lastIp?: string | null;
}

/**
 * The devices of users (Cognito device tracking). A DeviceKey is unique in its pool; every operation
 * but createDevice names the user too, and never reaches another user's device. users.deleteUser
 * removes the user's devices.
 */
export interface DeviceStore {
  /** DeviceExists when the key is taken in the pool; NotFound when the user does not exist. */
  createDevice(device: Omit<Device, 'createdAt' | 'updatedAt'>): Promise<Device>;
  /** The user's own device with that key, or null. */
  getDevice(poolId: string, userId: string, deviceKey: string): Promise<Device | null>;
  /** The user's devices in creation order, stable pages (limit default and max 60) with an opaque token. */
  listDevices(poolId: string, userId: string, options?: { limit?: number; nextToken?: string }): Promise<Page<Device>>;
  /** Applies the patch to the user's device and returns it; null when the user has no such device. */
  updateDevice(poolId: string, userId: string, deviceKey: string, patch: DevicePatch): Promise<Device | null>;
  /** True when the user's device was there and is now gone. */
  deleteDevice(poolId: string, userId: string, deviceKey: string): Promise<boolean>;
}

export interface GroupStore {
  /** GroupExists when the name is taken in the pool. */
  createGroup(group: Omit<Group, 'createdAt' | 'updatedAt'>): Promise<Group>;
  getGroup(poolId: string, name: string): Promise<Group | null>;
  updateGroup(poolId: string, name: string, patch: Partial<Pick<Group, 'description' | 'precedence' | 'roleArn'>>): Promise<Group>;
  /** Removes the group and its memberships. */
  deleteGroup(poolId: string, name: string): Promise<boolean>;
  listGroups(poolId: string): Promise<Group[]>;
  /** Idempotent. NotFound if the group does not exist. */
  addUserToGroup(poolId: string, groupName: string, userId: string): Promise<void>;
  removeUserFromGroup(poolId: string, groupName: string, userId: string): Promise<void>;
  listGroupsForUser(poolId: string, userId: string): Promise<Group[]>;
  listUsersInGroup(poolId: string, groupName: string, options?: { limit?: number; nextToken?: string }): Promise<Page<User>>;
}

/** Signing and encryption keys per pool and purpose; at most one active key per pool and purpose. */
export interface KeyStore {
  /** Stores `key` as the active key unless one exists already; returns the active key either way. */
  addKeyIfNone(key: Omit<SigningKey, 'active' | 'retiredAt' | 'publishUntil'>): Promise<SigningKey>;
  /** Retires the active key (published until `publishUntil`) and makes `key` the active one. */
  rotateKey(key: Omit<SigningKey, 'active' | 'retiredAt' | 'publishUntil'>, now: Millis, publishUntil: Millis): Promise<SigningKey>;
  getActiveKey(poolId: string, purpose: KeyPurpose): Promise<SigningKey | null>;
  getKey(kid: string): Promise<SigningKey | null>;
  /** The active keys and the retired ones still to be published at `now`. */
  listPublishedKeys(poolId: string, now: Millis): Promise<SigningKey[]>;
}

/** Authorization codes and refresh-token families. Codes and tokens are stored only as hashes. */
export interface TokenStore {
  saveAuthCode(code: Omit<AuthCode, 'consumedAt'>): Promise<void>;
  /** Single use: of any number of concurrent calls one gets `ok`; later calls get `replayed`. */
  consumeAuthCode(hash: string, now: Millis): Promise<ConsumeCodeResult>;

  createRefreshFamily(family: Omit<RefreshFamily, 'revokedAt' | 'revokedReason'>, token: Omit<RefreshToken, 'familyId' | 'rotatedAt'>): Promise<void>;
  /** A live token (unexpired, family unrevoked) with its family, or null. */
  findRefreshToken(hash: string, now: Millis): Promise<{ token: RefreshToken; family: RefreshFamily } | null>;
  /**
   * Exchanges a token for its successor atomically. Presenting an already-rotated token revokes the
   * whole family (`reused`), unless it was rotated no more than `graceMs` ago; such a retry may bring
   * the same successor again (idempotent), so retries never make a second live token. A successor
   * never outlives its family.
   */
  rotateRefreshToken(oldHash: string, next: Omit<RefreshToken, 'familyId' | 'rotatedAt'>, now: Millis, graceMs?: Millis): Promise<RotateResult>;
  getRefreshFamily(id: string): Promise<RefreshFamily | null>;
  revokeRefreshFamily(id: string, reason: string, now: Millis): Promise<void>;
  /** Revokes what a replayed authorization code issued. */
  revokeFamiliesFromCode(codeHash: string, reason: string, now: Millis): Promise<number>;
  /** Global sign-out, password reset and change; `exceptOriginJti`: the one sign-in that stays (a password change's own). */
  revokeUserRefreshFamilies(poolId: string, userId: string, reason: string, now: Millis, exceptOriginJti?: string): Promise<number>;
}

/** Short-lived browser state: federation flows, hosted-UI sessions, one-time codes, replay memory. */
export interface FlowStore {
  saveFlow(flow: PendingFlow): Promise<void>;
  /** Single use, and only as its own kind: null when unknown, of another kind (left alone), expired or consumed already. */
  consumeFlow<K extends FlowKind>(kind: K, stateHash: string, now: Millis): Promise<PendingFlow<K> | null>;

  createSession(session: HostedSession): Promise<void>;
  findSession(idHash: string, now: Millis): Promise<HostedSession | null>;
  deleteSession(idHash: string): Promise<void>;
  deleteUserSessions(poolId: string, userId: string): Promise<number>;

  /** Issues a code (with its pending value, if any), replacing any earlier code of the same user and purpose (attempts restart). */
  putOneTimeCode(code: Omit<OneTimeCode, 'attempts'>): Promise<void>;
  /**
   * Checks a code atomically: `ok` once (the code is then gone), `mismatch` for a wrong code (counted;
   * at `maxAttempts` wrong tries the code is void: `too_many_attempts`), `expired`, or `none`.
   */
  consumeOneTimeCode(poolId: string, userId: string, purpose: CodePurpose, codeHash: string, now: Millis, maxAttempts?: number): Promise<ConsumeOneTimeCodeResult>;
  /**
   * The pending value of the user's unexpired code of that purpose (even one voided by wrong tries: a
   * new code may be asked for it); null when there is no such code, or it carries none.
   */
  pendingOfOneTimeCode(poolId: string, userId: string, purpose: CodePurpose, now: Millis): Promise<string | null>;

  /** True the first time `key` is seen in `namespace` until `expiresAt` (e.g. SAML assertion ids). */
  rememberOnce(namespace: string, key: string, expiresAt: Millis, now: Millis): Promise<boolean>;
}

export interface OutboxStore {
  enqueue(message: Omit<OutboxMessage, 'id' | 'createdAt' | 'sentAt'>, now: Millis): Promise<OutboxMessage>;
  listPending(limit: number): Promise<OutboxMessage[]>;
  /** Marks the message sent and drops its body (it holds a code). */
  markSent(id: string, now: Millis): Promise<void>;
}

export interface AuditStore {
  record(event: Omit<AuditEvent, 'id'>): Promise<void>;
  /** Newest first. */
  list(poolId: string | null, options?: { userId?: string; type?: string; limit?: number }): Promise<AuditEvent[]>;
}

/** Broker-wide values, such as the management key pair. */
export interface MetaStore {
  get(key: string): Promise<string | null>;
  /** Writes `value` unless the key exists; returns the value now stored. */
  putIfAbsent(key: string, value: string): Promise<string>;
  /** The entries whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<{ key: string; value: string }[]>;
  /** True when the key was there and is now gone. */
  delete(key: string): Promise<boolean>;
  /** Compare-and-set: writes `value` only while the key holds `expected`; true when it did (of racing callers, one wins). */
  replace(key: string, expected: string, value: string): Promise<boolean>;
}

/** Last good copies of SAML IdPs' metadata, one numbered version per change. */
export interface MetadataCopyStore {
  /** The newest copy kept for the provider, with its version number; null when none is. */
  latestMetadataCopy(poolId: string, providerName: string): Promise<{ version: number; value: string } | null>;
  /** Keeps `value` as `version` (the latest + 1) unless a peer wrote that version first: both are good copies. */
  addMetadataCopy(poolId: string, providerName: string, version: number, value: string): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  readonly pools: PoolStore;
  readonly users: UserStore;
  readonly identities: IdentityStore;
  readonly groups: GroupStore;
  readonly devices: DeviceStore;
  readonly keys: KeyStore;
  readonly tokens: TokenStore;
  readonly flows: FlowStore;
  readonly outbox: OutboxStore;
  readonly audit: AuditStore;
  readonly meta: MetaStore;
  readonly limits: LimitStore;
  readonly metadataCopies: MetadataCopyStore;
  /** Resolves when the database answers; StoreUnavailable otherwise. */
  ping(): Promise<void>;
  /**
   * Removes expired codes, flows, sessions, refresh tokens, replay records (families a day later) and
   * limit records that no longer matter (ended windows; attempts unlocked and quiet); returns how many.
   */
  purgeExpired(now: Millis): Promise<number>;
  close(): Promise<void>;
}

/** How long a refresh family is kept after it expires: as long as an access token from it may live. */
export const FAMILY_AFTERLIFE_MS = 86_400_000 + 300_000;

export const DEFAULT_PAGE_SIZE = 60;
export const MAX_PAGE_SIZE = 60;
