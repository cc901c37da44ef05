// The last line of defence: anything a route did not turn into its caller's error shape becomes a
// JSON error here. An unreachable store is 503 (retry later); anything else unexpected is 500.
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { StoreUnavailable } from '../directory/errors.js';

export function errorBoundary(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const reqLog: Logger = ctx.state.log ?? log;
      if (err instanceof StoreUnavailable) {
        reqLog.warn({ err: err.message }, 'store unavailable');
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = { error: 'temporarily_unavailable', message: 'The user directory is unavailable. Try again shortly.' };
        return;
      }
      const status = (err as { status?: number; expose?: boolean }).status;
      if (status && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) {
        ctx.status = status;
        ctx.body = { error: 'invalid_request', message: (err as Error).message };
        return;
      }
      reqLog.error({ err }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: 'server_error', message: 'Internal error.' };
    }
  };
}
