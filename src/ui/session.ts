// The hosted-UI session: a random id in an HttpOnly cookie scoped to the pool's path, stored only as a
// hash, one hour long (Cognito's), renewed at every sign-in so a planted id never becomes a session.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { sha256 } from '../shared/hashing.js';
import type { HostedSession, User } from '../directory/types.js';
import { cookiesFor } from '../http/cookies.js';
import type { Services } from '../services.js';

export const SESSION_COOKIE = 'brk_session';
export const SESSION_MS = 60 * 60_000;

/** The live session of this browser in the pool, with its user (enabled), or null. */
export async function currentSession(ctx: Context, s: Services, poolId: string): Promise<{ session: HostedSession; user: User } | null> {
  const id = cookiesFor(ctx, s, poolId).get(SESSION_COOKIE);
  if (!id) return null;
  const session = await s.store.flows.findSession(sha256(id), s.now());
  if (!session || session.poolId !== poolId) return null;
  const user = await s.store.users.getUser(poolId, session.userId);
  if (!user || !user.enabled) return null;
  return { session, user };
}

/** Starts a fresh session (dropping any earlier one of this browser) and sets its cookie. */
export async function startSession(ctx: Context, s: Services, poolId: string, user: User, data: Record<string, unknown>): Promise<HostedSession> {
  await endSession(ctx, s, poolId);
  const id = randomBytes(32).toString('base64url');
  const now = s.now();
  const session: HostedSession = {
    idHash: sha256(id), poolId, userId: user.id, authTime: Math.floor(now / 1000), data, createdAt: now, expiresAt: now + SESSION_MS,
  };
  await s.store.flows.createSession(session);
  cookiesFor(ctx, s, poolId).set(SESSION_COOKIE, id, { sameSite: 'Lax', maxAgeMs: SESSION_MS });
  return session;
}

export async function endSession(ctx: Context, s: Services, poolId: string): Promise<void> {
  const cookies = cookiesFor(ctx, s, poolId);
  const id = cookies.get(SESSION_COOKIE);
  if (!id) return;
  await s.store.flows.deleteSession(sha256(id));
  cookies.clear(SESSION_COOKIE);
}
