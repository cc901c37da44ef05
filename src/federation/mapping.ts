// Attribute mapping as Cognito does it (the Cognito Developer Guide's "Specifying identity provider
// attribute mappings for your user pool"): each rule is {poolAttribute: claim}; mapped attributes are
// rewritten at every sign-in, an absent claim leaves the attribute alone, and `email` is verified only
// when `email_verified` is mapped and true.
import type { Claims, ClaimValue } from '../../providers/provider.js';
import type { PoolSettings } from '../directory/schema.js';
import { BrokerError } from '../shared/errors.js';
import { STANDARD_ATTRIBUTE_SET } from '../directory/schema.js';
import type { Attributes } from '../directory/types.js';

/** The provider's claims cannot become this pool's attributes (a required one unmapped, a value too long). */
export class MappingError extends BrokerError {
  constructor(message: string) {
    super('MappingError', message);
  }
}

/** A claim by name: the exact name first (SAML names are URIs with dots), then a dotted path (`picture.data.url`). */
export function claimAt(claims: Claims, name: string): ClaimValue | undefined {
  if (Object.hasOwn(claims, name)) return claims[name];
  let node: ClaimValue | undefined = claims;
  for (const part of name.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, ClaimValue>)[part];
  }
  return node;
}

// Multi-valued attributes: each value URL-form-encoded (except . - * _), joined with commas.
const formEncode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function asAttribute(value: ClaimValue): string | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.filter((v) => v !== null).map((v) => formEncode(typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const truthy = (v: ClaimValue | undefined) => v === true || v === 'true';

/** The pool attribute a mapping key names (`department` declared in Schema is `custom:department`). */
export function poolAttributeName(key: string, pool: PoolSettings): string {
  if (STANDARD_ATTRIBUTE_SET.has(key) || key.includes(':') || key === 'email_verified' || key === 'phone_number_verified' || key === 'username') return key;
  return pool.Schema.some((a) => a.Name === key) ? `custom:${key}` : key;
}

/**
 * The attributes the provider's claims give the user. Throws MappingError when a required pool
 * attribute is not mapped, or a mapped value is too long.
 */
export function mapAttributes(mapping: Record<string, string>, claims: Claims, pool: PoolSettings): Attributes {
  const mappedNames = new Set(Object.keys(mapping).map((k) => poolAttributeName(k, pool)));
  const missing = pool.Schema.filter((a) => a.Required && !mappedNames.has(a.Name) && !mappedNames.has(`custom:${a.Name}`)).map((a) => a.Name);
  if (missing.length) throw new MappingError(`The identity provider's attribute mapping does not map the required attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`);

  const out: Attributes = {};
  for (const [key, claim] of Object.entries(mapping)) {
    const name = poolAttributeName(key, pool);
    if (name === 'username' || name === 'sub' || name === 'identities') continue; // never from a claim
    const raw = claimAt(claims, claim);
    if (raw === undefined) continue; // absent: left as it is
    if (name === 'email_verified' || name === 'phone_number_verified') {
      out[name] = truthy(raw) ? 'true' : 'false';
      continue;
    }
    const value = asAttribute(raw);
    if (value === undefined) continue;
    if (value.length > 2048) throw new MappingError(`The value of ${name} from the identity provider is longer than 2048 characters.`);
    out[name] = value;
  }
  // A mapped email is unverified unless the provider's verification is mapped too.
  if (out.email !== undefined && !mappedNames.has('email_verified')) out.email_verified = 'false';
  if (out.phone_number !== undefined && !mappedNames.has('phone_number_verified')) out.phone_number_verified = 'false';
  return out;
}
