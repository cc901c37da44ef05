// The server side of Cognito's USER_SRP_AUTH: SRP-6a as Cognito and its clients (amazon-cognito-identity-js,
// Amplify v6) do it: functions over hex strings, keeping no state but one lazily made OpenSSL object.
//
//   N, g = 2       the RFC 5054 / RFC 3526 3072-bit MODP group (OpenSSL's modp15), H = SHA-256
//   padHex(n)      even-length hex, "00" prepended when the first nibble is ≥ 8 (Java's toByteArray)
//   H(hex…)        SHA-256 of the bytes the concatenated hex decodes to
//   k              H(padHex(N) ‖ padHex(g))
//   x              H(padHex(salt) ‖ SHA256hex(utf8(poolName ‖ userIdForSrp ‖ ":" ‖ password)))
//   v              g^x                        (the verifier, kept with the user; salt: 16 random bytes)
//   B              k·v + g^b, b 256 random bits (NIST SP 800-56A's size for 128-bit strength)
//   u              H(padHex(A) ‖ padHex(B)),  S = (A·v^u)^b
//   K              HKDF-SHA256(ikm = padHex(S), salt = padHex(u), info = "Caldera Derived Key"), 16 bytes
//   signature      Base64(HMAC-SHA256(K, utf8(poolName) ‖ utf8(userIdForSrp) ‖ SECRET_BLOCK bytes ‖ utf8(TIMESTAMP)))
//
// Every number is handled as an integer, never as the hex it came in: the clients parse SALT, SRP_B
// and the hashes into big integers and re-encode them with padHex, so leading zeros vanish (a u whose
// hash starts 00 is 31 bytes) and a top bit set adds a 00 byte. The 3072-bit exponentiations run in
// OpenSSL (a DiffieHellman object: computeSecret(base) is base^privateKey mod N, constant-time in the
// exponent); BigInt does only the cheap multiplications and additions.
import { createDiffieHellman, createHash, createHmac, getDiffieHellman, hkdfSync, randomBytes, type DiffieHellman } from 'node:crypto';
import { safeEqual } from '../shared/hashing.js';

export interface SrpVerifier {
  /** 16 random bytes, hex: sent as the challenge's SALT. */
  salt: string;
  /** v = g^x mod N, padHex. */
  verifier: string;
}

const PRIME = getDiffieHellman('modp15').getPrime();
/** The group's prime (RFC 3526 group 15, amazon-cognito-identity-js's initN). */
export const N = BigInt(`0x${PRIME.toString('hex')}`);
const G = 2n;
const SALT_BYTES = 16;
const B_SECRET_BYTES = 32;
/** SRP_A as the clients send it: unpadded hex of a number below N; more than this is not one. */
const MAX_A_HEX = 1024;
const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INFO = 'Caldera Derived Key';
export const DEFAULT_MAX_SKEW_MS = 5 * 60_000;

/** Even-length hex of a non-negative integer, with a 00 sign byte when the top bit is set (the clients' padHex). */
export function padHex(n: bigint): string {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  return /^[89a-f]/.test(h) ? `00${h}` : h;
}

const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();
const hashHex = (hex: string): bigint => BigInt(`0x${sha256(Buffer.from(hex, 'hex')).toString('hex')}`);
const bytesOf = (n: bigint): Buffer => Buffer.from(padHex(n), 'hex');
const numberOf = (hex: string): bigint => BigInt(`0x${hex}`);

const K_MULTIPLIER = hashHex(padHex(N) + padHex(G));

// Made once, at the first exponentiation: createDiffieHellman(prime, generator) checks the prime (the
// safe-prime test behind its verifyError) for about 1.5 s, blocking; then each exponentiation takes
// about 0.7 ms. Only synchronous code touches it, so setting
// the exponent and using it cannot interleave with another caller.
let engine: DiffieHellman | undefined;

/**
 * base^exp mod N in OpenSSL. computeSecret answers a 384-byte, zero-padded value and throws
 * ERR_CRYPTO_INVALID_KEYLEN for a base outside [2, N−2] ("too small" for 0 and 1, "too large" from
 * N−1 on), so those bases are answered here; the exponent may be any length (not reduced).
 */
function modPow(base: bigint, exp: bigint): bigint {
  base %= N;
  if (exp === 0n) return 1n;
  if (base === 0n || base === 1n) return base;
  if (base === N - 1n) return exp % 2n === 0n ? 1n : N - 1n;
  engine ??= createDiffieHellman(PRIME, Buffer.from([Number(G)]));
  engine.setPrivateKey(bytesOf(exp));
  return numberOf(engine.computeSecret(bytesOf(base)).toString('hex'));
}

/** Makes the OpenSSL engine now (its prime check takes about 1.5 s) rather than at the first exponentiation. */
export function warmUp(): void {
  modPow(G, 2n);
}

/** The part of a pool id after the '_' (`local_Main1` → `Main1`): what the clients call the pool name. */
export function srpPoolName(poolId: string): string {
  // As both JS clients do (split('_')[1]). An id with two '_' (allowed by the id pattern) is taken
  // differently by other clients (the Android SDK keeps everything after the first '_').
  return poolId.split('_')[1] ?? '';
}

function privateX(poolName: string, userIdForSrp: string, password: string, salt: string): bigint {
  const inner = sha256(`${poolName}${userIdForSrp}:${password}`).toString('hex');
  return hashHex(padHex(numberOf(salt)) + inner);
}

