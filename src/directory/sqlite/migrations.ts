// Schema of the embedded store, as numbered migrations applied in order at open. Never edit a
// released migration: add the next one.
export const MIGRATIONS: string[] = [
  /* 1: the whole directory */ `
  CREATE TABLE pools (id TEXT PRIMARY KEY, settings TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE clients (
    pool_id TEXT NOT NULL, client_id TEXT NOT NULL, settings TEXT NOT NULL, secret_hash TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (pool_id, client_id));
  CREATE TABLE providers (
    pool_id TEXT NOT NULL, name TEXT NOT NULL, settings TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (pool_id, name));
  CREATE TABLE idp_identifiers (
    pool_id TEXT NOT NULL, identifier_key TEXT NOT NULL, provider_name TEXT NOT NULL,
    PRIMARY KEY (pool_id, identifier_key)) WITHOUT ROWID;

  CREATE TABLE users (
    id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, sub TEXT NOT NULL, username TEXT NOT NULL, username_key TEXT NOT NULL,
    status TEXT NOT NULL, enabled INTEGER NOT NULL, attributes TEXT NOT NULL, password_hash TEXT,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0, last_failed_sign_in_at INTEGER, locked_until INTEGER,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    UNIQUE (pool_id, username_key), UNIQUE (pool_id, sub));
  CREATE INDEX users_by_pool ON users (pool_id, id);
  -- ListUsers: one 'attribute=value' entry per searchable attribute.
  CREATE TABLE user_search (
    pool_id TEXT NOT NULL, entry TEXT NOT NULL, user_id TEXT NOT NULL,
    PRIMARY KEY (pool_id, entry, user_id)) WITHOUT ROWID;
  CREATE INDEX user_search_by_user ON user_search (user_id);
  CREATE TABLE aliases (
    pool_id TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, user_id TEXT NOT NULL,
    PRIMARY KEY (pool_id, kind, key), UNIQUE (pool_id, user_id, kind)) WITHOUT ROWID;

  CREATE TABLE identities (
    pool_id TEXT NOT NULL, provider_name TEXT NOT NULL, subject TEXT NOT NULL, user_id TEXT NOT NULL,
    provider_type TEXT NOT NULL, issuer TEXT, is_primary INTEGER NOT NULL, last_claims TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    PRIMARY KEY (pool_id, provider_name, subject));
  CREATE INDEX identities_by_user ON identities (pool_id, user_id);

  CREATE TABLE groups (
    pool_id TEXT NOT NULL, name TEXT NOT NULL, description TEXT, precedence INTEGER, role_arn TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (pool_id, name));
  CREATE TABLE memberships (
    pool_id TEXT NOT NULL, group_name TEXT NOT NULL, user_id TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, user_id)) WITHOUT ROWID;
  CREATE INDEX memberships_by_user ON memberships (pool_id, user_id);

  CREATE TABLE keys (
    kid TEXT PRIMARY KEY, pool_id TEXT NOT NULL, purpose TEXT NOT NULL, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
    private_key TEXT NOT NULL, certificate TEXT, active_slot TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL, retired_at INTEGER, publish_until INTEGER);
  CREATE INDEX keys_by_pool ON keys (pool_id, purpose);

  CREATE TABLE auth_codes (
    hash TEXT PRIMARY KEY, pool_id TEXT NOT NULL, user_id TEXT NOT NULL, data TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, consumed_at INTEGER);
  CREATE TABLE refresh_families (
    id TEXT PRIMARY KEY, pool_id TEXT NOT NULL, client_id TEXT NOT NULL, user_id TEXT NOT NULL,
    origin_jti TEXT NOT NULL, auth_time INTEGER NOT NULL, scopes TEXT NOT NULL, code_hash TEXT,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER, revoked_reason TEXT);
  CREATE INDEX refresh_families_by_user ON refresh_families (pool_id, user_id);
  CREATE INDEX refresh_families_by_code ON refresh_families (code_hash);
  CREATE TABLE refresh_tokens (
    hash TEXT PRIMARY KEY, family_id TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    rotated_at INTEGER);
  CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

  CREATE TABLE flows (
    state_hash TEXT PRIMARY KEY, pool_id TEXT NOT NULL, provider_name TEXT NOT NULL, browser_hash TEXT NOT NULL,
    data TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY, pool_id TEXT NOT NULL, user_id TEXT NOT NULL, auth_time INTEGER NOT NULL,
    data TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
  CREATE INDEX sessions_by_user ON sessions (pool_id, user_id);
  CREATE TABLE one_time_codes (
    pool_id TEXT NOT NULL, user_id TEXT NOT NULL, purpose TEXT NOT NULL, code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (pool_id, user_id, purpose));
  CREATE TABLE seen (namespace TEXT NOT NULL, key TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID;

  CREATE TABLE outbox (
    id TEXT PRIMARY KEY, pool_id TEXT, channel TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL,
    body TEXT NOT NULL, created_at INTEGER NOT NULL, sent_at INTEGER);
  CREATE INDEX outbox_pending ON outbox (sent_at, id);
  CREATE TABLE audit (
    id TEXT PRIMARY KEY, pool_id TEXT, time INTEGER NOT NULL, type TEXT NOT NULL, user_id TEXT, client_id TEXT,
    ip TEXT, detail TEXT NOT NULL);
  CREATE INDEX audit_by_pool ON audit (pool_id, id);
  CREATE INDEX audit_by_user ON audit (pool_id, user_id, id);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  /* 2: the LimitStore's records (rules.LimitRecord), keyed by rules.limitRecordKey */ `
  CREATE TABLE limits (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, at INTEGER, until INTEGER, expires_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX limits_by_expiry ON limits (expires_at);
  `,
  /* 3: typed flows (PendingFlow.kind) instead of sentinel provider names; flows in progress (10 minutes at most) restart */ `
  DELETE FROM flows;
  ALTER TABLE flows DROP COLUMN provider_name;
  ALTER TABLE flows DROP COLUMN browser_hash;
  ALTER TABLE flows ADD COLUMN kind TEXT NOT NULL DEFAULT '';
  `,
  /* 4: the SRP verifier (User.srpVerifier, sealed by the caller) beside the password hash; null for existing users */ `
  ALTER TABLE users ADD COLUMN srp_verifier TEXT;
  `,
  /* 5: the client secret sealed by the caller (AppClient.sealedSecret) for SECRET_HASH, null for existing clients; clients by id alone */ `
  ALTER TABLE clients ADD COLUMN sealed_secret TEXT;
  CREATE INDEX clients_by_client_id ON clients (client_id);
  `,
  /* 6: users' devices (Cognito device tracking); id (rules.newId) orders devices created in the same millisecond */ `
  CREATE TABLE devices (
    pool_id TEXT NOT NULL, device_key TEXT NOT NULL, user_id TEXT NOT NULL, id TEXT NOT NULL, device_group_key TEXT NOT NULL,
    verifier TEXT, attributes TEXT NOT NULL, status TEXT, confirmed INTEGER NOT NULL, last_authenticated_at INTEGER, last_ip TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (pool_id, device_key));
  CREATE INDEX devices_by_user ON devices (pool_id, user_id, created_at, id);
  `,
  /* 7: the value an attribute update waits to apply (OneTimeCode.pending, UserAttributeUpdateSettings); null for existing codes */ `
  ALTER TABLE one_time_codes ADD COLUMN pending TEXT;
  `,
  /* 8: the user's second factors (User.mfa, JSON; secrets sealed by the caller); null for existing users */ `
  ALTER TABLE users ADD COLUMN mfa TEXT;
  `,
];
