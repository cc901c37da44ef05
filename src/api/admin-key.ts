// The management key pair (README.md, "Environment": ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY):
// from the environment, or generated on first start, printed once and kept in the store (sealed when
// BROKER_KEY_SECRET is set) so restarts keep it.
import { randomBytes } from 'node:crypto';
import type { Sealer } from '../directory/secrets.js';
import type { Store } from '../directory/store.js';

export interface AdminKey {
  accessKeyId: string;
  secretAccessKey: string;
}

const META_KEY = 'admin-key';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new key pair: an AWS-shaped id (`BRKR` + 16 base32 letters) and a 240-bit secret. Also access-keys.ts's. */
export function newKeyPair(): AdminKey {
  const id = Array.from(randomBytes(16), (b) => ALPHABET[b % 32]).join('');
  return { accessKeyId: `BRKR${id}`, secretAccessKey: randomBytes(30).toString('base64url') };
}

/** Returns the key pair and whether it was created just now (then, and only then, show it). */
export async function loadAdminKey(store: Store, sealer: Sealer, env: { ADMIN_ACCESS_KEY_ID?: string | undefined; ADMIN_SECRET_ACCESS_KEY?: string | undefined }): Promise<{ key: AdminKey; created: boolean; fromEnv: boolean }> {
  if (env.ADMIN_ACCESS_KEY_ID && env.ADMIN_SECRET_ACCESS_KEY)
    return { key: { accessKeyId: env.ADMIN_ACCESS_KEY_ID, secretAccessKey: env.ADMIN_SECRET_ACCESS_KEY }, created: false, fromEnv: true };
  const fresh = newKeyPair();
  const sealed = sealer.seal(JSON.stringify(fresh));
  const stored = await store.meta.putIfAbsent(META_KEY, sealed);
  return { key: JSON.parse(sealer.unseal(stored)) as AdminKey, created: stored === sealed, fromEnv: false };
}
