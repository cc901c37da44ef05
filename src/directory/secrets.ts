// Secrets at rest: one-way hashes for what we only compare (codes, tokens, client secrets), and
// sealing (AES-256-GCM under a key derived from BROKER_KEY_SECRET) for what we must read back.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { safeEqual } from '../shared/hashing.js';

/** Salted HMAC-SHA-256 of a client secret, `s1$<salt>$<mac>`: unique per client, not reversible. */
export function hashClientSecret(secret: string, salt = randomBytes(16).toString('base64url')): string {
  const mac = createHmac('sha256', salt).update(secret, 'utf8').digest('base64url');
  return `s1$${salt}$${mac}`;
}

export function verifyClientSecret(secret: string, stored: string): boolean {
  const [scheme, salt] = stored.split('$');
  if (scheme !== 's1' || !salt) return false;
  return safeEqual(hashClientSecret(secret, salt), stored);
}

const SEALED = 'sealed:v1:';

/** Seals and unseals values with BROKER_KEY_SECRET; without it, values are kept in clear. */
export class Sealer {
  private readonly key: Buffer | null;

  constructor(secret: string | undefined) {
    this.key = secret ? Buffer.from(hkdfSync('sha256', secret, 'identity-broker', 'at-rest-encryption', 32)) : null;
  }

  get encrypting(): boolean {
    return this.key !== null;
  }

  seal(plain: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  unseal(stored: string): string {
    if (!stored.startsWith(SEALED)) return stored; // kept in clear (no BROKER_KEY_SECRET when written)
    if (!this.key) throw new Error('a value is sealed but BROKER_KEY_SECRET is not set');
    const raw = Buffer.from(stored.slice(SEALED.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('a sealed value cannot be opened: BROKER_KEY_SECRET differs from the one it was sealed with');
    }
  }
}

/**
 * A broker-wide HMAC key kept in the store under `name`: made once by whichever process asks first
 * (putIfAbsent), then the same for every process sharing the store. Loaded once per process.
 */
export class BrokerKey {
  private value: Promise<string> | undefined;

  constructor(
    private readonly meta: { putIfAbsent(key: string, value: string): Promise<string> },
    private readonly name: string,
  ) {}

  /** HMAC-SHA-256 of `message` under the key, base64url. */
  async mac(message: string): Promise<string> {
    this.value ??= this.meta.putIfAbsent(this.name, randomBytes(32).toString('base64url')).catch((err) => {
      this.value = undefined; // a store outage is retried at the next call
      throw err;
    });
    return createHmac('sha256', await this.value).update(message).digest('base64url');
  }
}
