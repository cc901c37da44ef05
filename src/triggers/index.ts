// Cognito's Lambda triggers, self-hosted: a pool's LambdaConfig names a target per trigger
// (targets.ts); the event and response are Cognito's own (COGNITO.md §6). Cognito's semantics: 5
// seconds a try, up to 3 tries when the target is unavailable (a timeout, a 5xx), none when the
// handler itself fails. A handler's error is UserLambdaValidationException ("<Trigger> failed with
// error <message>."), an unusable answer InvalidLambdaResponseException, a target that never answers
// UnexpectedLambdaException; the caller then changes nothing.
import type { Logger } from 'pino';
import type { Pool } from '../directory/types.js';
import { BrokerError } from '../shared/errors.js';
import { HandlerError, TargetUnavailable, targetFor, type Target, type TargetOptions } from './targets.js';

export type TriggerName = 'PreSignUp' | 'PostConfirmation';

export const TRIGGER_TIMEOUT_MS = 5_000;
export const TRIGGER_ATTEMPTS = 3;

export class Triggers {
  private readonly targets = new Map<string, Target>();

  constructor(private readonly o: TargetOptions & { log: Logger; timeoutMs?: number }) {}

  /** Whether the pool has this trigger. */
  has(pool: Pool, name: TriggerName): boolean {
    return !!pool.settings.LambdaConfig?.[name];
  }

  /**
   * Runs the pool's trigger, when it has one, with Cognito's event; its `response`, or null when the
   * pool has no such trigger. Throws the typed refusal otherwise.
   */
  async run(pool: Pool, name: TriggerName, i: { triggerSource: string; userName: string; clientId: string | null; request: Record<string, unknown> }): Promise<Record<string, unknown> | null> {
    const spec = pool.settings.LambdaConfig?.[name];
    if (!spec) return null;
    let target = this.targets.get(spec);
    if (!target) this.targets.set(spec, (target = targetFor(spec, this.o)));
    const event = {
      version: '1', triggerSource: i.triggerSource, region: pool.id.split('_')[0], userPoolId: pool.id, userName: i.userName,
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
