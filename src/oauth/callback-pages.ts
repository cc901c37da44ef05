// What the provider callbacks (ISS/oauth2/idpresponse, ISS/saml2/idpresponse) share: continuing a
// provider's cross-site POST as a top-level GET, and the pages they answer with.
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { sha256 } from '../shared/hashing.js';
import type { PendingFlow, Pool } from '../directory/types.js';
import type { Services } from '../services.js';
import { html, page } from '../ui/html.js';
import { redirectWith, type AuthorizeParams } from './authorize-request.js';

const STASH_MS = 2 * 60_000;

export function show(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = body;
}

/**
 * A provider's form post (Apple, SAML IdPs) is cross-site: the SameSite=Lax cookie that binds the flow
 * to this browser is not sent with it. The caller takes the flow (single use) and the posted fields;
 * both are kept server-side for two minutes and the browser continues with a top-level GET to
 * `callbackUrl?resume=…`, which carries the cookie. Nothing is kept for a post that names no flow.
 */
export async function continueAsGet(ctx: Context, s: Services, pool: Pool, fields: Record<string, string>, flow: PendingFlow, callbackUrl: string): Promise<void> {
  const handle = randomBytes(32).toString('base64url');
  const now = s.now();
  await s.store.flows.saveFlow({ stateHash: sha256(`resume:${handle}`), poolId: pool.id, providerName: 'resume', browserHash: '-', data: { fields, flow }, createdAt: now, expiresAt: Math.min(now + STASH_MS, flow.expiresAt) });
  ctx.status = 303;
  ctx.redirect(`${callbackUrl}?resume=${handle}`);
}

/** What a `continueAsGet` kept (once), or null when expired, used or of another pool. */
export async function resumed(s: Services, pool: Pool, handle: unknown): Promise<{ fields: Record<string, string>; flow: PendingFlow } | null> {
  if (typeof handle !== 'string' || !handle) return null;
  const stashed = await s.store.flows.consumeFlow(sha256(`resume:${handle}`), s.now());
  if (!stashed || stashed.poolId !== pool.id) return null;
  const { fields, flow } = stashed.data as { fields: Record<string, string>; flow: PendingFlow };
  return { fields, flow };
}

/** A readable page for the user, with the way back to the app carrying an OAuth error (when the app is known). */
export function failurePage(ctx: Context, pool: Pool, status: number, app: AuthorizeParams | null, error: string, message: string): void {
  const back = app ? redirectWith(app.redirect_uri, { error, error_description: message, state: app.state }) : null;
  show(ctx, status, page({
    title: 'Sign-in did not work', poolName: pool.settings.PoolName, error: message,
    body: back ? html`<p><a href="${back}">Return to the app</a></p>` : html`<p>Start again from the app.</p>`,
  }));
}
