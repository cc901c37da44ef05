// Resolves `/:poolId/...` to the pool, so every handler below gets a pool that exists.
import type { Context, Next } from 'koa';
import { POOL_ID } from '../directory/schema.js';
import type { Pool } from '../directory/types.js';
import type { Services } from '../services.js';

export function loadPool(s: Services) {
  return async (ctx: Context, next: Next) => {
    const id = (ctx as Context & { params?: Record<string, string> }).params?.poolId ?? '';
    const pool = POOL_ID.test(id) ? await s.store.pools.getPool(id) : null;
    if (!pool) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', message: 'No such user pool.' };
      return;
    }
    ctx.state.pool = pool;
    await next();
  };
}

export const poolOf = (ctx: Context): Pool => ctx.state.pool as Pool;
