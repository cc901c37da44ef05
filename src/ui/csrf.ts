// CSRF protection for the hosted forms: a double-submit token (a SameSite=Strict cookie that the form
// must repeat), and a refusal of any POST a browser marks as cross-site or from another origin.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { safeEqual } from '../directory/secrets.js';
import { readCookie, setCookie } from '../http/cookies.js';
import { secureCookies, type Services } from '../services.js';

const CSRF_COOKIE = 'brk_csrf';

/** The token to put in this browser's forms (made and set as a cookie on first need). */
export function csrfToken(ctx: Context, s: Services, poolId: string): string {
  const existing = readCookie(ctx, CSRF_COOKIE);
  if (existing && existing.length === 43) return existing;
  const token = randomBytes(32).toString('base64url');
  setCookie(ctx, CSRF_COOKIE, token, { path: `/${poolId}`, sameSite: 'Strict', secure: secureCookies(s) });
  return token;
}

export function isCrossSite(ctx: Context, s: Services): boolean {
  if (ctx.get('sec-fetch-site') === 'cross-site') return true;
  // Our pages send no referrer, so browsers post them with `Origin: null`: only a real other origin counts.
  const origin = ctx.get('origin');
  return origin !== '' && origin !== 'null' && origin !== new URL(s.publicUrl).origin;
}

/** True when the posted form carries this browser's token and does not come from another site. */
export function checkCsrf(ctx: Context, s: Services): boolean {
  if (isCrossSite(ctx, s)) return false;
  const cookie = readCookie(ctx, CSRF_COOKIE);
  const posted = (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
  return !!cookie && typeof posted === 'string' && safeEqual(cookie, posted);
}
