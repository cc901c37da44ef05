// Signing out: the hosted session ends here, and a session that came from a SAML IdP with IDPSignout
// also ends at the IdP (our LogoutRequest, its LogoutResponse back at ISS/saml2/logout). An IdP's own
// LogoutRequest ends every hosted session of that identity's user.
import type { AppClient, Pool } from '../directory/types.js';
import { singleLogoutOf } from '../federation/adapters.js';
import type { AuthDeps } from './deps.js';
import { FlowError } from './errors.js';
import { FLOW_MS, newHandle, saveFlow, takeFlow } from './flows.js';
import { failed, isRefusal, type AuthResult } from './results.js';
import { closeSession, findSession } from './sessions.js';

/**
 * Ends the browser's hosted session (`session`: its cookie value) and says where to go: the IdP's
 * single logout first when the session came from one that takes it, else the app's logout URL.
 */
export async function signOut(d: AuthDeps, i: { pool: Pool; client: AppClient; logoutUri: string | null; session: string | undefined; ip: string | null }): Promise<{ to: string | null }> {
  const current = await findSession(d, i.pool.id, i.session);
  let to = i.logoutUri;
  const data = current?.session.data as { via?: string; nameId?: string; nameIdFormat?: string | null; sessionIndex?: string | null } | undefined;
  if (i.logoutUri && data?.via && data.nameId) {
    const provider = await d.store.pools.getProvider(i.pool.id, data.via);
    const logout = provider ? singleLogoutOf(d, i.pool, provider) : null;
    if (provider && logout) {
      try {
        const relayState = newHandle();
        const { redirect, requestId } = await logout.request({ session: { nameId: data.nameId, nameIdFormat: data.nameIdFormat ?? null, sessionIndex: data.sessionIndex ?? null }, relayState });
        await saveFlow(d, 'logout', i.pool.id, relayState, { providerName: provider.name, logoutRequestId: requestId, logoutUri: i.logoutUri }, d.now() + FLOW_MS);
        to = redirect;
      } catch (err) {
        if (!isRefusal(err)) throw err;
        // The IdP cannot be told: sign out here anyway.
        d.log.warn({ poolId: i.pool.id, provider: provider.name, err: err.message }, 'SAML single logout could not start');
      }
    }
  }
  if (i.session) await closeSession(d, i.session);
  if (current) await d.store.audit.record({ poolId: i.pool.id, time: d.now(), type: 'sign_out', userId: current.user.id, clientId: i.client.clientId, ip: i.ip, detail: { via: data?.via ?? 'COGNITO' } });
  return { to };
}

/** ISS/saml2/logout: the IdP's LogoutResponse (to our LogoutRequest) or its own LogoutRequest; whichever IdP signed it is speaking. */
export async function handleLogoutMessage(d: AuthDeps, i: { pool: Pool; query: Record<string, string>; rawQuery: string; ip: string | null }): Promise<AuthResult> {
  const providers = (await d.store.pools.listProviders(i.pool.id)).filter((p) => p.settings.ProviderType === 'SAML');
  for (const provider of providers) {
    const logout = singleLogoutOf(d, i.pool, provider);
    if (!logout) continue;
    let message;
    try {
      message = await logout.read(i.query, i.rawQuery);
    } catch (err) {
      if (isRefusal(err)) continue; // not this IdP's
      throw err;
    }
    if (message.kind === 'LogoutResponse') {
      const flow = await takeFlow(d, 'logout', i.pool.id, message.relayState);
      if (!flow || flow.providerName !== provider.name || flow.logoutRequestId !== message.inResponseTo)
        return failed(new FlowError('logout', 'This sign-out has expired or was already finished.'));
      return { kind: 'redirect', to: flow.logoutUri };
    }
    // IdP-initiated: end every hosted session of that identity's user, then answer.
    const identity = message.nameId ? await d.store.identities.findIdentity(i.pool.id, provider.name, message.nameId) : null;
    if (identity) await d.store.flows.deleteUserSessions(i.pool.id, identity.userId);
    await d.store.audit.record({ poolId: i.pool.id, time: d.now(), type: 'sign_out.saml_idp', userId: identity?.userId ?? null, clientId: null, ip: i.ip, detail: { provider: provider.name } });
    return { kind: 'redirect', to: await logout.respond({ inResponseTo: message.id, relayState: message.relayState }) };
  }
  return failed(new FlowError('logout', 'This sign-out message is not signed by an identity provider of this pool.'));
}
