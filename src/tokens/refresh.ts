// Opaque refresh tokens: 32 random bytes, stored only as SHA-256 hashes. One family per
// authentication (id = origin_jti), bound to its client, with rotation and reuse detection.
import { randomBytes } from 'node:crypto';
import { BrokerKey } from '../directory/secrets.js';
import { sha256 } from '../shared/hashing.js';
import type { Store } from '../directory/store.js';
import type { Millis, RefreshFamily } from '../directory/types.js';

export class RefreshError extends Error {
  override readonly name = 'RefreshError';
  constructor(
    readonly reason: 'invalid' | 'reused' | 'wrong_client',
    message: string,
  ) {
    super(message);
  }
}

/** A new family: its fields as the store keeps them (`originJti` also becomes its id), plus timing. */
export type IssueOptions = Pick<RefreshFamily, 'poolId' | 'clientId' | 'userId' | 'originJti' | 'authTime' | 'scopes' | 'codeHash'> & {
  /** The family's absolute lifetime: rotation never extends it. */
  lifetimeSec: number;
  now: Millis;
};

export interface UseOptions {
  clientId: string;
  rotate: boolean;
  graceMs: Millis;
  now: Millis;
  /** When given, a token of another pool's family is refused as wrong_client (client ids are per pool). */
  poolId?: string;
}

const newToken = () => randomBytes(32).toString('base64url');
const invalid = () => new RefreshError('invalid', 'Invalid Refresh Token');
const wrongClient = () => new RefreshError('wrong_client', 'Refresh Token was issued to another client');
const belongsTo = (f: RefreshFamily, clientId: string, poolId?: string) => f.clientId === clientId && (poolId === undefined || f.poolId === poolId);

export class RefreshTokens {
  /** Broker-wide key that derives a token's successor. */
  private readonly successorKey: BrokerKey;

  constructor(private readonly store: Store) {
    this.successorKey = new BrokerKey(store.meta, 'refresh-successor-key');
  }

  /**
   * A rotated token's successor is derived from it (HMAC under a broker key), not drawn at random:
   * retries within the grace period get the very same successor, so there is only ever one live
   * branch, and the successor is never stored in clear.
   */
  private successorOf(token: string): Promise<string> {
    return this.successorKey.mac(`successor:${token}`);
  }

  /** Starts a family with its first token; returns the token (shown once, never stored). */
  async issue(o: IssueOptions): Promise<string> {
    const token = newToken();
    const expiresAt = o.now + o.lifetimeSec * 1000;
    await this.store.tokens.createRefreshFamily(
      {
        id: o.originJti, poolId: o.poolId, clientId: o.clientId, userId: o.userId, originJti: o.originJti, authTime: o.authTime,
        scopes: o.scopes, codeHash: o.codeHash, createdAt: o.now, expiresAt,
      },
      { hash: sha256(token), createdAt: o.now, expiresAt },
    );
    return token;
  }

  /**
   * Checks a presented token. Without rotation it stays valid and no `token` is returned; with
   * rotation it is exchanged for the returned successor, and a rotated token presented again (after
   * `graceMs`) revokes the whole family.
   */
  async use(token: string, o: UseOptions): Promise<{ family: RefreshFamily; token?: string }> {
    if (typeof token !== 'string' || !token) throw invalid();
    const hash = sha256(token);
    const found = await this.store.tokens.findRefreshToken(hash, o.now);
    // Checked before rotating, so another client's attempt changes nothing.
    if (found && !belongsTo(found.family, o.clientId, o.poolId)) throw wrongClient();
    if (!o.rotate) {
      if (!found) throw invalid();
      return { family: found.family };
    }
    const next = await this.successorOf(token);
    // The successor lives no longer than its family (the store clamps to the family's expiry too, and
    // a token of an expired family is dead anyway).
    const expiresAt = found?.family.expiresAt ?? Number.MAX_SAFE_INTEGER;
    const result = await this.store.tokens.rotateRefreshToken(hash, { hash: sha256(next), createdAt: o.now, expiresAt }, o.now, o.graceMs);
    switch (result.status) {
      case 'invalid':
        throw invalid();
      case 'reused':
        throw new RefreshError('reused', 'Refresh Token has been revoked');
      case 'rotated':
        // Only reachable for a token already rotated (in grace), which findRefreshToken does not show.
        if (!belongsTo(result.family, o.clientId, o.poolId)) throw wrongClient();
        return { family: result.family, token: next };
    }
  }

  /**
   * RFC 7009: revokes the token's whole family. Unknown, expired, rotated or already revoked tokens
   * resolve quietly; a token of another client (or pool, when given) throws wrong_client.
   */
  async revoke(token: string, clientId: string, now: Millis, poolId?: string): Promise<void> {
    if (typeof token !== 'string' || !token) return;
    const found = await this.store.tokens.findRefreshToken(sha256(token), now);
    if (!found) return;
    if (!belongsTo(found.family, clientId, poolId)) throw wrongClient();
    await this.store.tokens.revokeRefreshFamily(found.family.id, 'revoked by the client', now);
  }
}

/**
 * Whether tokens of that origin may still be honoured: false once its refresh family is revoked
 * (revoke, global sign-out, password reset) or expired; true when no family has that id (a
 * client-credentials token, or tokens issued without a refresh token).
 */
export async function isFamilyActive(store: Store, originJti: string, now: Millis = Date.now()): Promise<boolean> {
  if (!originJti) return true;
  const family = await store.tokens.getRefreshFamily(originJti);
  return !family || (family.revokedAt === null && family.expiresAt > now);
}
