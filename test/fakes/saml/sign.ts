// Enveloped XML signatures the way IdPs make them (xml-crypto), and the detached signatures of the
// HTTP-Redirect binding (over the query string, not the XML).
import { createSign, createVerify } from 'node:crypto';
import { SignedXml } from 'xml-crypto';

export interface Signer {
  /** PKCS#8 PEM. */
  privateKey: string;
  /** X.509 PEM, put in KeyInfo. */
  certificate: string;
}

export type DigestName = 'sha256' | 'sha1';

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const SIG_ALG: Record<DigestName, string> = {
  sha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
};
export const DIGEST_ALG: Record<DigestName, string> = {
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
};

/**
 * Signs the element carrying this ID: enveloped signature, exclusive c14n, the X509Certificate in
 * KeyInfo, and the ds:Signature placed right after the element's Issuer, where the SAML schema
 * wants it. `xml` must not have an XML declaration (withDecl adds it at the very end).
 */
export function signElement(xml: string, id: string, signer: Signer, digest: DigestName = 'sha256'): string {
  const sig = new SignedXml({
    privateKey: signer.privateKey,
    publicCert: signer.certificate,
    signatureAlgorithm: SIG_ALG[digest],
    canonicalizationAlgorithm: EXC_C14N,
  });
  const target = `//*[@ID='${id}']`;
  sig.addReference({ xpath: target, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: DIGEST_ALG[digest] });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

const REDIRECT_HASH: Record<string, string> = { [SIG_ALG.sha256]: 'sha256', [SIG_ALG.sha1]: 'sha1' };

/** Base64 RSA signature over the redirect binding's signed octets. */
export function signOctets(octets: string, privateKey: string, sigAlg: string): string {
  const hash = REDIRECT_HASH[sigAlg];
  if (!hash) throw new Error(`unsupported SigAlg ${sigAlg}`);
  return createSign(hash).update(octets).sign(privateKey, 'base64');
}

/** False for a wrong signature or an algorithm other than RSA-SHA256/SHA-1. */
export function verifyOctets(octets: string, signatureB64: string, certificate: string, sigAlg: string): boolean {
  const hash = REDIRECT_HASH[sigAlg];
  if (!hash) return false;
  try {
    return createVerify(hash).update(octets).verify(certificate, signatureB64, 'base64');
  } catch {
    return false;
  }
}
