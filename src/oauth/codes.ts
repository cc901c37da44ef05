// Authorization codes: 32 random bytes, stored only as a hash, single use, five minutes, bound to the
// client, the redirect URI, the PKCE challenge, the scopes and the nonce of the request.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../shared/hashing.js';
import type { HostedSession, User } from '../directory/types.js';
import type { Services } from '../services.js';
import { redirectWith, type ValidRequest } from './authorize-request.js';

export const CODE_MS = 5 * 60_000;

/** Issues a code for the request and returns where to send the browser. */
export async function redirectWithCode(s: Services, poolId: string, req: ValidRequest, user: User, session: HostedSession): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const now = s.now();
  await s.store.tokens.saveAuthCode({
    hash: sha256(code), poolId, clientId: req.client.clientId, userId: user.id, redirectUri: req.params.redirect_uri,
    scopes: req.scopes, codeChallenge: req.params.code_challenge ?? null, codeChallengeMethod: req.params.code_challenge_method ?? null,
    nonce: req.params.nonce ?? null, authTime: session.authTime, sessionId: session.idHash, extra: {},
    createdAt: now, expiresAt: now + CODE_MS,
  });
  return redirectWith(req.params.redirect_uri, { code, state: req.params.state });
}
