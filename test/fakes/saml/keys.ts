// RSA keys with self-signed certificates for the fake IdP (and for SPs in tests). Generating a
// 2048-bit key costs ~100-200 ms, so keys are pooled: a closed fake hands its keys back and the
// next fake reuses them. Fakes open at the same time never share a key, so "IdP B's assertion on
// IdP A's connection" stays a real key mismatch.
import { pemBody, privateKeyPem, selfSignedCertificate, signingKeyPair } from '../../support/keys.js'; // first: it loads reflect-metadata, which @peculiar/x509 needs
import * as x509 from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';

export interface KeyMaterial {
  bits: number;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** X.509 PEM, valid from yesterday for 10 years. */
  certificate: string;
  /** The same public key in a certificate that expired a year ago. */
  expiredCertificate: string;
}

const DAY = 86_400_000;
const YEAR = 365 * DAY;

/** A fresh key pair with a 10-year certificate (and an expired one for the same key). */
export async function generateKeyMaterial(bits = 2048, cn = 'Fake SAML IdP'): Promise<KeyMaterial> {
  const keys = await signingKeyPair({ bits });
  const now = Date.now();
  const extensions = () => [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true)];
  const [certificate, expiredCertificate] = await Promise.all([
    selfSignedCertificate(keys, { cn, notBefore: now - DAY, notAfter: now - DAY + 10 * YEAR, extensions: extensions() }),
    selfSignedCertificate(keys, { cn, notBefore: now - 11 * YEAR, notAfter: now - YEAR, extensions: extensions() }),
  ]);
  return { bits, privateKey: await privateKeyPem(keys.privateKey), certificate: certificate + '\n', expiredCertificate: expiredCertificate + '\n' };
}

const pool = new Map<number, KeyMaterial[]>();

/** A key no open fake holds: a pooled one if a closed fake gave one back, else a new one. */
export function takeKey(bits: number): Promise<KeyMaterial> {
  const reused = pool.get(bits)?.pop();
  return reused ? Promise.resolve(reused) : generateKeyMaterial(bits);
}

export function releaseKey(key: KeyMaterial): void {
  const list = pool.get(key.bits) ?? [];
  list.push(key);
  pool.set(key.bits, list);
}

// Keys that are nobody's identity: shared by every fake in the process.
let attacker: Promise<KeyMaterial> | undefined;
let small: Promise<KeyMaterial> | undefined;
/** The attacker's own key ('attacker-signed'). */
export const attackerKey = (): Promise<KeyMaterial> => (attacker ??= generateKeyMaterial(2048, 'Attacker'));
/** A 1024-bit key for `metadataXml({ smallKey: true })`. */
export const smallKey = (): Promise<KeyMaterial> => (small ??= generateKeyMaterial(1024, 'Fake SAML IdP (1024-bit)'));

/** The base64 DER inside a PEM certificate, as X509Certificate elements carry it. */
export const certBody = pemBody;

/** The PEM for a base64 DER certificate (as read from a KeyInfo or metadata). */
export function certPem(body: string): string {
  return new X509Certificate(Buffer.from(body.replace(/\s+/g, ''), 'base64')).toString();
}
