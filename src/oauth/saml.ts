// The pool as a SAML Service Provider over HTTP: ISS/saml2/metadata, the Assertion Consumer Service
// ISS/saml2/idpresponse (SP- and IdP-initiated), and single logout at ISS/saml2/logout.
import type { Context } from 'koa';
import { DirectoryError } from '../directory/errors.js';
import { sha256 } from '../shared/hashing.js';
import type { AppClient, IdentityProvider, PendingFlow, Pool } from '../directory/types.js';
import type { AppRequest } from '../federation/flow.js';
import { MappingError } from '../federation/mapping.js';
import { completeSaml, spConfigOf } from '../federation/saml.js';
import { cookiesFor } from '../http/cookies.js';
import { logoutResponseUrl, readRedirectMessage, SamlUnknownKeyError } from '../../providers/saml/requests.js';
import { spMetadataXml } from '../../providers/saml/sp-metadata.js';
import { SamlError, type IdpMetadata } from '../../providers/saml/types.js';
import { issuerOf, type Services } from '../services.js';
import { errorPage } from '../ui/pages.js';
import { startSession } from '../ui/session.js';
import { pickParams, validateAuthorize, type AuthorizeParams, type ValidRequest } from './authorize-request.js';
import { redirectWithCode } from './codes.js';
import { continueAsGet, failurePage, resumed, show } from './callback-pages.js';
import { BINDING_COOKIE } from './idpresponse.js';

const MAX_RESPONSE_CHARS = 300_000;


export async function spMetadataEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  ctx.type = 'application/samlmetadata+xml';
  ctx.set('Cache-Control', 'public, max-age=300');
  ctx.body = spMetadataXml(await spConfigOf(s, pool));
}

/** The pool's SAML provider named by identity_provider, or owning idp_identifier (an email's domain works too). */
export async function samlProviderFor(s: Services, pool: Pool, params: { identity_provider?: string; idp_identifier?: string }): Promise<IdentityProvider | null> {
  if (params.identity_provider) return s.store.pools.getProvider(pool.id, params.identity_provider);
  if (!params.idp_identifier) return null;
  const id = params.idp_identifier.trim();
  return (await s.store.pools.findProviderByIdentifier(pool.id, id)) ?? (id.includes('@') ? s.store.pools.findProviderByIdentifier(pool.id, id.slice(id.lastIndexOf('@') + 1)) : null);
}

/** The app request an IdP-initiated RelayState names: its client and one of its registered redirect URIs. */
async function unsolicitedRequest(s: Services, pool: Pool, relayState: string): Promise<{ req: ValidRequest; provider: IdentityProvider } | string> {
  const params = Object.fromEntries(new URLSearchParams(relayState));
  const v = await validateAuthorize(pickParams(params), (id) => s.store.pools.getClient(pool.id, id));
  if (!v.ok) return v.redirect ? `The sign-in request in RelayState is not valid: ${v.description}.` : v.message;
  const provider = await samlProviderFor(s, pool, v.request.params);
  if (!provider || provider.settings.ProviderType !== 'SAML' || !v.request.client.settings.SupportedIdentityProviders.includes(provider.name))
    return 'RelayState does not name a SAML identity provider of this app.';
  return { req: v.request, provider };
}


