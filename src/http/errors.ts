// The last line of defence: anything a route did not turn into its caller's error shape becomes an
// error in that shape here. An unreadable body is the client's fault (400/413/415); an unreachable
// store is 503 (retry later); anything else unexpected is 500.
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { StoreUnavailable } from '../directory/errors.js';
import { html, page } from '../views/html.js';
import { BodyError } from './body.js';

/** Who is asking, by what the request looks like: the JSON API, an OAuth endpoint, or a browser. */
function shapeOf(ctx: Context): 'api' | 'oauth' | 'page' {
  if (ctx.get('x-amz-target') || ctx.is('application/x-amz-json-1.1')) return 'api';
  if (/\/oauth2\/(token|revoke|userInfo)$/.test(ctx.path) || ctx.path.endsWith('/.well-known/jwks.json')) return 'oauth';
  return ctx.method === 'POST' || ctx.accepts('html') === 'html' ? 'page' : 'oauth';
}

function answerBadRequest(ctx: Context, status: number, message: string): void {
  ctx.status = status;
  switch (shapeOf(ctx)) {
    case 'api':
      // Cognito's JSON API error shape (`__type` in the body, x-amzn-ErrorType in a header: what the AWS
      // SDKs read); an unreadable body is what the AWS SDKs call a SerializationException.
      ctx.set('x-amzn-ErrorType', 'SerializationException');
      if (ctx.state.requestId) ctx.set('x-amzn-RequestId', String(ctx.state.requestId));
      ctx.type = 'application/x-amz-json-1.1';
      ctx.body = JSON.stringify({ __type: 'SerializationException', message });
      return;
    case 'oauth':
      ctx.body = { error: 'invalid_request', error_description: message };
      return;
    case 'page':
      ctx.type = 'html';
      ctx.body = page({ title: 'Something is wrong with this request', poolName: 'Sign-in', error: message, body: html`<p>Go back to the app and try again.</p>` });
  }
}

export function errorBoundary(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const reqLog: Logger = ctx.state.log ?? log;
      if (err instanceof BodyError) {
        reqLog.info({ status: err.status, reason: err.message }, 'request body refused');
        return answerBadRequest(ctx, err.status, err.message);
      }
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
