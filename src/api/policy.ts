// IAM-style policies for limited access keys: `Allow` and `Deny` statements of `Action` patterns
// (`cognito-idp:Admin*`, case-insensitive, as IAM's) and `Resource` patterns on pool ARNs
// (`arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>`, case-sensitive), `*` any run of
// characters and `?` one. Nothing is allowed unless a statement allows it, and a Deny beats any Allow.
// What IAM has and this does not (NotAction, NotResource, Condition, Principal) is refused when the
// policy is read, never ignored: a policy must not grant more than it says.
import { z } from 'zod';

/** The account in the ARNs the broker answers and matches (a self-hosted broker has no AWS account). */
export const ACCOUNT_ID = '000000000000';

export const poolArn = (region: string, poolId: string) => `arn:aws:cognito-idp:${region}:${ACCOUNT_ID}:userpool/${poolId}`;
/** The resource of an action that names no pool (CreateUserPool, ListUserPools): only `…:userpool/*` or `*` patterns match it. */
export const anyPoolArn = (region: string) => `arn:aws:cognito-idp:${region}:${ACCOUNT_ID}:userpool/*`;

/** IAM takes one value or a list: read as a list, so an error names the member rather than a union. */
const listOf = <T extends z.ZodType>(item: T) => z.preprocess((v) => (Array.isArray(v) || v === undefined ? v : [v]), z.array(item).min(1));
const patterns = listOf(z.string().min(1));

const statement = z.strictObject(
  {
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Action: patterns.refine((a) => a.every((p) => p === '*' || /^cognito-idp:[\w*?]+$/i.test(p)), 'Action patterns are cognito-idp:<Action>, with * and ?'),
    Resource: patterns.refine((r) => r.every((p) => p === '*' || p.startsWith('arn:')), 'Resource patterns are ARNs (arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>) or *'),
  },
  { error: (i) => (i.code === 'unrecognized_keys' ? `not supported in a broker policy: ${i.keys.join(', ')}` : undefined) },
);

export const policySchema = z.strictObject({
  Version: z.literal('2012-10-17').optional(),
  Statement: listOf(statement),
});
export type Policy = z.output<typeof policySchema>;

/** Reads a policy document (JSON text or object); throws an Error naming what is wrong. */
export function parsePolicy(doc: unknown): Policy {
  const parsed = policySchema.safeParse(typeof doc === 'string' ? JSON.parse(doc) : doc);
  if (!parsed.success) throw new Error(`invalid policy: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function matcher(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

const matchesAny = (patterns: string[], value: string, flags: string) => patterns.some((p) => matcher(p, flags).test(value));

/** Whether the policy allows `cognito-idp:<action>` on `resource` (an ARN). */
export function allows(policy: Policy, action: string, resource: string): boolean {
  const name = `cognito-idp:${action}`;
  const applies = policy.Statement.filter((s) => matchesAny(s.Action, name, 'i') && matchesAny(s.Resource, resource, ''));
  return applies.some((s) => s.Effect === 'Allow') && !applies.some((s) => s.Effect === 'Deny');
}

/** A policy that manages one pool and nothing else: every action on its ARN, in any region. */
export const poolPolicy = (poolId: string): Policy =>
  parsePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cognito-idp:*', Resource: `arn:aws:cognito-idp:*:*:userpool/${poolId}` }] });
