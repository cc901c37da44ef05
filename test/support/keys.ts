// Keys and certificates for tests: RSA or EC key pairs, self-signed X.509 certificates (through
// @peculiar/x509, as the broker makes its own), and the PEM forms of each.
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import * as x509 from '@peculiar/x509';
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';

const subtle = webcrypto.subtle;
const provider = webcrypto as unknown as Crypto;

/** PEM: `der` in base64, 64 characters a line, between BEGIN and END `label` lines. */
export function pem(label: string, der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** The base64 DER inside a PEM of any label (as X509Certificate elements and JWK x5c carry it). */
export const pemBody = (pemText: string): string => pemText.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');

/** The certificate PEM for a base64 DER body. */
export const certificatePem = (body: string): string => pem('CERTIFICATE', Buffer.from(body.replace(/\s+/g, ''), 'base64'));

/** A signing key pair, extractable: RSA (PKCS#1 v1.5, SHA-256; 2048 bits unless told) or EC P-256. */
export async function signingKeyPair(o: { ec?: boolean; bits?: number } = {}): Promise<CryptoKeyPair> {
  const alg = o.ec
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: o.bits ?? 2048 };
  return (await subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

/** A self-signed certificate for `keys` (PEM), subject CN=`cn`, valid from `notBefore` to `notAfter` (ms). */
export async function selfSignedCertificate(
  keys: CryptoKeyPair,
  o: { cn: string; notBefore: number; notAfter: number; extensions?: x509.Extension[] },
): Promise<string> {
  const ec = keys.privateKey.algorithm.name === 'ECDSA';
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: `01${randomBytes(8).toString('hex')}`, // positive
      name: [{ CN: [o.cn] }],
      notBefore: new Date(o.notBefore),
      notAfter: new Date(o.notAfter),
      keys,
      signingAlgorithm: ec ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      extensions: o.extensions,
    },
    provider,
  );
  return cert.toString('pem');
}

/** The private key as PKCS#8 PEM. */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey));
}

/** An EC P-256 key pair as PEMs (PKCS#8 private, SPKI public): Apple's client-secret keys, for one. */
export function ecP256Pems(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
