// The Cognito JSON 1.1 wire: `POST /` with `Content-Type: application/x-amz-json-1.1` and
// `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`. The body is validated by the action's
// schema (InvalidParameterException naming the member), the handler runs, and the answer is JSON;
// every answer carries `x-amzn-RequestId`, every error `x-amzn-ErrorType`. Browser apps get CORS.
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import type { Services } from '../services.js';
import type { ApiAction } from './action.js';
import { apiErrorOf, apiException } from './errors.js';
import { validationMessage } from './validation.js';

const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.';
const JSON_TYPE = 'application/x-amz-json-1.1';
const ALLOWED_HEADERS = 'content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, amz-sdk-invocation-id, amz-sdk-request, cache-control, x-amz-api-version';
const EXPOSED_HEADERS = 'x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date';

/** Which origins may call the API from a browser: the given list, else the origins of every client's callback and logout URLs. */
export type OriginCheck = (origin: string) => Promise<boolean>;

export function originsFromClients(s: Services): OriginCheck {
  return async (origin) => {
    for (const pool of await s.store.pools.listPools())
      for (const c of await s.store.pools.listClients(pool.id))
        for (const url of [...c.settings.CallbackURLs, ...c.settings.LogoutURLs]) {
          try {
            if (new URL(url).origin === origin) return true;
          } catch {
            // an app scheme (myapp://): no browser origin
          }
        }
    return false;
  };
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
      const body = ctx.request.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw apiException('SerializationException', 'The request body must be a JSON object.');
      const parsed = action.input.safeParse(body);
      if (!parsed.success) throw apiException('InvalidParameterException', validationMessage(parsed.error.issues));
      const result = await action.handle({ s, ip: ctx.ip, requestId }, parsed.data);
      answer(ctx, 200, result);
    } catch (err) {
      const e = apiErrorOf(err);
      if (e.status === 500) log.error({ err, action: name }, 'API action failed');
      else log.info({ action: name, type: e.type }, 'API action refused');
      ctx.set('x-amzn-ErrorType', e.type);
      answer(ctx, e.status, { __type: e.type, message: e.message });
    }
  };
}
