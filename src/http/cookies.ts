// Cookie attributes in one place: HttpOnly always, Secure whenever the public URL is https, scoped to
// one pool's path, so sessions of different pools never mix. Written by hand rather than through
// ctx.cookies, which refuses Secure cookies behind a TLS-terminating proxy.
import type { Context } from 'koa';

export interface CookieOptions {
  path: string;
  maxAgeMs?: number;
  sameSite: 'Lax' | 'Strict' | 'None';
  secure: boolean;
}

const SAFE_VALUE = /^[A-Za-z0-9_-]*$/;

export function setCookie(ctx: Context, name: string, value: string, o: CookieOptions): void {
  if (!SAFE_VALUE.test(value)) throw new Error('cookie values are base64url');
  const parts = [`${name}=${value}`, `Path=${o.path}`, 'HttpOnly', `SameSite=${o.sameSite}`];
  // SameSite=None is only honoured on Secure cookies.
  if (o.secure || o.sameSite === 'None') parts.push('Secure');
  if (o.maxAgeMs !== undefined) {
    parts.push(`Max-Age=${Math.floor(o.maxAgeMs / 1000)}`);
    parts.push(`Expires=${new Date(Date.now() + o.maxAgeMs).toUTCString()}`);
  }
  ctx.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(ctx: Context, name: string, o: Pick<CookieOptions, 'path' | 'secure'>): void {
  ctx.append('Set-Cookie', `${name}=; Path=${o.path}; HttpOnly; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${o.secure ? '; Secure' : ''}`);
}

export function readCookie(ctx: Context, name: string): string | undefined {
  const v = ctx.cookies.get(name);
  return v && SAFE_VALUE.test(v) ? v : undefined;
}
