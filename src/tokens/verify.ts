// Verifying tokens this broker issued: only RS256, only keys the pool publishes (looked up by kid in
// the store, never fetched or taken from the token), exact issuer, and the token's use pinned.
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { KeyRing, TokenKeyPurpose } from './keys.js';

/** A token that must not be accepted; the message names the reason, never the token's contents. */
export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
}

export interface VerifyOptions {
  issuer: string;
  poolId: string;
  use: TokenKeyPurpose;
  /** Must equal `aud` (ID token) or `client_id` (access token) when given. */
  clientId?: string;
  /** Epoch milliseconds; the current time by default. */
  now?: number;
}

// Headers that point at keys elsewhere: we never follow them, and a token that carries them is not ours.
const FOREIGN_KEY_HEADERS = ['jwk', 'jku', 'x5u', 'x5c'];
const MAX_TOKEN_LENGTH = 16_384;

export async function verifyPoolToken(ring: KeyRing, token: string, o: VerifyOptions): Promise<JWTPayload> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new InvalidToken('malformed token');
  const now = o.now ?? Date.now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(
      token,
      async (header) => {
        if (FOREIGN_KEY_HEADERS.some((h) => h in header)) throw new InvalidToken('unexpected key header');
        if (typeof header.kid !== 'string') throw new InvalidToken('no key id');
        // The key must also sign this kind of token: an ID key never vouches for an access token.
        const found = await ring.publishedKey(o.poolId, header.kid, now);
        if (!found || found.purpose !== o.use) throw new InvalidToken('unknown key');
        return found.key;
      },
      { algorithms: ['RS256'], issuer: o.issuer, currentDate: new Date(now), requiredClaims: ['exp', 'iat', 'sub'] },
    ));
  } catch (err) {
    if (err instanceof InvalidToken) throw err;
    if (err instanceof errors.JOSEError) throw new InvalidToken(reason(err));
    throw err; // the store failed: not the token's fault
  }
  if (payload.token_use !== o.use) throw new InvalidToken('wrong token use');
  if (o.clientId !== undefined && (o.use === 'id' ? payload.aud : payload.client_id) !== o.clientId)
    throw new InvalidToken(o.use === 'id' ? 'wrong audience' : 'wrong client');
  return payload;
}

function reason(err: errors.JOSEError): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `invalid ${err.claim} claim`;
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  return 'malformed token';
}
