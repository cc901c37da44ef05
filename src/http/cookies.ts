// Cookie attributes in one place: HttpOnly always; one set of cookies per pool, so sessions of
// different pools never mix. Under https a cookie is `__Host-<name>-<poolId>` (Secure, Path=/, no
// Domain: a sibling subdomain or a plain-http page cannot plant or overwrite it); over plain http
// (development on loopback) it is `<name>` scoped to the pool's path. Written by hand rather than
// through ctx.cookies, which refuses Secure cookies behind a TLS-terminating proxy.
import type { Context } from 'koa';
import { secureCookies, type Services } from '../services.js';

export interface CookieOptions {
  maxAgeMs?: number;
  sameSite: 'Lax' | 'Strict' | 'None';
}

const SAFE_VALUE = /^[A-Za-z0-9_-]*$/;

/** The cookies of one pool for one request. */
export interface PoolCookies {
  get(name: string): string | undefined;
  set(name: string, value: string, o: CookieOptions): void;
  clear(name: string): void;
  /** The name the browser sees (tests and logs). */
  nameOf(name: string): string;
}

export function poolCookies(ctx: Context, poolId: string, secure: boolean): PoolCookies {
  const nameOf = (name: string) => (secure ? `__Host-${name}-${poolId}` : name);
  const path = secure ? '/' : `/${poolId}`;
  return {
    nameOf,
    get(name) {
      const v = ctx.cookies.get(nameOf(name));
      return v && SAFE_VALUE.test(v) ? v : undefined;
    },
    set(name, value, o) {
      if (!SAFE_VALUE.test(value)) throw new Error('cookie values are base64url');
      const parts = [`${nameOf(name)}=${value}`, `Path=${path}`, 'HttpOnly', `SameSite=${o.sameSite}`];
      // SameSite=None is only honoured on Secure cookies.
      if (secure || o.sameSite === 'None') parts.push('Secure');
      if (o.maxAgeMs !== undefined) {
        parts.push(`Max-Age=${Math.floor(o.maxAgeMs / 1000)}`);
        parts.push(`Expires=${new Date(Date.now() + o.maxAgeMs).toUTCString()}`);
      }
      ctx.append('Set-Cookie', parts.join('; '));
    },
    clear(name) {
      ctx.append('Set-Cookie', `${nameOf(name)}=; Path=${path}; HttpOnly; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${secure ? '; Secure' : ''}`);
    },
  };
}

/** The pool's cookies, Secure and `__Host-` whenever the public URL is https. */
export const cookiesFor = (ctx: Context, s: Pick<Services, 'publicUrl'>, poolId: string): PoolCookies =>
  poolCookies(ctx, poolId, secureCookies(s));
