// A stand-in for Facebook Login and the Graph API on 127.0.0.1, speaking the real protocol: the OAuth
// dialog (auto-approving), the code-for-token exchange, /debug_token and /me, with Graph's error
// shapes, single-use codes and appsecret_proof enforced on every Graph call.
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { startFakeServer, type FakeRequest, type ParsedRequest } from './http.js';

export type { FakeRequest } from './http.js';

export type FacebookBehaviour =
  | 'normal'
  | 'deny' // the dialog sends back error=access_denied&error_reason=user_denied
  | 'other-app' // tokens are issued to another app: debug_token's app_id is not the caller's
  | 'invalid-token' // debug_token says is_valid: false
  | 'expired' // debug_token says is_valid: true but expires_at is in the past
  | 'other-user' // /me answers with another id than the token's user
  | 'token-500' // the token endpoint answers 500
  | 'not-json' // the token endpoint answers 200 with HTML
  | 'slow' // server-to-server endpoints answer after slowMs (the dialog stays fast)
  | 'down'; // server-to-server endpoints drop the connection (the dialog still works)

/** A Graph user: `id` plus any fields /me may return (email only when the `email` scope was asked). */
export interface FacebookProfile {
  id: string;
  [field: string]: unknown;
}

export interface FacebookFake {
  /** http://127.0.0.1:<port> */
  url: string;
  apiVersion: string;
  /** Registers the app with the fake and returns ProviderDetails pointing every endpoint key at it. */
  details(clientId: string, clientSecret: string): Record<string, string>;
  setUser(profile: FacebookProfile): void;
  setBehaviour(b: FacebookBehaviour): void;
  /** Every request received, oldest first. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

export const DEFAULT_FACEBOOK_USER: FacebookProfile = {
  id: '10158000000000001',
  name: 'Fay Book',
  email: 'fay@example.com',
  first_name: 'Fay',
  last_name: 'Book',
  picture: { data: { height: 50, width: 50, is_silhouette: false, url: 'https://platform-lookaside.example/fay.jpg' } },
};

interface Grant {
  appId: string;
  redirectUri: string;
  user: FacebookProfile;
  scopes: string[];
  used?: boolean;
}
interface Token extends Grant {
  expiresAt: number;
}

const ROUTE = /^(?:\/(v\d+\.\d+))?\/(dialog\/oauth|oauth\/access_token|debug_token|me)$/;

export async function startFacebookFake(opts: { apiVersion?: string; slowMs?: number } = {}): Promise<FacebookFake> {
  const apiVersion = opts.apiVersion ?? 'v17.0';
  const slowMs = opts.slowMs ?? 5_000;
  const apps = new Map<string, string>(); // client id → secret
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, Token>();
  let user: FacebookProfile = DEFAULT_FACEBOOK_USER;
  let behaviour: FacebookBehaviour = 'normal';

  async function handle(req: IncomingMessage, res: ServerResponse, { url, query, form }: ParsedRequest): Promise<void> {
    const route = ROUTE.exec(url.pathname)?.[2];
    if (!route) return send(res, 404, graphError('Unknown path components', 'OAuthException', 2500));
    if (route === 'dialog/oauth') return dialog(query, res);

    if (behaviour === 'down') return void req.socket.destroy();
    if (behaviour === 'slow') await server.sleep(slowMs);
    if (route === 'oauth/access_token') return accessToken({ ...query, ...form }, res);
    if (route === 'debug_token') return debugToken(query, res);
    return me(query, req.headers, res);
  }

  function dialog(q: Record<string, string>, res: ServerResponse): void {
    if (!q.client_id || !apps.has(q.client_id)) return text(res, 400, 'Invalid App ID');
    if (!q.redirect_uri || q.response_type !== 'code') return text(res, 400, 'redirect_uri and response_type=code are required');
    const back = new URL(q.redirect_uri);
    if (behaviour === 'deny') {
      back.search = new URLSearchParams({ error: 'access_denied', error_code: '200', error_description: 'Permissions error', error_reason: 'user_denied', state: q.state ?? '' }).toString();
    } else {
      const code = 'AQ' + randomBytes(24).toString('base64url');
      codes.set(code, { appId: q.client_id, redirectUri: q.redirect_uri, user, scopes: (q.scope ?? '').split(/[\s,]+/).filter(Boolean) });
      back.search = new URLSearchParams({ code, state: q.state ?? '' }).toString();
    }
    res.writeHead(302, { location: back.toString() }).end();
  }

  function accessToken(p: Record<string, string>, res: ServerResponse): void {
    if (behaviour === 'token-500') return send(res, 500, graphError('An unexpected error has occurred. Please retry your request later.', 'OAuthException', 2));
    if (!p.client_id || apps.get(p.client_id) !== p.client_secret) return send(res, 400, graphError('Error validating client secret.', 'OAuthException', 1));
    const grant = p.code ? codes.get(p.code) : undefined;
    if (!grant || grant.appId !== p.client_id) return send(res, 400, graphError('Invalid verification code format.', 'OAuthException', 100));
    if (grant.used) return send(res, 400, graphError('This authorization code has been used.', 'OAuthException', 100));
    if (grant.redirectUri !== p.redirect_uri) return send(res, 400, graphError('Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', 'OAuthException', 100));
    grant.used = true;
    if (behaviour === 'not-json') return text(res, 200, '<html><body>Sorry, something went wrong.</body></html>', 'text/html');
    const token = 'EAA' + randomBytes(32).toString('base64url');
    const appId = behaviour === 'other-app' ? '999000000000999' : grant.appId;
    tokens.set(token, { ...grant, appId, expiresAt: Math.floor(Date.now() / 1000) + 5_184_000 });
    send(res, 200, { access_token: token, token_type: 'bearer', expires_in: 5_184_000 });
  }

  /** appsecret_proof must be HMAC-SHA256(secret of the token's app, token) on every Graph call. */
  function proofOk(q: Record<string, string>, token: string, appId: string): boolean {
    const secret = apps.get(appId);
    return !!secret && q.appsecret_proof === createHmac('sha256', secret).update(token).digest('hex');
  }

