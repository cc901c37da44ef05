// Users brought in from elsewhere as rows of Cognito's import CSV (GetCSVHeader's columns, plus the
// broker's `password_hash`): each row is made whole or not at all, so a failed row leaves nothing.
// A row with a hash keeps its password (foreign-hashes.ts; rehashed at the next sign-in) and is
// CONFIRMED; one without is RESET_REQUIRED, as Cognito imports them: the user sets a password by code.
import { parse } from 'csv-parse/sync';
import { AliasExists, InvalidParameter, UsernameExists } from '../directory/errors.js';
import { STANDARD_ATTRIBUTE_SET } from '../directory/schema.js';
import type { Store } from '../directory/store.js';
import type { Attributes, Pool } from '../directory/types.js';
import { foreignHashProblem, type ForeignAlgorithm } from './foreign-hashes.js';
import { checkNotProviderName, checkSignUpAttributes, checkUsernameShape, newUsername, signInAliases } from './identifiers.js';
import { prepareUsername } from './usernames.js';

/** Cognito's CSV columns, in its order. */
const COGNITO_COLUMNS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'email', 'email_verified',
  'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address', 'updated_at', 'cognito:mfa_enabled', 'cognito:username',
];
/** The broker's own column: the user's password hash from the system they come from. */
export const PASSWORD_HASH_COLUMN = 'password_hash';
/**
 * A stored hash no password matches: an imported user without one can only set a password by code
 * (ForgotPassword), as Cognito's RESET_REQUIRED users do.
 */
export const NO_PASSWORD_YET = '!reset-required';

/** GetCSVHeader: Cognito's columns, the pool's custom attributes, then `password_hash`. */
export function csvHeader(pool: Pool): string[] {
  const custom = pool.settings.Schema.filter((a) => !STANDARD_ATTRIBUTE_SET.has(a.Name)).map((a) => `custom:${a.Name}`);
  return [...COGNITO_COLUMNS, ...custom, PASSWORD_HASH_COLUMN];
}

/** The rows of an import CSV as column → value, the header checked against the pool's. */
export function parseImportCsv(pool: Pool, csv: string): Record<string, string>[] {
  let rows: string[][];
  try {
    rows = parse(csv, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new InvalidParameter(`The CSV could not be read: ${(err as Error).message}`);
  }
  const [header, ...body] = rows;
  if (!header) throw new InvalidParameter('The CSV is empty: it needs the header of GetCSVHeader.');
  const known = new Set(csvHeader(pool));
  const unknown = header.find((h) => !known.has(h));
  if (unknown !== undefined) throw new InvalidParameter(`The CSV header has a column the pool does not have: ${unknown}`);
  if (!header.includes('cognito:username')) throw new InvalidParameter('The CSV header has no cognito:username column.');
  return body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
}

/**
 * Creates the user one row describes, or throws saying what is wrong with the row (and creates
 * nothing). `algorithm`: what the job's password hashes must be (none: any format foreign-hashes.ts reads).
 */
export async function importRow(store: Store, pool: Pool, row: Record<string, string>, algorithm: ForeignAlgorithm | null): Promise<void> {
  const s = pool.settings;
  const typed = row['cognito:username'] ?? '';
  if (!typed) throw new InvalidParameter('cognito:username is empty');
  checkUsernameShape(typed);
  if (row['cognito:mfa_enabled'] && row['cognito:mfa_enabled'].toLowerCase() !== 'false') throw new InvalidParameter('cognito:mfa_enabled must be false: MFA is not served yet');
  const given: Record<string, string> = {};
  const flags: Attributes = {};
  for (const [name, value] of Object.entries(row)) {
    if (value === '' || name.startsWith('cognito:') || name === PASSWORD_HASH_COLUMN) continue;
    if (name === 'email_verified' || name === 'phone_number_verified') {
      const v = value.toLowerCase();
      if (v !== 'true' && v !== 'false') throw new InvalidParameter(`${name} must be true or false`);
      flags[name] = v;
    } else given[name] = value;
  }
  const attributes: Attributes = { ...checkSignUpAttributes(s, given), ...flags };
  for (const k of ['email', 'phone_number'] as const) if (attributes[`${k}_verified`] && !attributes[k]) throw new InvalidParameter(`${k}_verified is set, but there is no ${k}`);
  const { username, sub, aliases, kind, name } = newUsername(s, typed);
  await checkNotProviderName(store, pool, name);
  if (kind) attributes[kind] = typed;
  if (attributes.preferred_username !== undefined) attributes.preferred_username = prepareUsername(attributes.preferred_username, { caseSensitive: s.UsernameConfiguration.CaseSensitive });
  aliases.push(...signInAliases(s, attributes));

  const hash = row[PASSWORD_HASH_COLUMN] ?? '';
  if (hash) {
    const problem = foreignHashProblem(algorithm, hash);
    if (problem) throw new InvalidParameter(`password_hash: ${problem}`);
  }
  try {
    await store.users.createUser({ poolId: pool.id, sub, username, status: hash ? 'CONFIRMED' : 'RESET_REQUIRED', attributes, passwordHash: hash || NO_PASSWORD_YET, srpVerifier: null, aliases });
  } catch (err) {
    if (err instanceof UsernameExists) throw new UsernameExists(`a user named ${typed} exists`);
    if (err instanceof AliasExists) throw new AliasExists(`another user signs in with this row's email, phone number or preferred username, or a look-alike of its username`);
    throw err;
  }
}
