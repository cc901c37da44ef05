// Composes the broker's HTTP application: middleware and routers, nothing else.
import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Store } from './directory/store.js';
import { errorBoundary } from './http/errors.js';
import { requestLog } from './http/request-log.js';

export interface AppDeps {
  store: Store;
  log: Logger;
  publicUrl: string;
}

export function buildApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by errorBoundary, once
  const router = new Router();

  // The process is up.
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // The process can serve: the store answers.
  router.get('/ready', async (ctx) => {
    try {
      await deps.store.ping();
      ctx.body = { status: 'ready', store: deps.store.kind };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', store: deps.store.kind };
    }
  });

  app.use(requestLog(deps.log));
  app.use(errorBoundary(deps.log));
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