  function debugToken(q: Record<string, string>, res: ServerResponse): void {
    // The caller authenticates with its app token `id|secret`.
    const [appId = '', secret] = (q.access_token ?? '').split('|');
    if (!secret || apps.get(appId) !== secret) return send(res, 400, graphError('Invalid OAuth access token - Cannot parse access token', 'OAuthException', 190));
    if (!proofOk(q, q.access_token!, appId)) return send(res, 400, graphError('Invalid appsecret_proof provided in the API argument', 'GraphMethodException', 100));
    const t = q.input_token ? tokens.get(q.input_token) : undefined;
    if (!t) return send(res, 200, { data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' }, scopes: [] } });
    const data: Record<string, unknown> = {
      app_id: t.appId,
      type: 'USER',
      application: 'Fake app',
      data_access_expires_at: t.expiresAt + 7_776_000,
      expires_at: behaviour === 'expired' ? Math.floor(Date.now() / 1000) - 60 : t.expiresAt,
      is_valid: behaviour !== 'invalid-token',
      scopes: t.scopes,
      user_id: t.user.id,
    };
    if (behaviour === 'invalid-token') data.error = { code: 190, message: 'Error validating access token: The session has been invalidated.', subcode: 460 };
    send(res, 200, { data });
  }

  function me(q: Record<string, string>, headers: IncomingHttpHeaders, res: ServerResponse): void {
    const token = q.access_token ?? headers.authorization?.replace(/^(Bearer|OAuth) /i, '') ?? '';
    const t = tokens.get(token);
    if (!t) return send(res, 400, graphError('Invalid OAuth access token - Cannot parse access token', 'OAuthException', 190));
    if (!proofOk(q, token, t.appId)) return send(res, 400, graphError('Invalid appsecret_proof provided in the API argument', 'GraphMethodException', 100));
    const fields = (q.fields || 'id,name').split(',').filter(Boolean);
    const profile: Record<string, unknown> = {};
    for (const f of fields) {
      if (f === 'email' && !t.scopes.includes('email')) continue; // not granted: Graph leaves it out
      if (t.user[f] !== undefined) profile[f] = t.user[f];
    }
    profile.id = behaviour === 'other-user' ? '10158000000000999' : t.user.id;
    send(res, 200, profile);
  }

  const server = await startFakeServer({
    form: 'post',
    handle,
    onError: (res, err) => send(res, 500, { error: { message: err.message, type: 'FakeError', code: 1 } }),
  });
  const { url, requests } = server;

  return {
    url,
    apiVersion,
    requests,
    details(clientId, clientSecret) {
      apps.set(clientId, clientSecret);
      return {
        client_id: clientId,
        client_secret: clientSecret,
        authorize_scopes: 'public_profile, email',
        api_version: apiVersion,
        authorize_url: `${url}/${apiVersion}/dialog/oauth`,
        token_url: `${url}/${apiVersion}/oauth/access_token`,
        token_request_method: 'GET',
        attributes_url: `${url}/${apiVersion}/me?fields=`,
        attributes_url_add_attributes: 'true',
      };
    },
    setUser(profile) {
      user = profile;
    },
    setBehaviour(b) {
      behaviour = b;
    },
    close: server.close,
  };
}

function graphError(message: string, type: string, code: number): { error: Record<string, unknown> } {
  return { error: { message, type, code, fbtrace_id: randomBytes(8).toString('base64url') } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': `${type}; charset=UTF-8` }).end(body);
}
