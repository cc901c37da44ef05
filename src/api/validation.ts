// Cognito's words for a request that breaks the model: "1 validation error detected: Value at
// 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: …".
import type { z } from 'zod';

/** `UserAttributes.0.Value` → `userAttributes.1.member.value`, as Cognito names members (camelCase, 1-based list members). */
function memberPath(path: PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `${p + 1}.member` : String(p).charAt(0).toLowerCase() + String(p).slice(1)))
    .join('.');
}

export function validationMessage(issues: z.core.$ZodIssue[]): string {
  // One constraint per member, the first it breaks (an empty value is told its length, not also its pattern).
  const seen = new Set<string>();
  const first = issues.filter((i) => {
    const key = i.path.join('.');
    return !seen.has(key) && (seen.add(key), true);
  });
  const parts = first.map((i) => `Value ${i.message === 'Member must not be null' ? 'null ' : ''}at '${memberPath(i.path)}' failed to satisfy constraint: ${i.message}`);
  return `${parts.length} validation error${parts.length > 1 ? 's' : ''} detected: ${parts.join('; ')}`;
}
