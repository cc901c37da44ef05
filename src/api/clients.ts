// Which app client (and so which pool) a call is for, and its proof: a client with a secret must send
// SECRET_HASH = Base64(HMAC-SHA256(secret, username + clientId)), as Cognito requires.
import { createHmac } from 'node:crypto';
import { safeEqual } from '../shared/hashing.js';
import type { AppClient, Pool } from '../directory/types.js';
import { plainSecrets } from '../directory/client-secrets.js';
import type { Services } from '../services.js';
import { apiException } from './errors.js';

/** The client and its pool; ResourceNotFoundException for an unknown (or ambiguous) client id, as Cognito answers. */
export async function clientOf(s: Services, clientId: string): Promise<{ client: AppClient; pool: Pool }> {
  const found = await s.store.pools.findClientsById(clientId);
  const pool = found.length === 1 ? await s.store.pools.getPool(found[0]!.poolId) : null;
  if (!pool) throw apiException('ResourceNotFoundException', 'User pool client ' + clientId + ' does not exist.');
  return { client: found[0]!, pool };
}

/** Checks SECRET_HASH for a client with a secret (no secret: nothing to check). */
export function checkSecretHash(s: Services, client: AppClient, username: string, secretHash: string | undefined): void {
  if (client.secretHash === null) return;
  const refuse = () => apiException('NotAuthorizedException', `Unable to verify secret hash for client ${client.clientId}`);
  if (!secretHash) throw refuse();
  // Any live secret will do: during a rotation apps hold the old one or the new one.
  const ok = plainSecrets(s.sealer, client).some((secret) => safeEqual(createHmac('sha256', secret).update(username + client.clientId, 'utf8').digest('base64'), secretHash));
  if (!ok) throw refuse();
}

/** The client's ExplicitAuthFlows (Cognito's default set when none are declared, schema.ts) allows this flow. */
export function checkAuthFlow(client: AppClient, flow: 'ALLOW_USER_PASSWORD_AUTH' | 'ALLOW_ADMIN_USER_PASSWORD_AUTH' | 'ALLOW_USER_SRP_AUTH' | 'ALLOW_REFRESH_TOKEN_AUTH' | 'ALLOW_USER_AUTH'): void {
  if (!client.settings.ExplicitAuthFlows.includes(flow)) throw apiException('InvalidParameterException', `${flow.replace('ALLOW_', '')} flow not enabled for this client`);
}
