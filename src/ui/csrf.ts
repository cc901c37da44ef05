// CSRF protection for the hosted forms. The browser holds a random secret in a SameSite=Strict cookie
// (`__Host-` under https); each form carries HMAC(broker key, pool + secret), which only this server can
// make. So a cookie an attacker manages to plant is worthless without the matching token, and a token
// copied from one browser fails in any other. Posts a browser marks as cross-site are refused as well.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { BrokerKey } from '../directory/secrets.js';
import { safeEqual } from '../shared/hashing.js';
import type { Store } from '../directory/store.js';
import { cookiesFor } from '../http/cookies.js';
import type { Services } from '../services.js';

const CSRF_COOKIE = 'brk_csrf';
const keys = new WeakMap<Store, BrokerKey>();

function tokenFor(s: Services, poolId: string, secret: string): Promise<string> {
  let key = keys.get(s.store);
  if (!key) keys.set(s.store, (key = new BrokerKey(s.store.meta, 'csrf-key')));
  return key.mac(`csrf:${poolId}:${secret}`);
}

/** The token to put in this browser's forms (its secret is made and set as a cookie on first need). */
export async function csrfToken(ctx: Context, s: Services, poolId: string): Promise<string> {
  const cookies = cookiesFor(ctx, s, poolId);
  let secret = cookies.get(CSRF_COOKIE);
  if (!secret || secret.length !== 43) {
    secret = randomBytes(32).toString('base64url');
    cookies.set(CSRF_COOKIE, secret, { sameSite: 'Strict' });
  }
  return tokenFor(s, poolId, secret);
}

export function isCrossSite(ctx: Context, s: Services): boolean {
  if (ctx.get('sec-fetch-site') === 'cross-site') return true;
  // Our pages send no referrer, so browsers post them with `Origin: null`: only a real other origin counts.
  const origin = ctx.get('origin');
  return origin !== '' && origin !== 'null' && origin !== new URL(s.publicUrl).origin;
}

/** True when the posted form carries the token of this browser's secret and does not come from another site. */
export async function checkCsrf(ctx: Context, s: Services, poolId: string): Promise<boolean> {
  if (isCrossSite(ctx, s)) return false;
  const secret = cookiesFor(ctx, s, poolId).get(CSRF_COOKIE);
  const posted = (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
  return !!secret && secret.length === 43 && typeof posted === 'string' && safeEqual(await tokenFor(s, poolId, secret), posted);
}
