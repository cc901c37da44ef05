// Hosted-UI sessions: a random id that only the browser holds (the store keeps its hash), one hour
// long as Cognito's, opened anew at every sign-in so a planted id never becomes a session.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../shared/hashing.js';
import type { Store } from '../directory/store.js';
import type { HostedSession, User } from '../directory/types.js';
import type { NewSession } from './results.js';

export const SESSION_MS = 60 * 60_000;

interface SessionDeps {
  store: Store;
  now(): number;
}

/** The live session `id` names in the pool, with its user (still enabled), or null. */
export async function findSession(d: SessionDeps, poolId: string, id: string | undefined): Promise<{ session: HostedSession; user: User } | null> {
  if (!id) return null;
  const session = await d.store.flows.findSession(sha256(id), d.now());
  if (!session || session.poolId !== poolId) return null;
  const user = await d.store.users.getUser(poolId, session.userId);
  if (!user || !user.enabled) return null;
  return { session, user };
}

/** Opens a session for the user, ending the browser's earlier one (`previousId`). */
export async function openSession(d: SessionDeps, poolId: string, user: User, data: Record<string, unknown>, previousId?: string): Promise<{ session: HostedSession; cookie: NewSession }> {
  if (previousId) await closeSession(d, previousId);
  const id = randomBytes(32).toString('base64url');
  const now = d.now();
  const session: HostedSession = {
    idHash: sha256(id), poolId, userId: user.id, authTime: Math.floor(now / 1000), data, createdAt: now, expiresAt: now + SESSION_MS,
  };
  await d.store.flows.createSession(session);
  return { session, cookie: { id, maxAgeMs: SESSION_MS } };
}

export async function closeSession(d: SessionDeps, id: string): Promise<void> {
  await d.store.flows.deleteSession(sha256(id));
}

/** How recent a sign-in must be to change its own security settings (MFA) on the hosted pages. */
export const FRESH_SIGN_IN_MS = 15 * 60_000;

/**
 * The session's user when the session signed in within FRESH_SIGN_IN_MS: a stolen or long-open
 * session cookie cannot turn a user's MFA off. Null otherwise (the page asks to sign in again).
 */
export async function freshSession(d: SessionDeps, poolId: string, id: string | undefined): Promise<{ session: HostedSession; user: User } | null> {
  const found = await findSession(d, poolId, id);
  return found && found.session.authTime * 1000 + FRESH_SIGN_IN_MS >= d.now() ? found : null;
}
