// The request members of Cognito's API with the limits its model gives them, as zod schemas. A value
// that breaks one is an InvalidParameterException naming the member, in Cognito's words (validation.ts).
import { z } from 'zod';

const pattern = (re: RegExp, text: string) => (s: z.ZodString) => s.regex(re, `Member must satisfy regular expression pattern: ${text}`);
const between = (min: number, max: number) => (s: z.ZodString) =>
  s.min(min, `Member must have length greater than or equal to ${min}`).max(max, `Member must have length less than or equal to ${max}`);

const str = (min: number, max: number, re?: [RegExp, string]) => {
  let s = between(min, max)(z.string({ error: (i) => (i.input === undefined ? 'Member must not be null' : 'Member must be a string') }));
  if (re) s = pattern(re[0], re[1])(s);
  return s;
};

export const ClientId = str(1, 128, [/^[\w+]+$/, '[\\w+]+']);
export const Username = str(1, 128, [/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u, '[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+']);
/** Spaces inside, never at either end (Cognito: a password cannot begin or end with a space). */
export const Password = str(1, 256, [/^\S(?:[\s\S]*\S)?$/, '^[\\S]+.*[\\S]+$']);
export const SecretHash = str(1, 128, [/^[\w+=/]+$/, '[\\w+=/]+']);
export const ClientSecret = str(1, 64, [/^[\w+]+$/, '[\\w+]+']);
export const Session = str(20, 2048);
export const ConfirmationCode = str(1, 2048, [/^\S+$/, '[\\S]+']);
export const Token = str(1, 16_384, [/^[A-Za-z0-9\-_=.+/]+$/, '[A-Za-z0-9-_=.]+']);
export const AttributeName = str(1, 32, [/^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u, '[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+']);
export const AttributeValue = z.string({ error: 'Member must be a string' }).max(2048, 'Member must have length less than or equal to 2048');
export const Attributes = z.array(z.object({ Name: AttributeName, Value: AttributeValue.optional() }), { error: 'Member must be a list' }).max(100);
/**
 * Free-form string maps (AuthParameters, ChallengeResponses, ClientMetadata). A null value is no value:
 * amazon-cognito-identity-js sends `"DEVICE_KEY": null` when it answers again without its device.
 */
export const StringMap = z
  .record(z.string(), z.string({ error: 'Member must be a string map' }).nullable(), { error: 'Member must be a string map' })
  .transform((m) => Object.fromEntries(Object.entries(m).filter((e): e is [string, string] => e[1] !== null)));
/** Members the broker reads nothing of yet but clients send (AnalyticsMetadata, UserContextData). */
export const Opaque = z.unknown();

/** Members every client action may carry and the broker accepts without using them yet. */
export const CLIENT_EXTRAS = { AnalyticsMetadata: Opaque.optional(), UserContextData: Opaque.optional(), ClientMetadata: StringMap.optional() };
