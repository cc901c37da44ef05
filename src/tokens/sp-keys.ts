// Our SP side of a pool: its entity id and endpoints, and its SAML key pairs (one signs our requests,
// one decrypts assertions), each with a self-signed certificate, created on first need and rotatable.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';
import type { Millis, Pool, SigningKey } from '../directory/types.js';
import type { SpConfig, SpKeyPair } from '../../providers/saml/types.js';

export type SamlKeyPurpose = 'saml-signing' | 'saml-encryption';

/** Our certificates are valid 10 years, as Cognito's. */
export const SP_CERT_VALIDITY_MS: Millis = 3650 * 86_400_000;
/** After a rotation the previous encryption key still decrypts (and stays in our metadata) this long. */
export const PREVIOUS_ENCRYPTION_KEY_MS: Millis = 30 * 86_400_000;
/** Certificates start a little in the past, for IdPs whose clocks run behind. */
const CERT_BACKDATE_MS: Millis = 300_000;
/** How long a process keeps the SP configuration it has seen (another process may have rotated). */
const CONFIG_CACHE_MS: Millis = 30_000;

const RSA: RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const subtleCrypto = webcrypto as unknown as Crypto;

type NewKey = Omit<SigningKey, 'active' | 'retiredAt' | 'publishUntil'>;

export class SpKeys {
  private readonly configs = new Map<string, { value: Promise<SpConfig>; until: Millis }>();
  // Keys never change once stored, so their unsealed forms are kept for good.
  private readonly pairs = new Map<string, SpKeyPair>();

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
  ) {}

  /** The pool's SP: entity id (SpEntityId, else the issuer), endpoints under `issuer`, and its keys, created if it has none. */
  config(pool: Pool, issuer: string): Promise<SpConfig> {
    const entityId = spEntityId(pool, issuer);
    const slot = `${pool.id}\n${issuer}\n${entityId}`;
    const cached = this.configs.get(slot);
    if (cached && cached.until > Date.now()) return cached.value;
    const value = this.load(pool.id, issuer, entityId);
    const entry = { value, until: Date.now() + CONFIG_CACHE_MS };
    this.configs.set(slot, entry);
    // A failure (store down) must not stick.
    value.catch(() => this.configs.get(slot) === entry && this.configs.delete(slot));
    return value;
  }

  /**
   * Replaces both key pairs. The previous signing key stops at once; the previous encryption key
   * keeps decrypting (second in `SpConfig.encryption`, listed in our metadata) for `keepPreviousMs`.
   */
  async rotate(poolId: string, now: Millis, keepPreviousMs: Millis = PREVIOUS_ENCRYPTION_KEY_MS): Promise<void> {
    const pool = await this.store.pools.getPool(poolId);
    if (!pool) throw new Error(`no pool ${poolId}`);
    for (const purpose of ['saml-signing', 'saml-encryption'] as const) {
      const current = await this.store.keys.getActiveKey(poolId, purpose);
      // The issuer is not known here: keep the subject the certificates were made with.
      const entityId = pool.settings.SpEntityId ?? (current?.certificate ? commonName(current.certificate) : null) ?? poolId;
      const key = await this.newKey(poolId, purpose, entityId, now);
      await this.store.keys.rotateKey(key, now, purpose === 'saml-encryption' ? now + keepPreviousMs : now);
    }
    this.configs.clear();
  }

  private async load(poolId: string, issuer: string, entityId: string): Promise<SpConfig> {
    const signing = await this.active(poolId, 'saml-signing', entityId);
    const encryption = await this.active(poolId, 'saml-encryption', entityId);
    const previous = (await this.store.keys.listPublishedKeys(poolId, Date.now()))
      .filter((k) => k.purpose === 'saml-encryption' && k.kid !== encryption.kid && k.certificate)
      .sort((a, b) => b.createdAt - a.createdAt);
    return {
      entityId,
      acsUrl: `${issuer}/saml2/idpresponse`,
      sloUrl: `${issuer}/saml2/logout`,
      signing: this.pair(signing),
      encryption: [this.pair(encryption), ...previous.map((k) => this.pair(k))],
    };
  }

  private async active(poolId: string, purpose: SamlKeyPurpose, entityId: string): Promise<SigningKey> {
    const stored = await this.store.keys.getActiveKey(poolId, purpose);
    if (stored) return stored;
    // One of concurrent first needs (in any process) wins; the others get its key.
    return this.store.keys.addKeyIfNone(await this.newKey(poolId, purpose, entityId, Date.now()));
  }

  private pair(k: SigningKey): SpKeyPair {
    let pair = this.pairs.get(k.kid);
    if (!pair) {
      if (!k.certificate) throw new Error(`SAML key ${k.kid} has no certificate`);
      pair = { privateKey: this.sealer.unseal(k.privateKey), certificate: k.certificate };
      this.pairs.set(k.kid, pair);
    }
    return pair;
  }

  private async newKey(poolId: string, purpose: SamlKeyPurpose, entityId: string, now: Millis): Promise<NewKey> {
    const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: `01${randomBytes(15).toString('hex')}`, // positive, 16 bytes
        name: [{ CN: [entityId] }],
        notBefore: new Date(now - CERT_BACKDATE_MS),
        notAfter: new Date(now + SP_CERT_VALIDITY_MS),
        keys,
        signingAlgorithm: RSA,
        // No key usage extension: a self-signed certificate limited to signing or encryption fails
        // OpenSSL's own issuer check, and IdPs read SP certificates only for their public keys.
      },
      subtleCrypto,
    );
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey)).toString('base64');
    const { kty, n, e } = await webcrypto.subtle.exportKey('jwk', keys.publicKey as unknown as webcrypto.CryptoKey);
    const kid = randomBytes(32).toString('base64url');
    const alg = purpose === 'saml-signing' ? 'RS256' : 'RSA-OAEP';
    return {
      kid, poolId, purpose, alg, createdAt: now,
      publicJwk: { kty, n, e, kid, alg, use: purpose === 'saml-signing' ? 'sig' : 'enc' },
      privateKey: this.sealer.seal(pem('PRIVATE KEY', pkcs8)),
      certificate: cert.toString('pem').replace(/\r\n/g, '\n').trimEnd() + '\n',
    };
  }
}

/**
 * The SP entity id of a pool: its SpEntityId, else its issuer. IdPs are configured with it (it is in
 * ISS/saml2/metadata), so it is part of the external surface; SpEntityId (e.g.
 * urn:amazon:cognito:sp:<poolId>) lets IdPs set up for Cognito keep working.
 */
export function spEntityId(pool: Pool, issuer: string): string {
  return pool.settings.SpEntityId ?? issuer;
}

function commonName(certificate: string): string | null {
  try {
    return new x509.X509Certificate(certificate).subjectName.getField('CN')[0] ?? null;
  } catch {
    return null;
  }
}

function pem(label: string, base64: string): string {
  return `-----BEGIN ${label}-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}
