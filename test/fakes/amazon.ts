// A stand-in for Login with Amazon on 127.0.0.1, speaking the real protocol: /ap/oa (auto-approving),
// /auth/o2/token (single-use codes, PKCE when a challenge was sent), /auth/o2/tokeninfo and /user/profile.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { startFakeServer, type FakeRequest, type ParsedRequest } from './http.js';

export type { FakeRequest } from './http.js';

export type AmazonBehaviour =
  | 'normal'
  | 'deny' // /ap/oa sends back error=access_denied
  | 'other-client' // tokens are issued to another client: tokeninfo's aud is not the caller's
  | 'other-user' // /user/profile answers with another user_id than the token's
  | 'token-500' // the token endpoint answers 500
  | 'not-json' // the token endpoint answers 200 with HTML
  | 'slow' // server-to-server endpoints answer after slowMs (/ap/oa stays fast)
  | 'down'; // server-to-server endpoints drop the connection (/ap/oa still works)

export interface AmazonProfile {
  user_id: string;
  name?: string;
  email?: string;
  postal_code?: string;
}

export interface AmazonFake {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Registers the client with the fake and returns ProviderDetails pointing every endpoint key at it. */
  details(clientId: string, clientSecret: string): Record<string, string>;
  setUser(profile: AmazonProfile): void;
  setBehaviour(b: AmazonBehaviour): void;
  /** Every request received, oldest first. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

export const DEFAULT_AMAZON_USER: AmazonProfile = {
  user_id: 'amzn1.account.AFAKEUSER0000000000000001',
  name: 'Ama Zon',
  email: 'ama@example.com',
  postal_code: '98109',
};

interface Grant {
  clientId: string;
  redirectUri: string;
  user: AmazonProfile;
  scopes: string[];
  challenge?: string;
  used?: boolean;
}

export async function startAmazonFake(opts: { slowMs?: number } = {}): Promise<AmazonFake> {
  const slowMs = opts.slowMs ?? 5_000;
  const clients = new Map<string, string>(); // client id → secret
  const codes = new Map<string, Grant>();
  const tokens = new Map<string, Grant & { iat: number }>();
  let user: AmazonProfile = DEFAULT_AMAZON_USER;
  let behaviour: AmazonBehaviour = 'normal';

  async function handle(req: IncomingMessage, res: ServerResponse, { url, query, form }: ParsedRequest): Promise<void> {
    if (url.pathname === '/ap/oa') return authorize(query, res);

    if (behaviour === 'down') return void req.socket.destroy();
    if (behaviour === 'slow') await server.sleep(slowMs);
    if (url.pathname === '/auth/o2/token' && req.method === 'POST') return token(form, req.headers, res);
    if (url.pathname === '/auth/o2/tokeninfo') return tokenInfo(query.access_token ?? String(req.headers['x-amz-access-token'] ?? ''), res);
    if (url.pathname === '/user/profile') return profile(query.access_token ?? req.headers.authorization?.replace(/^Bearer /i, '') ?? '', res);
    send(res, 404, { error: 'not_found' });
  }

  function authorize(q: Record<string, string>, res: ServerResponse): void {
    if (!q.client_id || !clients.has(q.client_id)) return text(res, 400, 'An unknown client_id was supplied.');
    if (!q.redirect_uri || q.response_type !== 'code' || !q.scope) return text(res, 400, 'redirect_uri, scope and response_type=code are required');
    if (q.code_challenge && q.code_challenge_method !== 'S256') return text(res, 400, 'code_challenge_method must be S256');
    const back = new URL(q.redirect_uri);
    if (behaviour === 'deny') {
      back.search = new URLSearchParams({ error_description: 'The user has denied the requested scope', error: 'access_denied', state: q.state ?? '' }).toString();
    } else {
      const code = 'ANfake' + randomBytes(18).toString('base64url');
      codes.set(code, { clientId: q.client_id, redirectUri: q.redirect_uri, user, scopes: q.scope.split(' '), challenge: q.code_challenge });
      back.search = new URLSearchParams({ code, scope: q.scope, state: q.state ?? '' }).toString();
    }
    res.writeHead(302, { location: back.toString() }).end();
  }

  function token(p: Record<string, string>, headers: IncomingHttpHeaders, res: ServerResponse): void {
    if (behaviour === 'token-500') return send(res, 500, { error: 'ServerError', error_description: 'Internal server error' });
    // Client credentials in the body or as HTTP Basic, as Amazon accepts both.
    const basic = headers.authorization?.startsWith('Basic ') ? Buffer.from(headers.authorization.slice(6), 'base64').toString().split(':') : [];
    const clientId = p.client_id ?? basic[0];
    const secret = p.client_secret ?? basic[1];
    if (!clientId || clients.get(clientId) !== secret) return send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    if (p.grant_type !== 'authorization_code') return send(res, 400, { error: 'unsupported_grant_type' });
    const grant = p.code ? codes.get(p.code) : undefined;
    const verifierOk = !grant?.challenge || createHash('sha256').update(p.code_verifier ?? '').digest('base64url') === grant.challenge;
    if (!grant || grant.used || grant.clientId !== clientId || grant.redirectUri !== p.redirect_uri || !verifierOk)
      return send(res, 400, { error: 'invalid_grant', error_description: 'The authorization code is invalid or has expired.' });
    grant.used = true;
    if (behaviour === 'not-json') return text(res, 200, '<html><body>Service Unavailable</body></html>', 'text/html');
    const access = 'Atza|' + randomBytes(48).toString('base64url');
    tokens.set(access, { ...grant, clientId: behaviour === 'other-client' ? 'amzn1.application-oa2-client.someoneelse' : clientId, iat: Math.floor(Date.now() / 1000) });
    send(res, 200, { access_token: access, refresh_token: 'Atzr|' + randomBytes(48).toString('base64url'), token_type: 'bearer', expires_in: 3600 });
  }

  function tokenInfo(access: string, res: ServerResponse): void {
    const t = tokens.get(access);
    if (!t) return send(res, 400, { error: 'invalid_token', error_description: 'The request has an invalid parameter : access_token' });
    // As Amazon's: exp is the seconds left, not an epoch time.
    send(res, 200, { iss: 'https://www.amazon.com', user_id: t.user.user_id, aud: t.clientId, app_id: 'amzn1.application.fakeapp', exp: 3597, iat: t.iat });
  }

  function profile(access: string, res: ServerResponse): void {
    const t = tokens.get(access);
    if (!t) return send(res, 401, { error: 'invalid_token', error_description: 'The request has an invalid parameter : access_token' });
    // What the scopes grant: profile → user_id, name, email; profile:user_id → user_id; postal_code → postal_code.
    const u = t.user;
    const out: Record<string, string> = { user_id: behaviour === 'other-user' ? 'amzn1.account.ANOTHERUSER0000000000000' : u.user_id };
    if (t.scopes.includes('profile')) {
      if (u.name !== undefined) out.name = u.name;
      if (u.email !== undefined) out.email = u.email;
    }
    if (t.scopes.includes('postal_code') && u.postal_code !== undefined) out.postal_code = u.postal_code;
    send(res, 200, out);
  }

  const server = await startFakeServer({
    form: 'post',
    handle,
    onError: (res, err) => send(res, 500, { error: 'ServerError', error_description: err.message }),
  });
  const { url, requests } = server;

  return {
    url,
    requests,
    details(clientId, clientSecret) {
      clients.set(clientId, clientSecret);
      return {
        client_id: clientId,
        client_secret: clientSecret,
        authorize_scopes: 'profile postal_code',
        authorize_url: `${url}/ap/oa`,
        token_url: `${url}/auth/o2/token`,
        token_request_method: 'POST',
        attributes_url: `${url}/user/profile`,
        attributes_url_add_attributes: 'false',
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

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}

function text(res: ServerResponse, status: number, body: string, type = 'text/plain'): void {
  res.writeHead(status, { 'content-type': `${type};charset=UTF-8` }).end(body);
}
