// What the public actions share: finding the client (and its pool) with its proof, the account
// context, and Cognito's shapes for a result.
import type { CodeDeliveryDetails } from '../../native/accounts.js';
import { accountContext, type AuthResult } from '../../auth/index.js';
import type { AppClient, Pool } from '../../directory/types.js';
import type { IssuedTokens } from '../../tokens/issue.js';
import type { ApiCall } from '../action.js';
import { checkSecretHash, clientOf } from '../clients.js';

export interface ClientCall {
  pool: Pool;
  client: AppClient;
  ctx: ReturnType<typeof accountContext>;
}

/** The client a call names, its SECRET_HASH checked for `username` when the client has a secret. */
export async function forClient(call: ApiCall, clientId: string, username: string | null, secretHash: string | undefined): Promise<ClientCall> {
  const { client, pool } = await clientOf(call.s, clientId);
  if (username !== null) checkSecretHash(call.s, client, username, secretHash);
  return { pool, client, ctx: accountContext(client, call.ip) };
}

export const deliveryShape = (d: CodeDeliveryDetails | null) => (d ? { CodeDeliveryDetails: d } : {});

/** Cognito's AuthenticationResult for issued tokens (no RefreshToken when none was issued). */
export const authenticationResult = (t: IssuedTokens, newDevice?: { DeviceKey: string; DeviceGroupKey: string }) => ({
  AccessToken: t.accessToken, ExpiresIn: t.expiresIn, TokenType: 'Bearer',
  ...(t.refreshToken ? { RefreshToken: t.refreshToken } : {}), ...(t.idToken ? { IdToken: t.idToken } : {}),
  ...(newDevice ? { NewDeviceMetadata: newDevice } : {}),
});

/** An auth core result as InitiateAuth / RespondToAuthChallenge answer it; a refusal is thrown for the door's table. */
export function authResponse(r: AuthResult): Record<string, unknown> {
  switch (r.kind) {
    case 'tokens':
      return { ChallengeParameters: {}, AuthenticationResult: authenticationResult(r.tokens, r.newDevice) };
    case 'challenge':
      return { ChallengeName: r.name, Session: r.session, ChallengeParameters: r.parameters, ...(r.available ? { AvailableChallenges: r.available } : {}) };
    case 'failed':
      throw r.error;
    default:
      throw new Error(`an API sign-in cannot answer with ${r.kind}`);
  }
}