/**
 * A new verifier (random salt) for a password. `userIdForSrp` is the USER_ID_FOR_SRP the challenge will
 * name (the clients hash that, not the name typed), `poolName` the srpPoolName of the pool's id: a
 * verifier is bound to both. The password is hashed as given (UTF-8): the caller decides its form
 * (our passwords are NFKC-normalised for argon2, but an SRP client hashes the password as typed, with
 * no normalisation, so a verifier from the NFKC form matches only clients typing it in that form).
 */
export function makeVerifier(poolName: string, userIdForSrp: string, password: string): SrpVerifier {
  const salt = randomBytes(SALT_BYTES).toString('hex');
  return { salt, verifier: padHex(modPow(G, privateX(poolName, userIdForSrp, password, salt))) };
}

/**
 * A verifier for a name that has none (unknown user, no password): a real group element, with a salt
 * and value stable per (key, pool, name) and unrelated across names, so repeated challenges for the
 * name look like a real user's. Nobody knows a password for it; its cost is one exponentiation, as
 * makeVerifier's.
 */
export function fakeVerifier(key: Buffer, poolName: string, name: string): SrpVerifier {
  const mac = (purpose: string) => createHmac('sha256', key).update(JSON.stringify([purpose, poolName, name])).digest();
  return { salt: mac('srp-fake-salt').subarray(0, SALT_BYTES).toString('hex'), verifier: padHex(modPow(G, numberOf(mac('srp-fake-x').toString('hex')))) };
}

/** Server's challenge: B (hex, as Cognito sends SRP_B: unpadded, lowercase) and the secret b to keep server-side. */
export function serverChallenge(v: SrpVerifier): { b: string; B: string } {
  const verifier = numberOf(v.verifier) % N;
  for (;;) {
    const b = randomBytes(B_SECRET_BYTES);
    const B = (K_MULTIPLIER * verifier + modPow(G, numberOf(b.toString('hex')))) % N;
    if (B !== 0n) return { b: b.toString('hex'), B: B.toString(16) }; // B ≡ 0 would be refused by the clients
  }
}

/**
 * Whether SRP_A can be a client's A: hex of a number in [2, N−2]. A ≡ 0 (0, N, 2N…) would make S = 0,
 * known without the password; 1 and N−1 are outside the range OpenSSL takes for a public value, and a
 * real A = g^a is never any of these. Check it at InitiateAuth too (verifyPasswordClaim does).
 */
export function isValidA(A: string): boolean {
  if (A.length > MAX_A_HEX || !HEX.test(A)) return false;
  const a = numberOf(A);
  return a >= 2n && a <= N - 2n;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIMESTAMP = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) UTC (\d{4})$/;

/** A TIMESTAMP as the clients write it: `Tue Feb 3 09:05:07 UTC 2026` (English, UTC, day not zero-padded). */
export function srpTimestamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * The time a TIMESTAMP names, or null unless it is exactly in the clients' form: the right weekday, a
 * real date, no zero-padded day (Cognito refuses `Sep 05` and a wrong weekday too).
 */
export function parseSrpTimestamp(s: string): number | null {
  const m = TIMESTAMP.exec(s);
  if (!m) return null;
  const [, month, day, h, min, sec, year] = m;
  const ms = Date.UTC(Number(year), MONTHS.indexOf(month!), Number(day), Number(h), Number(min), Number(sec));
  return Number.isFinite(ms) && srpTimestamp(ms) === s ? ms : null;
}

/** The 16-byte key both sides derive, or null when u = 0 (the clients refuse that B too). */
function sessionKey(A: bigint, B: bigint, b: bigint, v: bigint): Buffer | null {
  const u = hashHex(padHex(A) + padHex(B));
  if (u === 0n) return null;
  const S = modPow((A * modPow(v, u)) % N, b);
  return Buffer.from(hkdfSync('sha256', bytesOf(S), bytesOf(u), INFO, 16));
}

/**
 * True when the client's signature proves the password. Throws nothing for bad input: returns false.
 * `A` is SRP_A as received, `b`/`B` what serverChallenge gave for this challenge, `secretBlock` the
 * PASSWORD_CLAIM_SECRET_BLOCK (standard, padded base64; the caller checks it is the one it issued),
 * `timestamp` the TIMESTAMP, refused outside ±maxSkewMs (default 5 min) of `now` (ms).
 */
export function verifyPasswordClaim(o: {
  poolName: string; userIdForSrp: string; verifier: SrpVerifier; A: string; b: string; B: string;
  secretBlock: string; timestamp: string; signature: string; now: number; maxSkewMs?: number;
}): boolean {
  try {
    const at = parseSrpTimestamp(o.timestamp);
    if (at === null || !(Math.abs(o.now - at) <= (o.maxSkewMs ?? DEFAULT_MAX_SKEW_MS))) return false; // NaN is not within
    if (!isValidA(o.A) || !BASE64.test(o.secretBlock) || ![o.b, o.B, o.verifier.verifier].every((h) => HEX.test(h))) return false;
    const B = numberOf(o.B);
    if (B % N === 0n || B >= N) return false;
    const key = sessionKey(numberOf(o.A), B, numberOf(o.b), numberOf(o.verifier.verifier) % N);
    if (!key) return false;
    const expected = createHmac('sha256', key)
      .update(Buffer.from(o.poolName, 'utf8'))
      .update(Buffer.from(o.userIdForSrp, 'utf8'))
      .update(Buffer.from(o.secretBlock, 'base64'))
      .update(Buffer.from(o.timestamp, 'utf8'))
      .digest('base64');
    return safeEqual(expected, o.signature);
  } catch {
    return false;
  }
}
