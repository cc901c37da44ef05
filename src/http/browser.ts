// The sign-in cookies of a browser, for the doors: the hosted session, the binding that ties a
// federated flow to the browser that began it, and the handle of a challenge it is answering. The
// values are random and only the browser holds them; the auth core keeps their hashes.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { FLOW_MS, CHALLENGE_MS, type Browser, type NewSession } from '../auth/index.js';
import type { Services } from '../services.js';
import { cookiesFor } from './cookies.js';

export const SESSION_COOKIE = 'brk_session';
export const BINDING_COOKIE = 'brk_fed';
/** Marks the browser whose sign-in stopped at a challenge (a sign-up awaiting its code), so it continues after. */
export const CHALLENGE_COOKIE = 'brk_pending';

/** What the auth core needs to know of this browser. */
export function browserOf(ctx: Context, s: Services, poolId: string): Browser {
  const cookies = cookiesFor(ctx, s, poolId);
  const session = cookies.get(SESSION_COOKIE);
  return { binding: cookies.get(BINDING_COOKIE) ?? null, ...(session ? { session } : {}), ip: ctx.ip };
}

/** This browser's binding for federated flows (made on first need), scoped to the pool: both idpresponse endpoints read it. */
export function bindingOf(ctx: Context, s: Services, poolId: string): string {
  const cookies = cookiesFor(ctx, s, poolId);
  let value = cookies.get(BINDING_COOKIE);
  if (!value || value.length !== 43) value = randomBytes(32).toString('base64url');
  cookies.set(BINDING_COOKIE, value, { sameSite: 'Lax', maxAgeMs: FLOW_MS });
  return value;
}

export const sessionCookie = (ctx: Context, s: Services, poolId: string): string | undefined => cookiesFor(ctx, s, poolId).get(SESSION_COOKIE);

export function setSession(ctx: Context, s: Services, poolId: string, session: NewSession): void {
  cookiesFor(ctx, s, poolId).set(SESSION_COOKIE, session.id, { sameSite: 'Lax', maxAgeMs: session.maxAgeMs });
}

export const clearSession = (ctx: Context, s: Services, poolId: string): void => cookiesFor(ctx, s, poolId).clear(SESSION_COOKIE);

export function setChallenge(ctx: Context, s: Services, poolId: string, handle: string): void {
  cookiesFor(ctx, s, poolId).set(CHALLENGE_COOKIE, handle, { sameSite: 'Lax', maxAgeMs: CHALLENGE_MS });
}

/** The challenge handle this browser carries (once: the cookie is cleared). */
export function takeChallenge(ctx: Context, s: Services, poolId: string): string | undefined {
  const cookies = cookiesFor(ctx, s, poolId);
  const value = cookies.get(CHALLENGE_COOKIE);
  if (value) cookies.clear(CHALLENGE_COOKIE);
  return value;
}

/** An HTML answer. */
export function showPage(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}
