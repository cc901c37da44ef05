// The federated entrances: beginning a sign-in at a provider, and completing it when the provider
// answers, by an OAuth/OIDC callback or a posted SAML Response (ours, or IdP-initiated). The flow is
// taken once by its state and must belong to this browser; the answer is verified by the provider's
// adapter (src/federation); then the one admission and finishing step signs the user in.
import { sha256 } from '../shared/hashing.js';
import type { AppClient, IdentityProvider, Pool } from '../directory/types.js';
import { completeAtProvider, MAX_RESPONSE_CHARS, startAtProvider } from '../federation/adapters.js';
import { providerFor } from '../federation/saml.js';
import { pickParams, validateAuthorize, type AuthorizeParams, type ValidRequest } from './app-request.js';
import { admitAndFinish, recordFailure, type Entrance } from './admit.js';
import { acsUrl, idpResponseUrl, type AuthDeps } from './deps.js';
import { FlowError } from './errors.js';
import { CONTINUATION_MS, FLOW_MS, newHandle, saveFlow, takeFlow, type FlowData } from './flows.js';
import { failed, isRefusal, type AuthResult } from './results.js';

/** What a door knows of the browser answering: its binding cookie (raw value), its hosted session, its address. */
export interface Browser {
  binding: string | null;
  session?: string;
  ip: string | null;
}

const random = newHandle;
const MAX_RELAY_STATE = 64; // our RelayState is 43 characters; an IdP-initiated one is an authorize query

/**
 * Starts a sign-in at the provider the request names (identity_provider, or idp_identifier: an email's
 * domain routes to its company's IdP), among the app's own. `binding` is this browser's binding cookie.
 */
export async function beginFederated(d: AuthDeps, i: { pool: Pool; request: ValidRequest; binding: string }): Promise<AuthResult> {
  const { params } = i.request;
  const named = params.identity_provider !== undefined && params.identity_provider !== 'COGNITO' ? params.identity_provider : undefined;
  const found = await providerFor(d.store, i.pool, named ? { identity_provider: named } : { idp_identifier: params.idp_identifier });
  const provider = found && i.request.client.settings.SupportedIdentityProviders.includes(found.name) ? found : null;
  if (!provider) return failed(new FlowError('unknown_provider', `${named ?? params.idp_identifier} is not an identity provider of this client`), params);

  const saml = provider.settings.ProviderType === 'SAML';
  const state = random();
  const nonce = random();
  const codeVerifier = random();
  try {
    const { redirect, kept } = await startAtProvider(d, i.pool, provider, { redirectUri: saml ? acsUrl(d, i.pool.id) : idpResponseUrl(d, i.pool.id), state, nonce, codeVerifier });
    await saveFlow(d, 'federation', i.pool.id, state, {
      providerName: provider.name, protocol: saml ? 'saml' : 'oauth', browserHash: sha256(i.binding), nonce, codeVerifier, kept,
      app: { params: { ...params } as Record<string, string>, scopes: i.request.scopes },
    }, d.now() + FLOW_MS);
    return { kind: 'redirect', to: redirect };
  } catch (err) {
    if (!isRefusal(err)) throw err;
    d.log.warn({ poolId: i.pool.id, provider: provider.name, err: err.message }, 'federated sign-in could not start');
    return failed(err, params, provider.name);
  }
}

type Flow = FlowData['federation'];

/**
 * A provider's POST is cross-site, so the SameSite=Lax cookie binding the flow to this browser is not
 * sent with it. The flow (already taken) and the posted fields are kept server-side for two minutes and
 * the browser continues with a top-level GET to `callbackUrl?resume=…`, which carries the cookie.
 */
async function continueAsGet(d: AuthDeps, pool: Pool, fields: Record<string, string>, flow: Flow & { expiresAt: number }, callbackUrl: string): Promise<AuthResult> {
  const handle = random();
  const { expiresAt, ...kept } = flow;
  await saveFlow(d, 'continuation', pool.id, handle, { fields, flow: kept, flowExpiresAt: expiresAt }, Math.min(d.now() + CONTINUATION_MS, expiresAt));
  return { kind: 'redirect', to: `${callbackUrl}?resume=${handle}` };
}

const expired = () => new FlowError('expired', 'This sign-in has expired or was already used. Start again from the app.');
const otherBrowser = () => new FlowError('other_browser', 'This sign-in was started in another browser. Start again from the app.');
const notConfigured = () => new FlowError('not_configured', 'The app or the identity provider is no longer configured.');

/** The flow's app request and provider as configured now. */
async function requestOfFlow(d: AuthDeps, pool: Pool, flow: Flow): Promise<{ request: ValidRequest; provider: IdentityProvider } | null> {
  const params = flow.app.params as unknown as AuthorizeParams;
  const [client, provider] = await Promise.all([d.store.pools.getClient(pool.id, params.client_id), d.store.pools.getProvider(pool.id, flow.providerName)]);
  return client && provider ? { request: { params, client: client as AppClient, scopes: flow.app.scopes }, provider } : null;
}

/** Verifies the provider's answer and signs the user in; any refusal of the answer is audited and returned. */
async function complete(
  d: AuthDeps, pool: Pool, request: ValidRequest, provider: IdentityProvider, flow: Flow | null, state: string,
  callback: { method: 'GET' | 'POST'; params: Record<string, string>; redirectUri: string }, browser: Browser, entrance: Entrance, detail: Record<string, unknown>,
): Promise<AuthResult> {
  const facts = { pool, request, via: provider.name, entrance, ip: browser.ip, detail };
  try {
    const { user, identity } = await completeAtProvider(d, pool, provider, callback, flow && { state, nonce: flow.nonce, codeVerifier: flow.codeVerifier, kept: flow.kept });
    return await admitAndFinish(d, { ...facts, user, sessionData: identity.session ?? {}, previousSession: browser.session });
  } catch (err) {
    if (!isRefusal(err)) throw err;
    await recordFailure(d, facts, err);
    return failed(err, request.params, provider.name);
  }
}

