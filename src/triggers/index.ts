// Cognito's Lambda triggers, self-hosted: a pool's LambdaConfig names a target per trigger
// (targets.ts); the event and response are Cognito's own (COGNITO.md §6). Cognito's semantics: 5
// seconds a try, up to 3 tries when the target is unavailable (a timeout, a 5xx), none when the
// handler itself fails. A handler's error is UserLambdaValidationException ("<Trigger> failed with
// error <message>."), an unusable answer InvalidLambdaResponseException, a target that never answers
// UnexpectedLambdaException; the caller then changes nothing.
import type { Logger } from 'pino';
import type { Pool, User } from '../directory/types.js';
import { BrokerError } from '../shared/errors.js';
import { HandlerError, TargetUnavailable, targetFor, type Target, type TargetOptions } from './targets.js';

export type TriggerName =
  | 'PreSignUp' | 'PostConfirmation' | 'PreAuthentication' | 'PostAuthentication' | 'PreTokenGeneration' | 'CustomMessage'
  | 'UserMigration' | 'DefineAuthChallenge' | 'CreateAuthChallenge' | 'VerifyAuthChallengeResponse'
  | 'CustomSMSSender' | 'CustomEmailSender' | 'InboundFederation';

type LambdaConfig = NonNullable<Pool['settings']['LambdaConfig']>;

/**
 * Where the pool's trigger runs and the event version it takes: PreTokenGenerationConfig wins over the
 * plain PreTokenGeneration ARN (which is V1_0), the versioned triggers name their target in LambdaArn.
 */
export function triggerSpec(pool: Pool, name: TriggerName): { target: string; version: string } | null {
  const c: LambdaConfig | undefined = pool.settings.LambdaConfig;
  if (!c) return null;
  if (name === 'PreTokenGeneration') {
    if (c.PreTokenGenerationConfig) return { target: c.PreTokenGenerationConfig.LambdaArn, version: c.PreTokenGenerationConfig.LambdaVersion.slice(1, 2) };
    return c.PreTokenGeneration ? { target: c.PreTokenGeneration, version: '1' } : null;
  }
  const v = c[name];
  if (!v) return null;
  return typeof v === 'string' ? { target: v, version: '1' } : { target: v.LambdaArn, version: '1' };
}

export const TRIGGER_TIMEOUT_MS = 5_000;
export const TRIGGER_ATTEMPTS = 3;

export class Triggers {
  private readonly targets = new Map<string, Target>();

  constructor(private readonly o: TargetOptions & { log: Logger; timeoutMs?: number }) {}

  /** Whether the pool has this trigger. */
  has(pool: Pool, name: TriggerName): boolean {
    return !!triggerSpec(pool, name);
  }

  /**
   * Runs the pool's trigger, when it has one, with Cognito's event; its `response`, or null when the
   * pool has no such trigger. Throws the typed refusal otherwise.
   */
  async run(pool: Pool, name: TriggerName, i: { triggerSource: string; userName: string | null; clientId: string | null; request: Record<string, unknown> }): Promise<Record<string, unknown> | null> {
    const spec = triggerSpec(pool, name);
    if (!spec) return null;
    if (spec.target.startsWith('cognito://')) throw new Error(`${name} names a Cognito pool, not a trigger target`);
    let target = this.targets.get(spec.target);
    if (!target) this.targets.set(spec.target, (target = targetFor(spec.target, this.o)));
    const event = {
      version: spec.version, triggerSource: i.triggerSource, region: pool.id.split('_')[0], userPoolId: pool.id, userName: i.userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: i.clientId ?? 'CLIENT_ID_NOT_APPLICABLE' }, request: i.request, response: {},
    };
    let lastReason = '';
    for (let attempt = 1; attempt <= TRIGGER_ATTEMPTS; attempt++) {
      try {
        const answer = await target.invoke(event, this.o.timeoutMs ?? TRIGGER_TIMEOUT_MS);
        const response = (answer as { response?: unknown } | null | undefined)?.response;
        if (typeof answer !== 'object' || answer === null || (response !== undefined && (typeof response !== 'object' || response === null || Array.isArray(response))))
          throw new BrokerError('InvalidLambdaResponseException', 'Invalid lambda response.');
        return (response ?? {}) as Record<string, unknown>;
      } catch (err) {
        if (err instanceof HandlerError) {
          this.o.log.info({ poolId: pool.id, trigger: name }, 'trigger refused');
          throw new BrokerError('UserLambdaValidationException', `${name} failed with error ${err.message.slice(0, 500)}.`);
        }
        if (!(err instanceof TargetUnavailable)) throw err;
        lastReason = err.message;
        this.o.log.warn({ poolId: pool.id, trigger: name, attempt, err: err.message }, 'trigger unavailable');
      }
    }
    throw new BrokerError('UnexpectedLambdaException', `${name} invocation failed due to error ${lastReason}.`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.targets.values()].map((t) => t.close?.()));
  }
}

/** A response member that must be a boolean when present (InvalidLambdaResponseException otherwise). */
export function flag(response: Record<string, unknown>, name: string): boolean {
  const v = response[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new BrokerError('InvalidLambdaResponseException', `Invalid lambda response: ${name} must be a boolean.`);
  return v;
}

/** A user's attributes as Cognito hands them to a trigger: `sub`, the stored attributes and the status. */
export function triggerUserAttributes(user: User): Record<string, string> {
  return { sub: user.sub, ...user.attributes, 'cognito:user_status': user.status };
}
