// What every management action shares, done once on the wire: the SigV4 signer proven (sigv4.ts) and
// not replayed, the key's policy asked about the action on the input's pool (policy.ts), and the call
// audited (who, what, on which pool and target, with what outcome; never a value of the input).
import type { Context } from 'koa';
import type { Services } from '../services.js';
import type { AccessKey } from './access-keys.js';
import type { ManagementCaller } from './action.js';
import { apiException } from './errors.js';
import { allows, anyPoolArn, poolArn } from './policy.js';
import { verifySigV4 } from './sigv4.js';

/** A signature is remembered as long as its date is acceptable (5 minutes either side) and a minute more. */
const REPLAY_MEMORY_MS = 11 * 60_000;

export type SignedCaller = ManagementCaller & { key: AccessKey };

export async function signerOf(s: Services, ctx: Context): Promise<SignedCaller> {
  let key: AccessKey | null = null;
  const raw = (ctx.request as { rawBody?: string }).rawBody ?? '';
  const signer = await verifySigV4(
    { method: ctx.method, path: ctx.path, query: ctx.query, headers: ctx.headers, body: Buffer.from(raw, 'utf8') },
    async (id) => (key = await s.accessKeys.find(id))?.secretAccessKey ?? null,
    s.now(),
  );
  // The same signed request twice is a replay (the SDKs and the CLI sign each attempt anew, with a fresh invocation id).
  if (!(await s.store.flows.rememberOnce('sigv4', signer.signature, signer.date + REPLAY_MEMORY_MS, s.now())))
    throw apiException('InvalidSignatureException', 'Signature has already been used.');
  return { accessKeyId: signer.accessKeyId, region: signer.region, key: key! };
}

const poolOf = (input: unknown): string | undefined => {
  const id = (input as { UserPoolId?: unknown } | null)?.UserPoolId;
  return typeof id === 'string' ? id : undefined;
};

/** AccessDeniedException unless the key's policy allows `action` on the input's pool (or on any pool, for actions that name none). */
export async function authorize(caller: SignedCaller, action: string, input: unknown): Promise<void> {
  if (!caller.key.policy) return; // the management key pair
  const poolId = poolOf(input);
  const resource = poolId ? poolArn(caller.region, poolId) : anyPoolArn(caller.region);
  if (!allows(caller.key.policy, action, resource))
    throw apiException('AccessDeniedException', `User: ${caller.accessKeyId} is not authorized to perform: cognito-idp:${action} on resource: ${resource}`);
}

/** The input members that name what a call acts on (never a value such as a password or an attribute). */
const TARGETS = ['Username', 'GroupName', 'ClientId', 'ProviderName', 'IdpIdentifier', 'Identifier', 'JobId', 'DeviceKey'] as const;

export async function auditCall(s: Services, caller: SignedCaller, action: string, input: unknown, ip: string | null, outcome: string): Promise<void> {
  const target: Record<string, string> = {};
  for (const t of TARGETS) {
    const v = (input as Record<string, unknown> | null)?.[t];
    if (typeof v === 'string') target[t] = v.slice(0, 256);
  }
  try {
    await s.store.audit.record({
      poolId: poolOf(input)?.slice(0, 64) ?? null, time: s.now(), type: 'admin.call', userId: null, clientId: null, ip,
      detail: { accessKeyId: caller.accessKeyId, action, target, outcome },
    });
  } catch (err) {
    s.log.error({ err, action }, 'could not audit a management call'); // the call's answer stands
  }
}
