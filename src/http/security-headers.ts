// Headers for every page a browser shows (hosted UI, authorize): no framing, no referrer, no sniffing,
// and a policy that allows nothing from outside (the pages carry their own inline style, and one script allowed by its hash).
import type { Context, Next } from 'koa';
import { PASSKEY_SCRIPT_HASH } from '../views/scripts.js';

// Scripts: only the pages' one passkey script, by its hash.
export const PAGE_CSP = `default-src 'none'; script-src ${PASSKEY_SCRIPT_HASH}; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'`;

export function pageHeaders(secure: boolean) {
  return async (ctx: Context, next: Next) => {
    ctx.set('Content-Security-Policy', PAGE_CSP);
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (secure) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    await next();
  };
}