/** POST (from the IdP) or GET ?resume= (our own continuation) of ISS/saml2/idpresponse. */
export async function acsEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  let fields: Record<string, unknown> = ctx.method === 'POST' ? ((ctx.request.body ?? {}) as Record<string, unknown>) : {};
  let flow: PendingFlow | null = null;
  if (ctx.method === 'GET') {
    const r = await resumed(s, pool, ctx.query.resume);
    if (!r) return show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-in has expired. Start again from the app.'));
    ({ fields, flow } = r);
  }
  const samlResponse = typeof fields.SAMLResponse === 'string' ? fields.SAMLResponse : '';
  const relayState = typeof fields.RelayState === 'string' ? fields.RelayState : '';
  if (!samlResponse || samlResponse.length > MAX_RESPONSE_CHARS) return show(ctx, 400, errorPage(pool.settings.PoolName, 'The identity provider sent no usable SAML response.'));

  // SP-initiated: RelayState names our flow (taken once). The IdP's post is cross-site, so the Lax
  // cookie that binds the flow to this browser is missing: continue with a top-level GET.
  const binding = cookiesFor(ctx, s, pool.id).get(BINDING_COOKIE);
  if (!flow && relayState && relayState.length <= 64) {
    flow = await s.store.flows.consumeFlow(sha256(relayState), s.now());
    if (flow && (flow.poolId !== pool.id || !(flow.data as { saml?: boolean }).saml)) flow = null;
    if (flow && ctx.method === 'POST' && !binding)
      return continueAsGet(ctx, s, pool, { SAMLResponse: samlResponse, RelayState: relayState }, flow, `${issuerOf(s, pool.id)}/saml2/idpresponse`);
  }
  if (flow && (!binding || sha256(binding) !== flow.browserHash))
    return show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-in was started in another browser. Start again from the app.'));

  let req: ValidRequest;
  let provider: IdentityProvider | null;
  if (flow) {
    const app = (flow.data as { app: AppRequest }).app;
    const client = await s.store.pools.getClient(pool.id, app.params.client_id!);
    provider = await s.store.pools.getProvider(pool.id, flow.providerName);
    if (!client || !provider) return show(ctx, 400, errorPage(pool.settings.PoolName, 'The app or the identity provider is no longer configured.'));
    req = { params: app.params as unknown as AuthorizeParams, client: client as AppClient, scopes: app.scopes };
  } else {
    const unsolicited = relayState ? await unsolicitedRequest(s, pool, relayState) : 'The response names no sign-in request of ours (RelayState).';
    if (typeof unsolicited === 'string') return show(ctx, 400, errorPage(pool.settings.PoolName, unsolicited));
    ({ req, provider } = unsolicited);
  }

  try {
    const { user, assertion } = await completeSaml(s, pool, provider, flow, samlResponse);
    if (!user.enabled) return failurePage(ctx, pool, 403, req.params, 'access_denied', 'User is disabled.');
    const session = await startSession(ctx, s, pool.id, user, { via: provider.name, nameId: assertion.nameId, nameIdFormat: assertion.nameIdFormat, sessionIndex: assertion.sessionIndex });
    await s.store.audit.record({ poolId: pool.id, time: s.now(), type: 'sign_in.federated', userId: user.id, clientId: req.client.clientId, ip: ctx.ip, detail: { provider: provider.name, saml: flow ? 'sp-initiated' : 'idp-initiated' } });
    ctx.status = 303;
    ctx.redirect(await redirectWithCode(s, pool.id, req, user, session));
  } catch (err) {
    s.log.warn({ poolId: pool.id, provider: provider.name, err: (err as Error).message }, 'SAML response refused');
    await s.store.audit.record({ poolId: pool.id, time: s.now(), type: 'sign_in.federated_failure', userId: null, clientId: req.client.clientId, ip: ctx.ip, detail: { provider: provider.name, reason: (err as Error).message.slice(0, 200) } });
    if (err instanceof SamlError)
      return err.kind === 'config'
        ? failurePage(ctx, pool, 502, req.params, 'temporarily_unavailable', `Sign-in with ${provider.name} is not available right now.`)
        : failurePage(ctx, pool, 400, req.params, 'invalid_request', `${provider.name} sent a response that could not be verified.`);
    if (err instanceof MappingError || err instanceof DirectoryError) return failurePage(ctx, pool, 400, req.params, 'invalid_request', err.message);
    throw err;
  }
}

/** ISS/saml2/logout: the IdP's LogoutResponse (after our LogoutRequest) or its own LogoutRequest. */
export async function sloEndpoint(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const query = Object.fromEntries(Object.entries(ctx.query).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const rawQuery = ctx.querystring;
  const providers = (await s.store.pools.listProviders(pool.id)).filter((p) => p.settings.ProviderType === 'SAML' && p.settings.ProviderDetails.IDPSignout === 'true');
  // Whichever of the pool's IdPs signed the message is the one speaking.
  const sp = await spConfigOf(s, pool);
  for (const provider of providers) {
    const read = async (idp: IdpMetadata) =>
      readRedirectMessage(query, rawQuery, idp, { now: s.now(), sloUrl: sp.sloUrl, allowSha1: provider.settings.ProviderDetails.AllowSha1 === 'true' });
    let message;
    try {
      message = await read(await s.samlMetadata.get(provider));
    } catch (err) {
      // Signed by a key we do not know yet: the IdP may have rolled over; look once more (rate-limited).
      const refreshed = err instanceof SamlUnknownKeyError ? await s.samlMetadata.refreshAfterUnknownKey(provider) : null;
      if (!refreshed) continue;
      try {
        message = await read(refreshed);
      } catch {
        continue;
      }
    }
    if (message.kind === 'LogoutResponse') {
      const flow = message.relayState ? await s.store.flows.consumeFlow(sha256(message.relayState), s.now()) : null;
      const data = flow?.data as { logoutRequestId?: string; logoutUri?: string } | undefined;
      if (!flow || flow.poolId !== pool.id || data?.logoutRequestId !== message.inResponseTo || !data?.logoutUri)
        return show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-out has expired or was already finished.'));
      return ctx.redirect(data.logoutUri);
    }
    // IdP-initiated: end every hosted session of that identity's user, then answer.
    const identity = message.nameId ? await s.store.identities.findIdentity(pool.id, provider.name, message.nameId) : null;
    if (identity) await s.store.flows.deleteUserSessions(pool.id, identity.userId);
    await s.store.audit.record({ poolId: pool.id, time: s.now(), type: 'sign_out.saml_idp', userId: identity?.userId ?? null, clientId: null, ip: ctx.ip, detail: { provider: provider.name } });
    return ctx.redirect(logoutResponseUrl(sp, await s.samlMetadata.get(provider), { inResponseTo: message.id, relayState: message.relayState, now: s.now() }));
  }
  show(ctx, 400, errorPage(pool.settings.PoolName, 'This sign-out message is not signed by an identity provider of this pool.'));
}
