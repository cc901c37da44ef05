// The hosted page where a signed-in user manages their second factors: turn one on or off, enrol an
// authenticator app (its QR code drawn here), make new recovery codes, add or remove passkeys. Changes need a sign-in of the
// last 15 minutes (freshSession) and this browser's CSRF token; the rules are native/second-factors.ts's.
import type { Context } from 'koa';
import { freshSession, isRefusal } from '../auth/index.js';
import { completeRegistration, deletePasskey, startRegistration } from '../auth/passkeys.js';
import type { MfaFactor, Pool, User } from '../directory/types.js';
import { mfaOf, otpauthUri, poolFactors } from '../native/mfa.js';
import { sessionCookie, showPage as show } from '../http/browser.js';
import type { Services } from '../services.js';
import { qrSvg } from '../views/qr.js';
import { errorPage, mfaSettingsPage, passkeyPage, recoveryCodesPage, totpSetupPage, type PageContext } from '../views/pages.js';
import { checkCsrf, csrfToken } from './csrf.js';
import { pageStatusOf } from './errors.js';

const STALE = 'To change your two-step verification, sign in again first (it needs a sign-in of the last 15 minutes).';

async function contextOf(ctx: Context, s: Services, pool: Pool): Promise<PageContext> {
  return { pool, basePath: `/${pool.id}`, params: {}, csrf: await csrfToken(ctx, s, pool.id) };
}

async function settings(ctx: Context, s: Services, pool: Pool, user: User, status = 200, extra: Partial<PageContext> = {}): Promise<void> {
  const m = mfaOf(user);
  show(ctx, status, mfaSettingsPage({ ...(await contextOf(ctx, s, pool)), ...extra }, {
    offered: poolFactors(pool.settings), enabled: m.enabled, preferred: m.preferred, recoveryCodesLeft: m.recoveryCodes.length, appVerified: m.totp?.verified === true,
    passkeys: pool.settings.Policies.SignInPolicy.AllowedFirstAuthFactors.includes('WEB_AUTHN') ? m.passkeys ?? [] : undefined,
  }));
}

export async function mfaSettingsGet(ctx: Context, s: Services, pool: Pool): Promise<void> {
  const found = await freshSession(s, pool.id, sessionCookie(ctx, s, pool.id));
  if (!found) return show(ctx, 401, errorPage(pool.settings.PoolName, STALE));
  await settings(ctx, s, pool, found.user);
}

export async function mfaSettingsPost(ctx: Context, s: Services, pool: Pool): Promise<void> {
  if (!(await checkCsrf(ctx, s, pool.id)))
    return show(ctx, 403, errorPage(pool.settings.PoolName, 'This form was not sent from this site, or it has expired. Go back, reload the page and try again.'));
  const found = await freshSession(s, pool.id, sessionCookie(ctx, s, pool.id));
  if (!found) return show(ctx, 401, errorPage(pool.settings.PoolName, STALE));
  const form = (ctx.request.body ?? {}) as Record<string, unknown>;
  const text = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
  const factor = text('factor') as MfaFactor;
  const user = found.user;
  const c = await contextOf(ctx, s, pool);
  try {
    switch (text('action')) {
      case 'enable':
        return await settings(ctx, s, pool, await s.secondFactors.setPreferences(pool, user, [{ factor, enabled: true }], 'user'), 200, { notice: 'Turned on.' });
      case 'disable':
        return await settings(ctx, s, pool, await s.secondFactors.setPreferences(pool, user, [{ factor, enabled: false }], 'user'), 200, { notice: 'Turned off.' });
      case 'setupTotp': {
        const secret = await s.secondFactors.associateTotp(pool, user);
        const qr = await qrSvg(otpauthUri(secret, pool.settings.PoolName, user.attributes.email ?? user.username));
        return show(ctx, 200, totpSetupPage(c, { secret, qr, action: '/mfaSettings', submit: 'Verify', extra: { action: 'verifyTotp' } }));
      }
      case 'verifyTotp': {
        const verified = await s.secondFactors.verifyTotp(pool, user, text('code').trim(), 'Authenticator app');
        const enabled = await s.secondFactors.setPreferences(pool, verified, [{ factor: 'SOFTWARE_TOKEN_MFA', enabled: true, preferred: true }], 'user');
        const codes = await s.secondFactors.newRecoveryCodes(pool, enabled);
        return show(ctx, 200, recoveryCodesPage(pool.settings.PoolName, codes, `/${pool.id}/mfaSettings`, 'I have saved them. Back to my settings'));
      }
      case 'startPasskey': {
        const options = await startRegistration(s, pool, user);
        return show(ctx, 200, passkeyPage(c, { action: '/mfaSettings', kind: 'create', options: JSON.stringify(options), title: 'Add a passkey', submit: 'Create the passkey', extra: { action: 'completePasskey' } }));
      }
      case 'completePasskey': {
        let credential: unknown;
        try {
          credential = JSON.parse(text('credential'));
        } catch {
          return await settings(ctx, s, pool, user, 400, { error: 'The browser sent no passkey.' });
        }
        await completeRegistration(s, pool, user, credential);
        return await settings(ctx, s, pool, (await s.store.users.getUser(pool.id, user.id)) ?? user, 200, { notice: 'Passkey added.' });
      }
      case 'deletePasskey':
        await deletePasskey(s, pool, user, text('credential_id'));
        return await settings(ctx, s, pool, (await s.store.users.getUser(pool.id, user.id)) ?? user, 200, { notice: 'Passkey removed.' });
      case 'recoveryCodes': {
        if (mfaOf(user).totp?.verified !== true) return await settings(ctx, s, pool, user, 400, { error: 'Set up an authenticator app first.' });
        const codes = await s.secondFactors.newRecoveryCodes(pool, user);
        return show(ctx, 200, recoveryCodesPage(pool.settings.PoolName, codes, `/${pool.id}/mfaSettings`, 'I have saved them. Back to my settings'));
      }
      default:
        return await settings(ctx, s, pool, user, 400, { error: 'Unknown request.' });
    }
  } catch (err) {
    if (!isRefusal(err)) throw err;
    const fresh = (await s.store.users.getUser(pool.id, user.id)) ?? user;
    await settings(ctx, s, pool, fresh, pageStatusOf(err), { error: err.code === 'EnableSoftwareTokenMFAException' ? 'That code did not match. Set up the app again.' : err.message });
  }
}
