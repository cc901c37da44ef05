// The pools' JWT signing keys: one active RS256 key per pool and purpose (ID and access tokens use
// different keys, as Cognito's do), created on first need and rotated on demand.
import { randomBytes } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { Millis, SigningKey } from '../directory/types.js';

export type TokenKeyPurpose = 'id' | 'access';
export const TOKEN_KEY_PURPOSES: readonly TokenKeyPurpose[] = ['id', 'access'];

/** A retired key stays published this long: the longest ID/access token lifetime (1 day) plus 5 min of skew. */
export const RETIRED_KEY_PUBLISH_MS: Millis = 86_400_000 + 300_000;
/** How long a process keeps signing with the active key it has seen (another process may have rotated). */
const ACTIVE_CACHE_MS: Millis = 30_000;

export interface ActiveKey {
  kid: string;
  key: CryptoKey | KeyObject;
}

/** A published verification key and what it signs. */
export interface PublishedKey {
  purpose: TokenKeyPurpose;
  key: CryptoKey | KeyObject;
}

/** A kid the store knows: its record is final once retired, worth a fresh look while active. */
interface KnownKey {
  poolId: string;
  purpose: string;
  publishUntil: Millis | null;
  checkedAt: Millis;
  key: Promise<CryptoKey>;
}

const isTokenPurpose = (p: string): p is TokenKeyPurpose => p === 'id' || p === 'access';

export class KeyRing {
  private readonly active = new Map<string, { value: Promise<ActiveKey>; until: Millis }>();
  private readonly known = new Map<string, KnownKey>();
  // Keys never change once stored, so their imported forms are kept for good.
  private readonly privateKeys = new Map<string, Promise<CryptoKey>>();

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
  ) {}

  /** The active key of the pool for that purpose, created when the pool has none yet. */
  signingKey(poolId: string, purpose: TokenKeyPurpose): Promise<ActiveKey> {
    const slot = `${poolId}\n${purpose}`;
    const cached = this.active.get(slot);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = this.loadActive(poolId, purpose);
    const entry = { value, until: Date.now() + ACTIVE_CACHE_MS };
    this.active.set(slot, entry);
    // A failure (store down) must not stick for 30 s.
    value.catch(() => this.active.get(slot) === entry && this.active.delete(slot));
    return value;
  }

  /** The pool's JWKS: its published ID and access keys (never the SAML ones), created if it has none. */
  async jwks(poolId: string, now: Millis): Promise<{ keys: JWK[] }> {
    let keys = await this.publishedTokenKeys(poolId, now);
    if (TOKEN_KEY_PURPOSES.some((p) => !keys.some((k) => k.purpose === p))) {
      await Promise.all(TOKEN_KEY_PURPOSES.map((p) => this.signingKey(poolId, p)));
      keys = await this.publishedTokenKeys(poolId, now);
    }
    return { keys: keys.map((k) => publicJwk(k)) };
  }

  /** The public key for `kid` if it is a published ID or access key of that pool; null otherwise. */
  async verificationKey(poolId: string, kid: string, now: Millis = Date.now()): Promise<CryptoKey | KeyObject | null> {
    return (await this.publishedKey(poolId, kid, now))?.key ?? null;
  }

  /** As verificationKey, telling also which purpose the key signs. */
  async publishedKey(poolId: string, kid: string, now: Millis = Date.now()): Promise<PublishedKey | null> {
    let known = this.known.get(kid);
    if (!known || (known.publishUntil === null && now - known.checkedAt > ACTIVE_CACHE_MS)) {
      const stored = await this.store.keys.getKey(kid);
      if (!stored) return null; // not remembered: unknown kids come from anyone
      const key = known?.key ?? (importJWK(publicJwk(stored), 'RS256') as Promise<CryptoKey>);
      known = { poolId: stored.poolId, purpose: stored.purpose, publishUntil: stored.active ? null : (stored.publishUntil ?? 0), checkedAt: now, key };
      this.known.set(kid, known);
      this.forgetOnFailure(this.known, kid, known, key);
    }
    if (known.poolId !== poolId || !isTokenPurpose(known.purpose)) return null;
    if (known.publishUntil !== null && known.publishUntil <= now) return null;
    return { purpose: known.purpose, key: await known.key };
  }

  /** Retires both active keys (published until `now` + 1 day + 5 min) and makes new ones active. */
  async rotate(poolId: string, now: Millis): Promise<void> {
    for (const purpose of TOKEN_KEY_PURPOSES)
      await this.store.keys.rotateKey(await this.newKey(poolId, purpose, now), now, now + RETIRED_KEY_PUBLISH_MS);
    this.active.clear();
    for (const k of this.known.values()) k.checkedAt = -Infinity; // the active ones are retired now
  }

  private async loadActive(poolId: string, purpose: TokenKeyPurpose): Promise<ActiveKey> {
    let stored = await this.store.keys.getActiveKey(poolId, purpose);
    if (!stored) {
      // Keys only for pools that exist: a request naming any pool id must not add rows.
      if (!(await this.store.pools.getPool(poolId))) throw new Error(`no pool ${poolId}`);
      stored = await this.store.keys.addKeyIfNone(await this.newKey(poolId, purpose, Date.now()));
    }
    const { kid, privateKey } = stored;
    let key = this.privateKeys.get(kid);
    if (!key) {
      key = importPKCS8(this.sealer.unseal(privateKey), 'RS256');
      this.privateKeys.set(kid, key);
      this.forgetOnFailure(this.privateKeys, kid, key, key);
    }
    return { kid, key: await key };
  }

  private async newKey(poolId: string, purpose: TokenKeyPurpose, now: Millis): Promise<Omit<SigningKey, 'active' | 'retiredAt' | 'publishUntil'>> {
    const pair = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const { kty, n, e } = await exportJWK(pair.publicKey);
    const kid = randomBytes(32).toString('base64'); // 44 characters ending in `=`, like Cognito's
    return {
      kid, poolId, purpose, alg: 'RS256', certificate: null, createdAt: now,
      publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' },
      privateKey: this.sealer.seal(await exportPKCS8(pair.privateKey)),
    };
  }

  private async publishedTokenKeys(poolId: string, now: Millis): Promise<SigningKey[]> {
    return (await this.store.keys.listPublishedKeys(poolId, now)).filter((k) => isTokenPurpose(k.purpose));
  }

  /** Drops a cache entry whose key could not be imported, so the next call tries again. */
  private forgetOnFailure<T>(map: Map<string, T>, kid: string, entry: T, key: Promise<unknown>): void {
    key.catch(() => map.get(kid) === entry && map.delete(kid));
  }
}

/** The public members only, whatever else the stored JWK holds. */
function publicJwk(k: SigningKey): JWK {
  const { kty, n, e } = k.publicJwk as { kty: string; n: string; e: string };
  return { kty, n, e, kid: k.kid, alg: 'RS256', use: 'sig' };
}
