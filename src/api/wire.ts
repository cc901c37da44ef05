// The Cognito JSON 1.1 wire: `POST /` with `Content-Type: application/x-amz-json-1.1` and
// `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`. The body is validated by the action's
// schema (InvalidParameterException naming the member), the handler runs, and the answer is JSON;
// every answer carries `x-amzn-RequestId`, every error `x-amzn-ErrorType`. Browser apps get CORS.
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Services } from '../services.js';
import type { ApiAction } from './action.js';
import { apiErrorOf, apiException } from './errors.js';
import { auditCall, authorize, signerOf } from './management.js';
import { validationMessage } from './validation.js';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const JSON_TYPE = 'application/x-amz-json-1.1';
const ALLOWED_HEADERS = 'content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, amz-sdk-invocation-id, amz-sdk-request, cache-control, x-amz-api-version';
const EXPOSED_HEADERS = 'x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date';

/** Whether a browser page of this origin may call the API. */
export type OriginCheck = (origin: string) => Promise<boolean>;

/** How long the origins derived from the clients are kept: a client changed elsewhere counts within this. */
const ORIGINS_TTL_MS = 5_000;

/**
 * Which origins may call the API from a browser: the configured list (API_CORS_ORIGINS; `*` for any),
 * else the origins of every client's callback and logout URLs, read at most once per ORIGINS_TTL_MS
 * (not per request: a preflight must not list every pool's clients).
 */
export function allowedOrigins(s: Pick<Services, 'store' | 'now'>, configured: readonly string[] | undefined): OriginCheck {
  if (configured?.includes('*')) return async () => true;
  if (configured) {
    const set = new Set(configured);
    return async (origin) => set.has(origin);
  }
  let cached: { at: number; origins: Promise<Set<string>> } | undefined;
  return async (origin) => {
    const now = s.now();
    if (!cached || now - cached.at >= ORIGINS_TTL_MS) {
      const origins = clientOrigins(s);
      cached = { at: now, origins };
      origins.catch(() => { if (cached?.origins === origins) cached = undefined; }); // an unreachable store is not remembered
    }
    return (await cached.origins).has(origin);
  };
}

async function clientOrigins(s: Pick<Services, 'store'>): Promise<Set<string>> {
  const origins = new Set<string>();
  for (const pool of await s.store.pools.listPools())
    for (const c of await s.store.pools.listClients(pool.id))
      for (const url of [...c.settings.CallbackURLs, ...c.settings.LogoutURLs]) {
        try {
          const { origin } = new URL(url);
          if (origin !== 'null') origins.add(origin); // an app scheme (myapp://) has no browser origin
        } catch {
          // not a URL the browser could be at
        }
      }
  return origins;
}

function answer(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = JSON_TYPE;
  ctx.body = JSON.stringify(body);
}

export function apiWire(s: Services, actions: ReadonlyMap<string, ApiAction>, allowOrigin: OriginCheck): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/') return next();
    const origin = ctx.get('origin');
    if (origin && (await allowOrigin(origin))) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Vary', 'Origin');
      ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return;
    }
    if (ctx.method !== 'POST' || !ctx.get('x-amz-target')) return next();

    const requestId = String(ctx.state.requestId ?? crypto.randomUUID());
    ctx.set('x-amzn-RequestId', requestId);
    const log: Logger = ctx.state.log ?? s.log;
    const target = ctx.get('x-amz-target');
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    try {
      const action = actions.get(name);
      if (!action) throw apiException('UnknownOperationException', `Unknown operation ${target}`);
      if (!ctx.is(JSON_TYPE) && !ctx.is('application/json')) throw apiException('SerializationException', `The request must be ${JSON_TYPE}.`);
      // A management call proves its signer before anything else is read or told.
      const caller = action.access === 'sigv4' ? await signerOf(s, ctx) : undefined;
      const body = ctx.request.body;
      try {
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw apiException('SerializationException', 'The request body must be a JSON object.');
        const parsed = action.input.safeParse(body);
        if (!parsed.success) throw apiException('InvalidParameterException', validationMessage(parsed.error.issues));
        if (caller) await authorize(caller, action.name, parsed.data);
        const result = await action.handle({ s, ip: ctx.ip, requestId, ...(caller ? { caller } : {}) }, parsed.data);
        if (caller) await auditCall(s, caller, action.name, body, ctx.ip, 'ok');
        answer(ctx, 200, result);
      } catch (err) {
        if (caller) await auditCall(s, caller, action.name, body, ctx.ip, apiErrorOf(err).type);
        throw err;
      }
    } catch (err) {
      const e = apiErrorOf(err);
      if (e.status === 500) log.error({ err, action: name }, 'API action failed');
      else log.info({ action: name, type: e.type }, 'API action refused');
      ctx.set('x-amzn-ErrorType', e.type);
      answer(ctx, e.status, { __type: e.type, message: e.message });
    }
  };
}
