// Password storage: argon2id with OWASP's minimum parameters (19 MiB, t=2, p=1), passwords NFKC-normalised
// first (so composed and decomposed "é" are one password), never truncated or case-folded.
import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { isForeignHash, verifyForeignHash } from './foreign-hashes.js';
import { TooManyRequestsException } from './errors.js';
import { DEFAULT_HASH_CONCURRENCY, DEFAULT_HASH_QUEUE, HashGate } from './hash-gate.js';

const ARGON2ID = 2 as Algorithm; // a const enum: not readable at runtime under isolatedModules
const VERSION_0x13 = 1;
export const PASSWORD_HASH_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } satisfies Options;

/** Every argon2 call of the process goes through this gate (hash-gate.ts says why). */
export const passwordGate = new HashGate(DEFAULT_HASH_CONCURRENCY, DEFAULT_HASH_QUEUE);

export const normalizePassword = (password: string): string => password.normalize('NFKC');

export function hashPassword(password: string): Promise<string> {
  return passwordGate.run(() => hash(normalizePassword(password), PASSWORD_HASH_OPTIONS));
}

/** `needsRehash`: the password is right but the hash was made with other parameters than ours. */
export async function verifyPassword(stored: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }> {
  // An imported hash (bcrypt, scrypt, PBKDF2): right once, then replaced by ours.
  if (isForeignHash(stored)) {
    const ok = await passwordGate.run(() => verifyForeignHash(stored, password));
    return { ok, needsRehash: ok };
  }
  let ok = false;
  try {
    ok = await passwordGate.run(() => verify(stored, normalizePassword(password)));
    // An imported argon2id hash was made from the password as typed, not our NFKC form.
    if (!ok && !current(stored) && normalizePassword(password) !== password) ok = await passwordGate.run(() => verify(stored, password));
  } catch (err) {
    if (err instanceof TooManyRequestsException) throw err;
    return { ok: false, needsRehash: false }; // not an argon2 hash we can read
  }
  return { ok, needsRehash: ok && !current(stored) };
}

function current(stored: string): boolean {
  const p = parseOptions(stored);
  const o = PASSWORD_HASH_OPTIONS;
  return p.algorithm === o.algorithm && p.version === VERSION_0x13 && p.memoryCost === o.memoryCost && p.timeCost === o.timeCost && p.parallelism === o.parallelism;
}

let dummy: Promise<string> | undefined;

/** The hash unknown users are checked against: made once, with the very parameters of real ones. */
export function dummyHash(): Promise<string> {
  dummy ??= hash(randomBytes(32).toString('base64url'), PASSWORD_HASH_OPTIONS);
  return dummy;
}

/** Costs what a real verification costs, for unknown users: the answer's timing must not tell them apart. */
export async function verifyDummy(password: string): Promise<void> {
  const stored = await dummyHash();
  await passwordGate.run(() => verify(stored, normalizePassword(password)));
}
