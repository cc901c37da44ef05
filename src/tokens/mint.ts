// Signing ID, access and client-credentials tokens with the pool's active key of each purpose.
// `now` is epoch milliseconds; the claims carry epoch seconds.
import { SignJWT, type JWTPayload } from 'jose';
import { accessTokenClaims, clientCredentialsClaims, idTokenClaims, type ClientCredentialsSubject, type TokenSubject } from './claims.js';
import type { KeyRing, TokenKeyPurpose } from './keys.js';

export type { TokenSubject, ClientCredentialsSubject } from './claims.js';
export { userInfoClaims } from './claims.js';

async function sign(ring: KeyRing, poolId: string, purpose: TokenKeyPurpose, claims: JWTPayload): Promise<string> {
  const { kid, key } = await ring.signingKey(poolId, purpose);
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

function checkClient(o: { pool: { id: string }; client: { poolId: string } }): void {
  if (o.client.poolId !== o.pool.id) throw new Error('the app client belongs to another pool');
}

/** An ID token; with `accessToken`, its `at_hash` binds the two (code flow). */
export async function mintIdToken(ring: KeyRing, s: TokenSubject, now: number, accessToken?: string): Promise<string> {
  checkClient(s);
  return sign(ring, s.pool.id, 'id', idTokenClaims(s, now, accessToken));
}

export async function mintAccessToken(ring: KeyRing, s: TokenSubject, now: number): Promise<string> {
  checkClient(s);
  return sign(ring, s.pool.id, 'access', accessTokenClaims(s, now));
}

export async function mintClientCredentialsToken(ring: KeyRing, o: ClientCredentialsSubject, now: number): Promise<string> {
  checkClient(o);
  return sign(ring, o.pool.id, 'access', clientCredentialsClaims(o, now));
}
