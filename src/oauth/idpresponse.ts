// ISS/oauth2/idpresponse: where Google, Facebook, Amazon, Apple and OIDC providers send the browser
// back. The flow is taken once by its state and must belong to this browser; then the provider's
// answer is verified, the user signed in, and the app gets a code (or an error, never a hang).
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { ProviderError } from '../../providers/provider.js';
import { DirectoryError } from '../directory/errors.js';
import { sha256 } from '../shared/hashing.js';
import type { PendingFlow, Pool } from '../directory/types.js';
import { completeFederation, FLOW_MS, type AppRequest } from '../federation/flow.js';
import { MappingError } from '../federation/mapping.js';
import { cookiesFor } from '../http/cookies.js';
import type { Services } from '../services.js';
import { errorPage } from '../ui/pages.js';
import { startSession } from '../ui/session.js';
import { redirectWith, type AuthorizeParams } from './authorize-request.js';
import { continueAsGet, failurePage, resumed, show } from './callback-pages.js';
import { redirectWithCode } from './codes.js';

export const BINDING_COOKIE = 'brk_fed';

const idpResponsePath = (poolId: string) => `/${poolId}/oauth2/idpresponse`;
export const idpResponseUrl = (s: Services, poolId: string) => `${s.publicUrl}${idpResponsePath(poolId)}`;

/** This browser's binding for federated flows (made on first need); the flow keeps only its hash. */
export function browserBinding(ctx: Context, s: Services, poolId: string): string {
  const cookies = cookiesFor(ctx, s, poolId);
  let value = cookies.get(BINDING_COOKIE);
  if (!value || value.length !== 43) value = randomBytes(32).toString('base64url');
  // Scoped to the pool: both ISS/oauth2/idpresponse and ISS/saml2/idpresponse read it.
  cookies.set(BINDING_COOKIE, value, { sameSite: 'Lax', maxAgeMs: FLOW_MS });
  return sha256(value);
}

function strings(source: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (source && typeof source === 'object')
    for (const [k, v] of Object.entries(source)) if (typeof v === 'string' && v.length <= 16_384) out[k] = v;
  return out;
}



/** The callback fields worth keeping across a continuation, each of bounded size. */
function callbackFields(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['state', 'code', 'error', 'error_description', 'error_reason', 'error_code', 'iss', 'user', 'id_token'])
    if (params[k] !== undefined) out[k] = params[k].slice(0, 16_384);
  return out;
}

export async function idpResponseEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  let params = strings(ctx.method === 'POST' ? ctx.request.body : ctx.query);
  const binding = cookiesFor(ctx, s, pool.id).get(BINDING_COOKIE);

  // Only OAuth/OIDC flows end here (SAML flows end at the ACS; the others are not flows of a provider).
  const takeFlow = async (state: string) => {
    const f = await s.store.flows.consumeFlow(sha256(state), s.now());
    return f && f.poolId === pool.id && f.providerName !== 'resume' && f.providerName !== 'COGNITO' && !(f.data as { saml?: boolean }).saml ? f : null;
  };
  const expired = () => show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-in has expired or was already used. Start again from the app.'));

  let flow: PendingFlow | null = null;
  let method: 'GET' | 'POST' = ctx.method === 'POST' ? 'POST' : 'GET';
  if (ctx.method === 'POST' && !binding && params.state) {
    // A provider's form_post (Apple) is a cross-site POST without our Lax cookie: continue as a GET.
    flow = await takeFlow(params.state);
    if (!flow) return expired();
    return continueAsGet(ctx, s, pool, callbackFields(params), flow, idpResponseUrl(s, pool.id));
  }
  if (ctx.method === 'GET' && params.resume) {
    const r = await resumed(s, pool, params.resume);
    if (!r) return show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-in has expired. Start again from the app.'));
    ({ fields: params, flow } = r);
    method = 'POST';
  }

  if (!params.state) return show(ctx, 400, errorPage(pool.settings.PoolName, 'The identity provider did not send back the sign-in state. Start again from the app.'));
  flow ??= await takeFlow(params.state);
  if (!flow) return expired();
  if (!binding || sha256(binding) !== flow.browserHash)
    return show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-in was started in another browser. Start again from the app.'));

  const app = (flow.data as { app: AppRequest }).app;
  const appParams = app.params as unknown as AuthorizeParams;
  const client = await s.store.pools.getClient(pool.id, appParams.client_id);
  const provider = await s.store.pools.getProvider(pool.id, flow.providerName);
  if (!client || !provider) return show(ctx, 400, errorPage(pool.settings.PoolName, 'The app or the identity provider is no longer configured.'));

  try {
    const user = await completeFederation(s, pool, provider, flow, params.state, { method, params, redirectUri: idpResponseUrl(s, pool.id) });
    if (!user.enabled) return failurePage(ctx, pool, 403, appParams, 'access_denied', 'User is disabled.');
    const session = await startSession(ctx, s, pool.id, user, { via: provider.name });
    await s.store.audit.record({ poolId: pool.id, time: s.now(), type: 'sign_in.federated', userId: user.id, clientId: client.clientId, ip: ctx.ip, detail: { provider: provider.name } });
    ctx.redirect(await redirectWithCode(s, pool.id, { params: appParams, client, scopes: app.scopes }, user, session));
  } catch (err) {
    s.log.warn({ poolId: pool.id, provider: provider.name, err: (err as Error).message }, 'federated sign-in refused');
    await s.store.audit.record({ poolId: pool.id, time: s.now(), type: 'sign_in.federated_failure', userId: null, clientId: client.clientId, ip: ctx.ip, detail: { provider: provider.name, reason: (err as Error).message.slice(0, 200) } });
    if (err instanceof ProviderError) {
      if (err.kind === 'denied') return ctx.redirect(redirectWith(appParams.redirect_uri, { error: 'access_denied', error_description: `${provider.name}: ${err.providerError ?? 'access denied'}`, state: appParams.state }));
      if (err.kind === 'unavailable') return failurePage(ctx, pool, 502, appParams, 'temporarily_unavailable', `${provider.name} is not answering properly. Try again later.`);
      if (err.kind === 'misconfigured') return failurePage(ctx, pool, 500, appParams, 'server_error', `Sign-in with ${provider.name} is not set up correctly.`);
      return failurePage(ctx, pool, 400, appParams, 'invalid_request', `${provider.name} sent an answer that could not be verified.`);
    }
    if (err instanceof MappingError || err instanceof DirectoryError) return failurePage(ctx, pool, 400, appParams, 'invalid_request', err.message);
    throw err;
  }
}
