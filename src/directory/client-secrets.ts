// An app client's secrets: one, or two while it is rotated (AddUserPoolClientSecret, then
// DeleteUserPoolClientSecret of the old one). Kept in the client's two secret columns: `secretHash`
// holds the oldest live secret's hash (so "has a secret" stays `secretHash !== null` everywhere), and
// `sealedSecret` holds either one sealed secret (as the file writes it) or, for a client whose
// secrets the API made, `secrets:v2:` and the list of every secret's id, hash, sealed copy and date.
import type { AppClient } from './types.js';
import { hashClientSecret, verifyClientSecret, type Sealer } from './secrets.js';

export interface ClientSecretEntry {
  /** Cognito's ClientSecretId: `<clientId>--<creation time in ms>`. */
  id: string;
  hash: string;
  /** Null for a secret stored before sealed copies were kept (it can be checked, not read back). */
  sealed: string | null;
  createdAt: number;
}

export const MAX_CLIENT_SECRETS = 2;
const LIST = 'secrets:v2:';

type Stored = Pick<AppClient, 'clientId' | 'secretHash' | 'sealedSecret' | 'createdAt'>;

/** The client's live secrets, oldest first (none for a public client). */
export function secretsOf(c: Stored): ClientSecretEntry[] {
  if (c.sealedSecret?.startsWith(LIST)) return JSON.parse(c.sealedSecret.slice(LIST.length)) as ClientSecretEntry[];
  if (c.secretHash === null) return [];
  return [{ id: `${c.clientId}--${c.createdAt}`, hash: c.secretHash, sealed: c.sealedSecret, createdAt: c.createdAt }];
}

/** The two columns that store `entries`: as a list, so each secret keeps its id through a rotation. */
export function secretColumns(entries: ClientSecretEntry[]): Pick<AppClient, 'secretHash' | 'sealedSecret'> {
  if (entries.length === 0) return { secretHash: null, sealedSecret: null };
  return { secretHash: entries[0]!.hash, sealedSecret: LIST + JSON.stringify(entries) };
}

/** A new secret entry for the client: hashed, and sealed to be read back for SECRET_HASH. */
export function newSecretEntry(sealer: Sealer, clientId: string, secret: string, now: number): ClientSecretEntry {
  return { id: `${clientId}--${now}`, hash: hashClientSecret(secret), sealed: sealer.seal(secret), createdAt: now };
}

/** Whether `secret` is one of the client's live secrets. */
export const matchesClientSecret = (c: Stored, secret: string): boolean => secretsOf(c).some((e) => verifyClientSecret(secret, e.hash));

/** The client's secrets in clear (those with a sealed copy), oldest first: SECRET_HASH may be made with any. */
export const plainSecrets = (sealer: Sealer, c: Stored): string[] => secretsOf(c).flatMap((e) => (e.sealed ? [sealer.unseal(e.sealed)] : []));