/** The callback fields worth keeping across a continuation, each of bounded size. */
function callbackFields(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['state', 'code', 'error', 'error_description', 'error_reason', 'error_code', 'iss', 'user', 'id_token'])
    if (params[k] !== undefined) out[k] = params[k].slice(0, 16_384);
  return out;
}

/** ISS/oauth2/idpresponse: where Google, Facebook, Amazon, Apple and OIDC providers send the browser back. */
export async function completeOAuthCallback(d: AuthDeps, i: { pool: Pool; method: 'GET' | 'POST'; params: Record<string, string>; browser: Browser }): Promise<AuthResult> {
  const { pool, browser } = i;
  let { params, method } = i;
  const takeOAuthFlow = async (state: string) => {
    const f = await takeFlow(d, 'federation', pool.id, state);
    return f && f.protocol === 'oauth' ? f : null;
  };
  let flow: (Flow & { expiresAt?: number }) | null = null;
  if (method === 'POST' && !browser.binding && params.state) {
    // A provider's form_post (Apple) comes without our Lax cookie: continue as a GET.
    const taken = await takeOAuthFlow(params.state);
    return taken ? continueAsGet(d, pool, callbackFields(params), taken, idpResponseUrl(d, pool.id)) : failed(expired());
  }
  if (method === 'GET' && params.resume) {
    const kept = await takeFlow(d, 'continuation', pool.id, params.resume);
    if (!kept || kept.flowExpiresAt <= d.now()) return failed(new FlowError('expired', 'This sign-in has expired. Start again from the app.'));
    ({ fields: params, flow } = kept);
    method = 'POST';
  }
  if (!params.state) return failed(new FlowError('no_state', 'The identity provider did not send back the sign-in state. Start again from the app.'));
  flow ??= await takeOAuthFlow(params.state);
  if (!flow) return failed(expired());
  if (!browser.binding || sha256(browser.binding) !== flow.browserHash) return failed(otherBrowser());
  const known = await requestOfFlow(d, pool, flow);
  if (!known) return failed(notConfigured());
  return complete(d, pool, known.request, known.provider, flow, params.state, { method, params, redirectUri: idpResponseUrl(d, pool.id) }, browser, 'federated', {});
}

/** The app request an IdP-initiated RelayState names: its client and one of its registered redirect URIs. */
async function unsolicitedRequest(d: AuthDeps, pool: Pool, relayState: string): Promise<{ request: ValidRequest; provider: IdentityProvider } | FlowError> {
  const refuse = (message: string) => new FlowError('unsolicited', message);
  if (!relayState) return refuse('The response names no sign-in request of ours (RelayState).');
  const v = await validateAuthorize(pickParams(Object.fromEntries(new URLSearchParams(relayState))), (id) => d.store.pools.getClient(pool.id, id));
  if (!v.ok) return refuse(v.redirect ? `The sign-in request in RelayState is not valid: ${v.description}.` : v.message);
  const provider = await providerFor(d.store, pool, v.request.params);
  if (!provider || provider.settings.ProviderType !== 'SAML' || !v.request.client.settings.SupportedIdentityProviders.includes(provider.name))
    return refuse('RelayState does not name a SAML identity provider of this app.');
  return { request: v.request, provider };
}

/** ISS/saml2/idpresponse: a SAML Response posted by the IdP (`fields`), or our own continuation of one (`resume`). */
export async function completeSamlPost(d: AuthDeps, i: { pool: Pool; fields: Record<string, unknown>; resume?: unknown; browser: Browser }): Promise<AuthResult> {
  const { pool, browser } = i;
  let fields = i.fields;
  let flow: (Flow & { expiresAt?: number }) | null = null;
  const resuming = i.resume !== undefined;
  if (resuming) {
    const kept = await takeFlow(d, 'continuation', pool.id, i.resume);
    if (!kept || kept.flowExpiresAt <= d.now()) return failed(new FlowError('expired', 'This sign-in has expired. Start again from the app.'));
    ({ fields, flow } = kept);
  }
  const samlResponse = typeof fields.SAMLResponse === 'string' ? fields.SAMLResponse : '';
  const relayState = typeof fields.RelayState === 'string' ? fields.RelayState : '';
  if (!samlResponse || samlResponse.length > MAX_RESPONSE_CHARS) return failed(new FlowError('no_response', 'The identity provider sent no usable SAML response.'));

  // SP-initiated: RelayState is our flow's state (taken once). The IdP's post is cross-site: continue as a GET.
  if (!flow && relayState && relayState.length <= MAX_RELAY_STATE) {
    const taken = await takeFlow(d, 'federation', pool.id, relayState);
    flow = taken && taken.protocol === 'saml' ? taken : null;
    if (taken && flow && !resuming && !browser.binding)
      return continueAsGet(d, pool, { SAMLResponse: samlResponse, RelayState: relayState }, taken, acsUrl(d, pool.id));
  }
  if (flow && (!browser.binding || sha256(browser.binding) !== flow.browserHash)) return failed(otherBrowser());

  const known = flow ? await requestOfFlow(d, pool, flow) : await unsolicitedRequest(d, pool, relayState);
  if (known instanceof FlowError) return failed(known);
  if (!known) return failed(notConfigured());
  return complete(d, pool, known.request, known.provider, flow, relayState, { method: 'POST', params: { SAMLResponse: samlResponse, RelayState: relayState }, redirectUri: acsUrl(d, pool.id) },
    browser, 'saml', { saml: flow ? 'sp-initiated' : 'idp-initiated' });
}
