// ISS/oauth2/idpresponse: where Google, Facebook, Amazon, Apple and OIDC providers send the browser
// back (GET, or Apple's form_post). The auth core takes the flow, checks the browser and signs in.
import type { Context } from 'koa';
import { completeOAuthCallback } from '../auth/index.js';
import type { Pool } from '../directory/types.js';
import { browserOf } from '../http/browser.js';
import type { Services } from '../services.js';
import { render } from './render.js';

function strings(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (source && typeof source === 'object')
    for (const [k, v] of Object.entries(source)) if (typeof v === 'string' && v.length <= 16_384) out[k] = v;
  return out;
}

export async function idpResponseEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const method = ctx.method === 'POST' ? 'POST' : 'GET';
  const params = strings(method === 'POST' ? ctx.request.body : ctx.query);
  const result = await completeOAuthCallback(s, { pool, method, params, browser: browserOf(ctx, s, pool.id) });
  // The continuation of a provider's POST is a 303 (to a GET); the rest keep the provider's method.
  render(ctx, s, pool, result, method === 'POST' ? 303 : 302);
}
