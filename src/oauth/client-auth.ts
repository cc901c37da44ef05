// Client authentication at the token and revocation endpoints (RFC 6749 §2.3.1): client_secret_basic
// or client_secret_post, secrets compared in constant time against their stored hash.
import type { Context } from 'koa';
import { matchesClientSecret } from '../directory/client-secrets.js';
import type { AppClient } from '../directory/types.js';
import type { Services } from '../services.js';

export class ClientAuthError extends Error {
  constructor(readonly error: 'invalid_client' | 'invalid_request', message: string, readonly basic = false) {
    super(message);
  }
}

function fromBasic(header: string): { id: string; secret: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/** The authenticated client of this request, or ClientAuthError. */
export async function authenticateClient(ctx: Context, s: Services, poolId: string, body: Record<string, unknown>): Promise<AppClient> {
  const header = ctx.get('authorization');
  const basic = header ? fromBasic(header) : null;
  if (header && !basic) throw new ClientAuthError('invalid_client', 'malformed Authorization header', true);
  const postedSecret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  if (basic && postedSecret !== undefined) throw new ClientAuthError('invalid_request', 'use one client authentication method');
  const id = basic?.id ?? (typeof body.client_id === 'string' ? body.client_id : undefined);
  if (!id) throw new ClientAuthError('invalid_client', 'client authentication is required', !!basic);
  if (basic && typeof body.client_id === 'string' && body.client_id !== basic.id)
    throw new ClientAuthError('invalid_request', 'client_id does not match the Authorization header');
  const secret = basic?.secret ?? postedSecret;
  const client = await s.store.pools.getClient(poolId, id);
  if (!client) throw new ClientAuthError('invalid_client', 'client authentication failed', !!basic);
  if (client.secretHash === null) {
    // A public client has nothing to present; presenting a secret is a mistake or an attack.
    if (secret) throw new ClientAuthError('invalid_client', 'client authentication failed', !!basic);
    return client;
  }
  if (!secret || !matchesClientSecret(client, secret)) throw new ClientAuthError('invalid_client', 'client authentication failed', !!basic);
  return client;
}
