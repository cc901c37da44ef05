// The broker's settings: the environment (README.md, "Environment") and the BROKER_CONFIG file
// (README.md, "The config file"), validated once at start. A bad setting stops the start with one
// message naming the field and the problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkProviderDetails } from '../providers/index.js';
import { declaredPoolSchema, type DeclaredPool } from './directory/schema.js';
import { isAllowedEndpointUrl } from './shared/urls.js';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

const isOrigin = (o: string): boolean => {
  try {
    return new URL(o).origin === o;
  } catch {
    return false;
  }
};

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(9000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z
    .string()
    .refine((v) => isAllowedEndpointUrl(v) && !/[?#]/.test(v), 'must be an https URL (http only on a loopback host) with no query or fragment')
    .optional(),
  BROKER_CONFIG: z.string().min(1).default('config/broker.yaml'),
  DATA_DIR: z.string().min(1).default('./data'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .optional(),
  ADMIN_ACCESS_KEY_ID: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be 16–128 upper-case letters and digits').optional(),
  ADMIN_SECRET_ACCESS_KEY: z.string().min(20, 'must be at least 20 characters').optional(),
  BROKER_KEY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  DELIVERY: z
    .string()
    .refine((v) => v === 'outbox' || /^smtps?:\/\//.test(v), 'must be "outbox" or an smtp:// or smtps:// URL')
    .default('outbox'),
  /** Where SMS goes: `outbox` (the outbox file), `sns` (Amazon SNS; AWS_REGION, SNS_ENDPOINT), or an https webhook URL (SMS_WEBHOOK_SECRET signs it). */
  SMS_DELIVERY: z
    .string()
    .refine((v) => v === 'outbox' || v === 'sns' || isAllowedEndpointUrl(v), 'must be "outbox", "sns" or an https:// URL (http only on loopback)')
    .default('outbox'),
  SNS_ENDPOINT: z.string().url('must be a URL').optional(),
  AWS_REGION: z.string().regex(/^[a-z0-9-]{2,32}$/, 'must be a region name').optional(),
  SMS_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Lambda triggers: the Lambda endpoint for `arn:aws:lambda:` targets (a stand-in, a VPC endpoint); the secret https targets' posts are signed with. */
  LAMBDA_ENDPOINT: z.string().url('must be a URL').optional(),
  TRIGGER_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The secret of the old pool's app client, for UserMigration: cognito://… (kept out of the pool's settings). */
  COGNITO_MIGRATION_CLIENT_SECRET: z.string().min(1).optional(),
  API_CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((list) => list.every((o) => o === '*' || isOrigin(o)), 'must be "*" or a comma-separated list of origins (scheme://host[:port], no path)')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.output<typeof envSchema>;

export interface Settings extends Omit<Env, 'PUBLIC_URL'> {
  /** Undefined until the port is known when PORT=0 (see publicUrlFor). */
  PUBLIC_URL: string | undefined;
  /** The pools the config file declares. */
  pools: DeclaredPool[];
}

const configSchema = z.strictObject({ pools: z.array(declaredPoolSchema).default([]) });

/** `pools[0].Clients[1].CallbackURLs[0]: must be https or a loopback URL` */
export function describeIssue(issue: z.core.$ZodIssue, root = ''): string {
  let path = root;
  for (const part of issue.path) path += typeof part === 'number' ? `[${part}]` : path ? `.${String(part)}` : String(part);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
  return path ? `${path}: ${message}` : message;
}

function fail(source: string, error: z.ZodError): never {
  failWith(source, error.issues.map((i) => describeIssue(i)));
}

function failWith(source: string, lines: string[]): never {
  throw new SettingsError(`${source}: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more: ${lines.slice(1).join('; ')})` : ''}`);
}

/** Parses the config file's text; pools are checked against each other too (ids unique). */
export function parseConfig(text: string, source = 'config'): DeclaredPool[] {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new SettingsError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) fail(source, parsed.error);
  const ids = new Set<string>();
  parsed.data.pools.forEach((p, i) => {
    if (ids.has(p.settings.Id)) throw new SettingsError(`${source}: pools[${i}].Id: ${p.settings.Id} is declared twice`);
    ids.add(p.settings.Id);
  });
  return parsed.data.pools;
}

/**
 * What each provider's adapter would refuse at its first sign-in (a private key that is no key, an
 * unknown token endpoint auth method…), named like the schema's own errors:
 * `pools[0].IdentityProviders[1].ProviderDetails.private_key: must be …`. The values are the file's,
 * as written (no interpolation happens before this point).
 */
export function checkProviders(pools: DeclaredPool[], source = 'config'): void {
  const lines: string[] = [];
  pools.forEach((pool, i) =>
    pool.providers.forEach((p, j) => {
      for (const issue of checkProviderDetails(p.ProviderType, p.ProviderDetails))
        lines.push(`pools[${i}].IdentityProviders[${j}].ProviderDetails${issue.path.map((k) => `.${k}`).join('')}: ${issue.message}`);
    }),
  );
  if (lines.length) failWith(source, lines);
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) fail('environment', parsed.error);
  const e = parsed.data;
  if (!!e.ADMIN_ACCESS_KEY_ID !== !!e.ADMIN_SECRET_ACCESS_KEY)
    throw new SettingsError('environment: ADMIN_ACCESS_KEY_ID and ADMIN_SECRET_ACCESS_KEY must be set together');
  if (e.SMS_DELIVERY !== 'outbox' && e.SMS_DELIVERY !== 'sns' && !e.SMS_WEBHOOK_SECRET)
    throw new SettingsError('environment: SMS_WEBHOOK_SECRET must be set when SMS_DELIVERY is a webhook URL (it signs the posts)');
  const file = resolve(e.BROKER_CONFIG);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SettingsError(`BROKER_CONFIG: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const PUBLIC_URL = e.PUBLIC_URL?.replace(/\/+$/, '') ?? (e.PORT !== 0 ? `http://localhost:${e.PORT}` : undefined);
  const pools = parseConfig(text, e.BROKER_CONFIG);
  // Here rather than in parseConfig: config/examples hold placeholders (Apple's private_key) that parse
  // as a configuration but cannot start a broker.
  checkProviders(pools, e.BROKER_CONFIG);
  return { ...e, PUBLIC_URL, pools };
}

/** The public URL once the listening port is known. */
export function publicUrlFor(settings: Settings, port: number): string {
  return settings.PUBLIC_URL ?? `http://localhost:${port}`;
}
