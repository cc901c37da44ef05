// The pool as an OpenID Provider for apps: discovery, JWKS, authorize, token, userInfo, revoke, logout
// (README.md, "Apps: each pool is an OpenID Provider"). Protocol errors answer in OAuth's shapes;
// pages come from ui/.
import Router from '@koa/router';
import type { Context } from 'koa';
import { loadPool, poolOf } from '../http/pool.js';
import { pageHeaders } from '../http/security-headers.js';
import { issuerOf, secureCookies, type Services } from '../services.js';
import { authorizeEndpoint } from './authorize.js';
import { discoveryDocument } from './discovery.js';
import { idpResponseEndpoint } from './idpresponse.js';
import { acsEndpoint, sloEndpoint, spMetadataEndpoint } from './saml.js';
import { logoutEndpoint } from './logout.js';
import { revokeEndpoint } from './revoke.js';
import { tokenEndpoint } from './token.js';
import { userInfoEndpoint } from './userinfo.js';

export function oauthRouter(s: Services): Router {
  const r = new Router({ prefix: '/:poolId' });
  r.use(loadPool(s));
  const cors = async (ctx: Context, next: () => Promise<unknown>) => {
    ctx.set('Access-Control-Allow-Origin', '*');
    await next();
  };
  r.get('/.well-known/openid-configuration', cors, (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = discoveryDocument(issuerOf(s, poolOf(ctx).id));
  });
  r.get('/.well-known/jwks.json', cors, async (ctx) => {
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = await s.keys.jwks(poolOf(ctx).id, s.now());
  });
  r.get('/oauth2/authorize', pageHeaders(secureCookies(s)), (ctx) => authorizeEndpoint(ctx, s, poolOf(ctx)));
  r.post('/oauth2/token', cors, (ctx) => tokenEndpoint(ctx, s, poolOf(ctx)));
  r.get('/oauth2/userInfo', cors, (ctx) => userInfoEndpoint(ctx, s, poolOf(ctx)));
  r.post('/oauth2/userInfo', cors, (ctx) => userInfoEndpoint(ctx, s, poolOf(ctx)));
  r.post('/oauth2/revoke', cors, (ctx) => revokeEndpoint(ctx, s, poolOf(ctx)));
  r.get('/oauth2/idpresponse', pageHeaders(secureCookies(s)), (ctx) => idpResponseEndpoint(ctx, s, poolOf(ctx)));
  r.post('/oauth2/idpresponse', pageHeaders(secureCookies(s)), (ctx) => idpResponseEndpoint(ctx, s, poolOf(ctx)));
  r.get('/saml2/metadata', (ctx) => spMetadataEndpoint(ctx, s, poolOf(ctx)));
  r.post('/saml2/idpresponse', pageHeaders(secureCookies(s)), (ctx) => acsEndpoint(ctx, s, poolOf(ctx)));
  r.get('/saml2/idpresponse', pageHeaders(secureCookies(s)), (ctx) => acsEndpoint(ctx, s, poolOf(ctx)));
  r.get('/saml2/logout', pageHeaders(secureCookies(s)), (ctx) => sloEndpoint(ctx, s, poolOf(ctx)));
  r.get('/logout', pageHeaders(secureCookies(s)), (ctx) => logoutEndpoint(ctx, s, poolOf(ctx)));
  return r;
}
