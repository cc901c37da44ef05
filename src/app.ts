// Composes the broker's HTTP application: middleware and routers, nothing else.
import Router from '@koa/router';
import Koa from 'koa';
import { apiRouter } from './api/index.js';
import { importUploadRouter } from './api/import-upload.js';
import { readBody } from './http/body.js';
import { errorBoundary } from './http/errors.js';
import { requestLog } from './http/request-log.js';
import { oauthRouter } from './oauth/index.js';
import type { Services } from './services.js';
import { uiRouter } from './ui/index.js';

export function buildApp(s: Services): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true; // errors are logged by errorBoundary, once
  const health = new Router();

  // The process is up.
  health.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // The process can serve: the store answers.
  health.get('/ready', async (ctx) => {
    try {
      await s.store.ping();
      ctx.body = { status: 'ready', store: s.store.kind };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', store: s.store.kind };
    }
  });

  app.use(requestLog(s.log));
  app.use(errorBoundary(s.log));
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  // The import CSV is streamed, not parsed as a form or JSON: before the body reader.
  const upload = importUploadRouter(s);
  app.use(upload.routes());
  app.use(readBody());
  app.use(apiRouter(s)); // POST / with X-Amz-Target: the Cognito JSON API
  for (const router of [health, oauthRouter(s), uiRouter(s)]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
