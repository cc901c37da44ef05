// The pool's password policy plus what NIST 800-63B asks: no common breached passwords, not the username.
// Lengths count code points of the NFKC form (what gets hashed); spaces, emoji and any script are allowed.
import { dictionary } from '@zxcvbn-ts/language-common';
import type { PoolSettings } from '../directory/schema.js';
import { normalizePassword } from './passwords.js';

export type PasswordPolicy = PoolSettings['Policies']['PasswordPolicy'];

export const MAX_PASSWORD_LENGTH = 256;
const PREFIX = 'Password did not conform with policy: ';

let common: Set<string> | undefined;
/** The 10,000 most common passwords (zxcvbn's ranked list), lower-cased. */
function commonPasswords(): Set<string> {
  return (common ??= new Set(dictionary['passwords-common'].slice(0, 10_000).map((p) => p.toLowerCase())));
}

const fold = (s: string): string => s.normalize('NFKC').trim().toLowerCase();

/** null when acceptable, else Cognito's InvalidPasswordException message. `context`: username, email, … */
export function checkPassword(policy: Partial<PasswordPolicy>, password: string, context: string[] = []): string | null {
  const pw = normalizePassword(password);
  const length = [...pw].length;
  if (length < (policy.MinimumLength ?? 8)) return PREFIX + 'Password not long enough';
  if (length > MAX_PASSWORD_LENGTH) return PREFIX + `Password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  // Composition rules only where the pool asks for them (NIST advises against them).
  if (policy.RequireUppercase && !/\p{Lu}/u.test(pw)) return PREFIX + 'Password must have uppercase characters';
  if (policy.RequireLowercase && !/\p{Ll}/u.test(pw)) return PREFIX + 'Password must have lowercase characters';
  if (policy.RequireNumbers && !/\p{Nd}/u.test(pw)) return PREFIX + 'Password must have numeric characters';
  // Cognito counts its specials and an inner space as symbols.
  if (policy.RequireSymbols && !/[\p{P}\p{S}]/u.test(pw) && !pw.trim().includes(' ')) return PREFIX + 'Password must have symbol characters';
  const folded = fold(pw);
  if (commonPasswords().has(folded)) return PREFIX + 'Password is too common';
  if (context.some((c) => c && fold(c) === folded)) return PREFIX + 'Password must not be the username or email';
  return null;
}
