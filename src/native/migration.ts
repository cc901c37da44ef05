// Users moving in from elsewhere, at their first sign-in or password reset: the pool's UserMigration
// is either Cognito's user migration trigger (any target of triggers/targets.ts, its event and
// response as Cognito's) or a live Cognito user pool (`cognito://…`, cognito-source.ts) that checks the
// typed password itself. Either way the answer is what to create; Accounts creates it.
import { BrokerError } from '../shared/errors.js';
import type { Attributes, Pool } from '../directory/types.js';
import { triggerSpec, type Triggers } from '../triggers/index.js';
import { CognitoSource } from './cognito-source.js';
import type { Migrated } from './migrated.js';

export type { Migrated } from './migrated.js';

export type MigrationSource = 'UserMigration_Authentication' | 'UserMigration_ForgotPassword';

const invalid = (why: string) => new BrokerError('InvalidLambdaResponseException', `Invalid lambda response: ${why}.`);

/** The trigger's response, checked member by member: a malformed one migrates nothing. */
function fromResponse(r: Record<string, unknown>, source: MigrationSource): Migrated {
  const attrs = r.userAttributes;
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) throw invalid('userAttributes must be an object');
  const attributes: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v !== 'string' && typeof v !== 'boolean' && typeof v !== 'number') throw invalid(`userAttributes.${k} must be a string`);
    if (k !== 'sub' && k !== 'username') attributes[k] = String(v);
  }
  const status = r.finalUserStatus ?? 'RESET_REQUIRED';
  if (status !== 'CONFIRMED' && status !== 'RESET_REQUIRED') throw invalid('finalUserStatus must be CONFIRMED or RESET_REQUIRED');
  const action = r.messageAction ?? null;
  if (action !== null && action !== 'SUPPRESS' && action !== 'RESEND') throw invalid('messageAction must be SUPPRESS or RESEND');
  const mediums = r.desiredDeliveryMediums ?? ['SMS'];
  if (!Array.isArray(mediums) || mediums.some((m) => m !== 'EMAIL' && m !== 'SMS')) throw invalid('desiredDeliveryMediums must list EMAIL and/or SMS');
  if (r.forceAliasCreation !== undefined && r.forceAliasCreation !== null && typeof r.forceAliasCreation !== 'boolean') throw invalid('forceAliasCreation must be a boolean');
  return {
    attributes, status: source === 'UserMigration_ForgotPassword' ? 'RESET_REQUIRED' : status, messageAction: action, mediums: mediums as Migrated['mediums'],
    forceAliasCreation: r.forceAliasCreation === true, passwordProven: source === 'UserMigration_Authentication',
  };
}

export class Migration {
  private readonly cognito: CognitoSource;

  constructor(private readonly o: { triggers?: Triggers | undefined; cognitoClientSecret?: string | undefined; log: import('pino').Logger }) {
    this.cognito = new CognitoSource({ clientSecret: o.cognitoClientSecret, log: o.log });
  }

  /** Whether the pool migrates unknown users at all. */
  has(pool: Pool): boolean {
    return !!pool.settings.LambdaConfig?.UserMigration;
  }

  /**
   * What the pool's migration answers for a name it may know: null when it does not know them (or the
   * password is wrong: the handler threw, the old pool refused). A target that cannot be reached, or
   * answers nonsense, throws (UnexpectedLambdaException, InvalidLambdaResponseException).
   */
  async lookUp(pool: Pool, i: { source: MigrationSource; username: string; password?: string; clientId: string | null; clientMetadata?: Record<string, string> }): Promise<Migrated | null> {
    const spec = triggerSpec(pool, 'UserMigration');
    if (!spec) return null;
    if (spec.target.startsWith('cognito://')) {
      return i.password !== undefined ? this.cognito.withPassword(spec.target, i.username, i.password) : this.cognito.withoutPassword(spec.target, i.username);
    }
    if (!this.o.triggers) return null;
    let response: Record<string, unknown> | null;
    try {
      response = await this.o.triggers.run(pool, 'UserMigration', {
        triggerSource: i.source, userName: i.username, clientId: i.clientId,
        request: { ...(i.password !== undefined ? { password: i.password } : {}), validationData: null, clientMetadata: i.clientMetadata ?? {} },
      });
    } catch (err) {
      // The handler's own refusal is how it says "not ours, or not this password".
      if (err instanceof BrokerError && err.code === 'UserLambdaValidationException') return null;
      throw err;
    }
    return response ? fromResponse(response, i.source) : null;
  }

  close(): void {
    this.cognito.close();
  }
}
