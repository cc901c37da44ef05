// Password hashes made by other systems, imported so users keep their passwords (CreateUserImportJob,
// `import-users`): bcrypt, scrypt and PBKDF2-SHA256 in the formats their libraries write, and
// argon2id (passwords.ts reads those). Each is checked once at the next sign-in and then replaced by
// the pool's own argon2id hash. Costs are bounded: a hash must not turn a sign-in into a denial of service.
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';

export const FOREIGN_ALGORITHMS = ['BCRYPT', 'SCRYPT', 'ARGON2ID', 'PBKDF2_SHA256'] as const;
export type ForeignAlgorithm = (typeof FOREIGN_ALGORITHMS)[number];

const MAX_BCRYPT_COST = 14;
const MAX_SCRYPT_LOG_N = 20;
const MAX_PBKDF2_ITERATIONS = 2_000_000;

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (p: string, s: Buffer, len: number, o: object) => Promise<Buffer>;

/** passlib's "adapted base64" (`.` for `+`, no padding) and plain base64 alike. */
const b64 = (s: string): Buffer => Buffer.from(s.replace(/\./g, '+'), 'base64');

type Parsed =
  | { kind: 'BCRYPT'; hash: string }
  | { kind: 'SCRYPT'; logN: number; r: number; p: number; salt: Buffer; key: Buffer }
  | { kind: 'PBKDF2_SHA256'; iterations: number; salt: Buffer; key: Buffer }
  | { kind: 'ARGON2ID'; hash: string };

/**
 * Reads a hash in one of the formats accepted, or says what is wrong with it:
 * - bcrypt: `$2a$`/`$2b$`/`$2y$` (cost at most 14);
 * - scrypt: passlib's `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>` (N at most 2^20);
 * - PBKDF2-SHA256: passlib's `$pbkdf2-sha256$<iterations>$<salt>$<key>` or Django's `pbkdf2_sha256$<iterations>$<salt>$<key>`;
 * - argon2id: the PHC string `$argon2id$v=19$m=…,t=…,p=…$<salt>$<key>`.
 */
export function parseForeignHash(stored: string): Parsed {
  let m = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/.exec(stored);
  if (m) {
    if (Number(m[1]) > MAX_BCRYPT_COST) throw new Error(`bcrypt cost ${m[1]} is above ${MAX_BCRYPT_COST}`);
    return { kind: 'BCRYPT', hash: stored };
  }
  m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/.=]+)\$([A-Za-z0-9+/.=]+)$/.exec(stored);
  if (m) {
    const [logN, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (logN < 1 || logN > MAX_SCRYPT_LOG_N || r < 1 || r > 16 || p < 1 || p > 16) throw new Error('scrypt parameters out of range (ln ≤ 20, r and p ≤ 16)');
    return { kind: 'SCRYPT', logN, r, p, salt: b64(m[4]!), key: b64(m[5]!) };
  }
  m = /^\$pbkdf2-sha256\$(\d{1,8})\$([A-Za-z0-9+/.=]+)\$([A-Za-z0-9+/.=]+)$/.exec(stored);
  const django = /^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,128})\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (m || django) {
    const iterations = Number((m ?? django)![1]);
    if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) throw new Error(`PBKDF2 iterations must be 1–${MAX_PBKDF2_ITERATIONS}`);
    return m ? { kind: 'PBKDF2_SHA256', iterations, salt: b64(m[2]!), key: b64(m[3]!) } : { kind: 'PBKDF2_SHA256', iterations, salt: Buffer.from(django![2]!, 'utf8'), key: Buffer.from(django![3]!, 'base64') };
  }
  if (/^\$argon2id\$v=19\$m=\d{1,7},t=\d{1,3},p=\d{1,3}\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.test(stored)) return { kind: 'ARGON2ID', hash: stored };
  throw new Error('not a bcrypt, scrypt, PBKDF2-SHA256 or argon2id hash in a supported format');
}

/** Checks a hash's format (against the algorithm an import job declares, if it does); the reason when it does not fit. */
export function foreignHashProblem(algorithm: ForeignAlgorithm | null, stored: string): string | null {
  try {
    const parsed = parseForeignHash(stored);
    return algorithm === null || parsed.kind === algorithm ? null : `the hash is ${parsed.kind}, not ${algorithm}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** True when `stored` is a foreign (not argon2) hash: verifyForeignHash reads it. */
export const isForeignHash = (stored: string): boolean => !stored.startsWith('$argon2');

/** Whether the password, as typed (the other system hashed it unnormalised), matches a bcrypt, scrypt or PBKDF2 hash. */
export async function verifyForeignHash(stored: string, password: string): Promise<boolean> {
  let p: Parsed;
  try {
    p = parseForeignHash(stored);
  } catch {
    return false;
  }
  switch (p.kind) {
    case 'BCRYPT':
      return bcrypt.compare(password, p.hash);
    case 'SCRYPT': {
      const N = 2 ** p.logN;
      const key = await scryptAsync(password, p.salt, p.key.length, { N, r: p.r, p: p.p, maxmem: 256 * N * p.r + 16 * 1024 * 1024 });
      return key.length === p.key.length && timingSafeEqual(key, p.key);
    }
    case 'PBKDF2_SHA256': {
      const key = await pbkdf2Async(password, p.salt, p.iterations, p.key.length, 'sha256');
      return timingSafeEqual(key, p.key);
    }
    default:
      return false; // argon2: passwords.ts
  }
}
