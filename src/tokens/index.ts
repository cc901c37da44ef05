// Tokens: the pools' signing keys and JWKS, minting and verifying ID/access tokens (Cognito's claims),
// and opaque refresh tokens with rotation, reuse detection and revocation.
export { KeyRing, RETIRED_KEY_PUBLISH_MS, TOKEN_KEY_PURPOSES, type ActiveKey, type PublishedKey, type TokenKeyPurpose } from './keys.js';
export {
  accessTokenClaims, atHash, clientCredentialsClaims, idTokenClaims, identitiesClaim, readableAttributes, userInfoClaims,
  type ClientCredentialsSubject, type TokenSubject,
} from './claims.js';
export { mintAccessToken, mintClientCredentialsToken, mintIdToken } from './mint.js';
export { InvalidToken, verifyPoolToken, type VerifyOptions } from './verify.js';
export { isFamilyActive, RefreshError, RefreshTokens, type IssueOptions, type UseOptions } from './refresh.js';
