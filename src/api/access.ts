// The user an access token speaks for, on the self-service actions (GetUser, ChangePassword,
// GlobalSignOut…): a token this broker signed for one of its pools (the pool is read from the token's
// issuer, then everything is verified against that pool's keys), an access token with Cognito's
// `aws.cognito.signin.user.admin` scope, of a sign-in not revoked, of a user still enabled.
import { decodeJwt } from 'jose';
import type { AppClient, Pool, User } from '../directory/types.js';
import { SELF_SERVICE_SCOPE } from '../tokens/issue.js';
import { isFamilyActive } from '../tokens/refresh.js';
import { InvalidToken, verifyPoolToken } from '../tokens/verify.js';
import type { Services } from '../services.js';
import { apiException } from './errors.js';

export interface Caller {
  pool: Pool;
  client: AppClient;
  user: User;
  /** The sign-in the token came from (its refresh family). */
  originJti: string;
}


export async function callerOf(s: Services, accessToken: string): Promise<Caller> {
  const invalid = (message = 'Invalid Access Token') => apiException('NotAuthorizedException', message);
  let iss: unknown;
  try {
    iss = decodeJwt(accessToken).iss;
  } catch {
    throw invalid();
  }
  const prefix = `${s.publicUrl}/`;
  const poolId = typeof iss === 'string' && iss.startsWith(prefix) ? iss.slice(prefix.length) : '';
  const pool = poolId && !poolId.includes('/') ? await s.store.pools.getPool(poolId) : null;
  if (!pool) throw invalid();
  let payload;
  try {
    payload = await verifyPoolToken(s.keys, accessToken, { issuer: s.issuerOf(pool.id), poolId: pool.id, use: 'access', now: s.now() });
  } catch (err) {
    if (err instanceof InvalidToken) throw invalid(err.message === 'token expired' ? 'Access Token has expired' : 'Invalid Access Token');
    throw err;
  }
  if (!String(payload.scope ?? '').split(' ').includes(SELF_SERVICE_SCOPE)) throw invalid('Access Token does not have required scopes');
  const originJti = String(payload.origin_jti ?? '');
  const [user, client] = await Promise.all([
    typeof payload.sub === 'string' ? s.store.users.findUserBySub(pool.id, payload.sub) : null,
    typeof payload.client_id === 'string' ? s.store.pools.getClient(pool.id, payload.client_id) : null,
  ]);
  if (!user || !client || !(await isFamilyActive(s.store, originJti, s.now()))) throw invalid('Access Token has been revoked');
  if (!user.enabled) throw apiException('NotAuthorizedException', 'User is disabled.');
  return { pool, client, user, originJti };
}
