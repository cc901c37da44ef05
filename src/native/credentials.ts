// A password kept as two credentials: its argon2id hash, for sign-ins that send the password, and its
// SRP verifier, for Cognito's USER_SRP_AUTH, where the password never leaves the client. The verifier
// derives from one fast SHA-256 of the password (the protocol fixes that), so a stolen verifier could
// be brute-forced far faster than the argon2id hash: it is sealed at rest, as private keys are.
import type { Sealer } from '../directory/secrets.js';
import type { Pool, User } from '../directory/types.js';
import { hashPassword } from './passwords.js';
import { srpPoolName, type SrpVerifier } from './srp.js';
import { srpMath } from './srp-math.js';

/**
 * Both credentials of a password. `userIdForSrp` is the user's real username (USER_ID_FOR_SRP: a
 * UUID in pools where email or phone is the username). The verifier takes the password exactly as
 * typed: SRP clients hash what the user typed, without our NFKC normalisation.
 */
export async function passwordCredentials(sealer: Sealer, pool: Pool, userIdForSrp: string, password: string): Promise<{ passwordHash: string; srpVerifier: string }> {
  const [passwordHash, verifier] = await Promise.all([hashPassword(password), srpMath.makeVerifier(srpPoolName(pool.id), userIdForSrp, password)]);
  return { passwordHash, srpVerifier: sealer.seal(JSON.stringify(verifier)) };
}

/** The user's SRP verifier, unsealed; null when the password was set before verifiers were kept. */
export function srpVerifierOf(sealer: Sealer, user: User): SrpVerifier | null {
  if (!user.srpVerifier) return null;
  const v = JSON.parse(sealer.unseal(user.srpVerifier)) as SrpVerifier;
  return typeof v.salt === 'string' && typeof v.verifier === 'string' ? v : null;
}
