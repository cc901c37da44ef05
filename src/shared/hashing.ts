// Hashing helpers every layer uses (the providers too): what we only ever compare is kept as a hash.
import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 (base64url) of a high-entropy secret: authorization codes, refresh tokens, session ids, flow states. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Constant-time comparison of two strings. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
