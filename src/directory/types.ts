// The user directory's records: what every store adapter keeps and returns.
// Times are epoch milliseconds; secrets (codes, tokens, session ids) are only ever stored as hashes.
import type { PoolSettings, ClientSettings, ProviderSettings } from './schema.js';

export type Millis = number;

export interface Pool {
  id: string;
  settings: PoolSettings;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface AppClient {
  poolId: string;
  clientId: string;
  /** Client settings as declared (Cognito's CreateUserPoolClient shape) without the secret. */
  settings: Omit<ClientSettings, 'ClientSecret'>;
  /** `secret-hash` (see directory/secrets.ts) of the client secret; null for a public client. */
  secretHash: string | null;
  /** The client secret sealed by the caller with the broker's Sealer (directory/secrets.ts), for SECRET_HASH; null for a public client. */
  sealedSecret: string | null;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface IdentityProvider {
  poolId: string;
  name: string;
  /** Provider settings; secret values in ProviderDetails are sealed (see directory/secrets.ts). */
  settings: ProviderSettings;
  createdAt: Millis;
  updatedAt: Millis;
}

export type UserStatus =
  | 'UNCONFIRMED'
  | 'CONFIRMED'
  | 'RESET_REQUIRED'
  | 'FORCE_CHANGE_PASSWORD'
  | 'EXTERNAL_PROVIDER'
  | 'ARCHIVED'
  | 'COMPROMISED'
  | 'UNKNOWN';

export type Attributes = Record<string, string>;

export interface User {
  /** Internal id (time-ordered UUID); never shown to apps. */
  id: string;
  poolId: string;
  /** The `sub` claim: a UUID that never changes. */
  sub: string;
  /** The username as the user gave it (or `<Provider>_<subject>` for federated users). */
  username: string;
  status: UserStatus;
  enabled: boolean;
  /** Pool attributes by name (`email`, `custom:department`, …), always strings as in Cognito. */
  attributes: Attributes;
  /** argon2id hash of the password; null for federated users and users without one. */
  passwordHash: string | null;
  /**
   * SRP verifier of the password (Cognito's USER_SRP_AUTH), sealed by the caller; the store keeps it as
   * given. Set together with passwordHash when the password changes; null when there is none.
   */
  srpVerifier: string | null;
  /** The user's second factors (null: none set up); secrets in it are sealed by the caller. */
  mfa: UserMfa | null;
  /** Consecutive failed sign-ins and the lock they earned (native sign-in protection). */
  failedSignIns: number;
  lastFailedSignInAt: Millis | null;
  lockedUntil: Millis | null;
  createdAt: Millis;
  updatedAt: Millis;
}

/** Cognito's MFA methods a user can enable (UserMFASettingList). */
export type MfaFactor = 'SOFTWARE_TOKEN_MFA' | 'SMS_MFA' | 'EMAIL_OTP';

export interface UserMfa {
  /** The authenticator app (TOTP): its secret sealed; verified once VerifySoftwareToken proved a code of it. */
  totp: { sealedSecret: string; verified: boolean; friendlyName: string | null } | null;
  /** A secret from AssociateSoftwareToken awaiting VerifySoftwareToken (sealed); the app in use stays until then. */
  pendingTotp: string | null;
  /** The methods the user has enabled, and the one asked for first. */
  enabled: MfaFactor[];
  preferred: MfaFactor | null;
  /** Hashes of the unused recovery codes (the broker's own; Cognito has none). */
  recoveryCodes: string[];
  /** The user's passkeys (WebAuthn credentials): a first factor of USER_AUTH; absent in records written before them. */
  passkeys?: Passkey[];
}

export interface Passkey {
  /** The credential id, base64url. */
  id: string;
  /** Its COSE public key, base64url. */
  publicKey: string;
  /** The authenticator's signature counter as last seen (0 for authenticators that keep none). */
  counter: number;
  transports: string[];
  rpId: string;
  name: string | null;
  attachment: 'platform' | 'cross-platform' | null;
  createdAt: Millis;
}

/** What a caller supplies to create a user; the store fills in timestamps and counters. */
export interface NewUser {
  id?: string;
  poolId: string;
  sub?: string;
  username: string;
  status: UserStatus;
  enabled?: boolean;
  attributes?: Attributes;
  passwordHash?: string | null;
  /** See User.srpVerifier; null (none) unless given. */
  srpVerifier?: string | null;
  /** Aliases to claim with the user (AliasExists if any is taken; then nothing is created). */
  aliases?: AliasRef[];
}

/**
 * Sign-in aliases, plus a username's UTS #39 confusable skeletons, held so look-alikes collide:
 * `username_skeleton` (of the case-mapped name in case-insensitive pools) and `username_skeleton_cased`
 * (of the name as kept: `aIice` with a capital I looks like `alice` on the page).
 */
export type AliasKind = 'email' | 'phone_number' | 'preferred_username' | 'username_skeleton' | 'username_skeleton_cased';
export interface AliasRef {
  kind: AliasKind;
  value: string;
}

export interface LinkedIdentity {
  poolId: string;
  providerName: string;
  /** The provider's subject (Google `sub`, Facebook `id`, SAML NameID); case-sensitive. */
  subject: string;
  userId: string;
  providerType: string;
  /** OIDC issuer or SAML entity id; null for social providers, as in Cognito's `identities`. */
  issuer: string | null;
  primary: boolean;
  /** The provider's claims at the last sign-in, as a JSON string (claim names are data, not keys). */
  lastClaims: string | null;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface Group {
  poolId: string;
  name: string;
  description: string | null;
  precedence: number | null;
  roleArn: string | null;
  createdAt: Millis;
  updatedAt: Millis;
}

/** Cognito's DeviceRememberedStatus. */
export type DeviceStatus = 'remembered' | 'not_remembered';

/** A device of a user (Cognito device tracking). */
export interface Device {
  poolId: string;
  userId: string;
  /** Cognito's DeviceKey, `<region>_<uuid>`: unique in the pool. */
  deviceKey: string;
  deviceGroupKey: string;
  /** The device's SRP verifier and salt (DeviceSecretVerifierConfig), sealed by the caller; null until ConfirmDevice. */
  verifier: string | null;
  /** Device name and other DeviceAttributes, as Cognito keeps them. */
  attributes: Record<string, string>;
  /** null: confirmed but the user has not said whether to remember it. */
  status: DeviceStatus | null;
  confirmed: boolean;
  lastAuthenticatedAt: Millis | null;
  lastIp: string | null;
  createdAt: Millis;
  updatedAt: Millis;
}

/** `id` and `access` sign tokens; the SAML ones sign requests and decrypt assertions. */
export type KeyPurpose = 'id' | 'access' | 'saml-signing' | 'saml-encryption';

export interface SigningKey {
  kid: string;
  poolId: string;
  purpose: KeyPurpose;
  alg: string;
  /** Public key as a JWK (with `kid`, `alg`, `use`). */
  publicJwk: Record<string, unknown>;
  /** Private key (PKCS#8 PEM), sealed when BROKER_KEY_SECRET is set. */
  privateKey: string;
  /** Certificate (PEM) for SAML keys; null for JWT keys. */
  certificate: string | null;
  active: boolean;
  createdAt: Millis;
  retiredAt: Millis | null;
  /** After this time no token signed by the key can be alive: drop it from the JWKS. */
  publishUntil: Millis | null;
}

export interface RefreshFamily {
  id: string;
  poolId: string;
  clientId: string;
  userId: string;
  /** `origin_jti` of every token descending from one authentication. */
  originJti: string;
  authTime: number;
  scopes: string[];
  /** The authorization code the family came from (hash), so a replayed code can revoke it. */
  codeHash: string | null;
  createdAt: Millis;
  expiresAt: Millis;
  revokedAt: Millis | null;
  revokedReason: string | null;
}

export interface RefreshToken {
  hash: string;
  familyId: string;
  createdAt: Millis;
  expiresAt: Millis;
  /** Set when this token was exchanged for its successor (rotation). */
  rotatedAt: Millis | null;
}

export type RotateResult =
  | { status: 'rotated'; family: RefreshFamily }
  | { status: 'reused'; family: RefreshFamily } // an already-rotated token: the family is now revoked
  | { status: 'invalid' }; // unknown, expired or revoked

export interface AuthCode {
  hash: string;
  poolId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  nonce: string | null;
  authTime: number;
  /** The hosted-UI session it was issued from, if any. */
  sessionId: string | null;
  /** Anything else the token endpoint needs (e.g. federated identity used). */
  extra: Record<string, unknown>;
  createdAt: Millis;
  expiresAt: Millis;
  consumedAt: Millis | null;
}

export type ConsumeCodeResult =
  | { status: 'ok'; code: AuthCode }
  | { status: 'replayed'; code: AuthCode } // used before: refuse, and revoke what the first use issued
  | { status: 'invalid' }; // unknown or expired

/** A federation round trip in flight: created at `begin`, consumed once at the callback. */
/**
 * Short-lived state of a browser sign-in, told apart by `kind` and consumed only as that kind: the
 * store keeps `data` as it is given (JSON); src/auth/flows.ts declares each kind's shape.
 */
export type FlowKind = 'federation' | 'continuation' | 'challenge' | 'logout';

export interface PendingFlow<K extends FlowKind = FlowKind> {
  kind: K;
  /** Hash of the handle the browser carries (OAuth `state`, SAML RelayState, a cookie or a query parameter). */
  stateHash: string;
  poolId: string;
  data: Record<string, unknown>;
  createdAt: Millis;
  expiresAt: Millis;
}

export interface HostedSession {
  /** Hash of the session cookie's value. */
  idHash: string;
  poolId: string;
  userId: string;
  authTime: number;
  /** How the user signed in: `COGNITO` or a provider name, plus SAML NameID/SessionIndex for SLO. */
  data: Record<string, unknown>;
  createdAt: Millis;
  expiresAt: Millis;
}

/** `mfa_sms`, `mfa_email`: a sign-in's second factor (or an e-mailed first one). */
export type CodePurpose = 'confirm_sign_up' | 'reset_password' | 'verify_email' | 'verify_phone_number' | 'mfa_sms' | 'mfa_email';

export interface OneTimeCode {
  poolId: string;
  userId: string;
  purpose: CodePurpose;
  codeHash: string;
  attempts: number;
  /**
   * The new value an update waits to apply (UserAttributeUpdateSettings): kept with its code, not on
   * the user, so it lives and dies with the code. Null (or absent) for every other code.
   */
  pending?: string | null;
  createdAt: Millis;
  expiresAt: Millis;
}

export type ConsumeOneTimeCodeResult = 'ok' | 'mismatch' | 'expired' | 'too_many_attempts' | 'none';

export interface OutboxMessage {
  id: string;
  poolId: string | null;
  channel: 'email' | 'sms';
  to: string;
  subject: string;
  body: string;
  createdAt: Millis;
  sentAt: Millis | null;
}

export interface AuditEvent {
  id: string;
  poolId: string | null;
  time: Millis;
  /** e.g. `sign_in.success`, `sign_in.failure`, `user.locked`, `refresh.reuse_detected`. */
  type: string;
  userId: string | null;
  clientId: string | null;
  ip: string | null;
  /** Non-secret details. */
  detail: Record<string, unknown>;
}

export interface SignInFailure {
  failedSignIns: number;
  lockedUntil: Millis | null;
}

/** A sign-in attempt counted before the password is checked; `allowed` is false while locked. */
export interface SignInAttempt extends SignInFailure {
  allowed: boolean;
}

/** Cognito's ListUsers filter: one attribute, `=` or `^=`. */
export interface UserFilter {
  attribute: SearchableAttribute;
  op: '=' | '^=';
  value: string;
}

export const SEARCHABLE_ATTRIBUTES = [
  'username',
  'email',
  'phone_number',
  'name',
  'given_name',
  'family_name',
  'preferred_username',
  'cognito:user_status',
  'status',
  'sub',
] as const;
export type SearchableAttribute = (typeof SEARCHABLE_ATTRIBUTES)[number];

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextToken?: string;
}
