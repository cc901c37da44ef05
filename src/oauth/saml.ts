// The pool as a SAML Service Provider over HTTP: ISS/saml2/metadata, the Assertion Consumer Service
// ISS/saml2/idpresponse (SP- and IdP-initiated), and single logout at ISS/saml2/logout.
import type { Context } from 'koa';
import { completeSamlPost, handleLogoutMessage } from '../auth/index.js';
import type { Pool } from '../directory/types.js';
import { spMetadata } from '../federation/saml.js';
import { browserOf } from '../http/browser.js';
import type { Services } from '../services.js';
import { render } from './render.js';

export async function spMetadataEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  ctx.type = 'application/samlmetadata+xml';
  ctx.set('Cache-Control', 'public, max-age=300');
  ctx.body = await spMetadata(s, pool);
}

/** POST (from the IdP) or GET ?resume= (our own continuation) of ISS/saml2/idpresponse. */
export async function acsEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const post = ctx.method === 'POST';
  const fields = post ? ((ctx.request.body ?? {}) as Record<string, unknown>) : {};
  const result = await completeSamlPost(s, { pool, fields, ...(post ? {} : { resume: ctx.query.resume ?? '' }), browser: browserOf(ctx, s, pool.id) });
  render(ctx, s, pool, result, 303);
}

/** ISS/saml2/logout: the IdP's LogoutResponse (after our LogoutRequest) or its own LogoutRequest. */
export async function sloEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const query = Object.fromEntries(Object.entries(ctx.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
  render(ctx, s, pool, await handleLogoutMessage(s, { pool, query, rawQuery: ctx.querystring, ip: ctx.ip }));
}
