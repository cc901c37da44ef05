// XML Encryption of assertions, as IdPs do it for an SP's encryption certificate. Written on
// node:crypto rather than xml-encryption because xml-encryption only encrypts through a callback
// (async randomBytes) and `response()` is synchronous; the output is the layout xml-encryption
// (and so node-saml) decrypts, which the fake's own test checks.
import { X509Certificate, constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import { certBody } from './keys.js';
import { NS, childElements, parseXml, serialize } from './xml.js';

export type KeyTransport = 'rsa-oaep' | 'rsa-1_5';
export type DataCipher = 'aes256-gcm' | 'aes128-cbc' | 'tripledes-cbc';

export const KEY_TRANSPORT_URI: Record<KeyTransport, string> = {
  'rsa-oaep': 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  'rsa-1_5': 'http://www.w3.org/2001/04/xmlenc#rsa-1_5',
};

const DATA: Record<DataCipher, { uri: string; cipher: string; keyLength: number; ivLength: number }> = {
  'aes256-gcm': { uri: 'http://www.w3.org/2009/xmlenc11#aes256-gcm', cipher: 'aes-256-gcm', keyLength: 32, ivLength: 12 },
  'aes128-cbc': { uri: 'http://www.w3.org/2001/04/xmlenc#aes128-cbc', cipher: 'aes-128-cbc', keyLength: 16, ivLength: 16 },
  'tripledes-cbc': { uri: 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc', cipher: 'des-ede3-cbc', keyLength: 24, ivLength: 8 },
};
export const DATA_CIPHER_URI = Object.fromEntries(Object.entries(DATA).map(([k, v]) => [k, v.uri])) as Record<DataCipher, string>;

export interface EncryptionOptions {
  keyAlg?: KeyTransport;
  dataAlg?: DataCipher;
}

/** `<xenc:EncryptedData>` for `plaintext` (an element's XML), its key wrapped for `certificate`. */
export function encryptedDataXml(plaintext: string, certificate: string, o: EncryptionOptions = {}): string {
  const keyAlg = o.keyAlg ?? 'rsa-oaep';
  const data = DATA[o.dataAlg ?? 'aes256-gcm'];
  const key = randomBytes(data.keyLength);
  const iv = randomBytes(data.ivLength);
  const cipher = createCipheriv(data.cipher, key, iv);
  // CipherValue is IV || ciphertext (|| GCM tag), XML Encryption 1.1 §5.2; CBC uses PKCS#7 padding,
  // which satisfies XML Encryption's "last byte is the pad length" rule.
  const parts: Buffer[] = [iv, cipher.update(plaintext, 'utf8'), cipher.final()];
  if (data.cipher.endsWith('gcm')) parts.push((cipher as unknown as { getAuthTag(): Buffer }).getAuthTag());
  const wrapped = publicEncrypt(
    keyAlg === 'rsa-oaep'
      ? { key: new X509Certificate(certificate).publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }
      : { key: new X509Certificate(certificate).publicKey, padding: constants.RSA_PKCS1_PADDING },
    key,
  );
  const digest = keyAlg === 'rsa-oaep' ? `<ds:DigestMethod Algorithm="${NS.ds}sha1"/>` : '';
  // The SP's certificate goes in the EncryptedKey's KeyInfo so an SP mid-rotation knows which key to use.
  return (
    `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" Type="${NS.xenc}Element">` +
    `<xenc:EncryptionMethod Algorithm="${data.uri}"/>` +
    `<ds:KeyInfo xmlns:ds="${NS.ds}"><xenc:EncryptedKey>` +
    `<xenc:EncryptionMethod Algorithm="${KEY_TRANSPORT_URI[keyAlg]}">${digest}</xenc:EncryptionMethod>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${Buffer.concat(parts).toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData>`
  );
}

/** Replaces each Assertion directly under the Response with a `<saml:EncryptedAssertion>` of it. */
export function encryptAssertions(responseXml: string, certificate: string, o: EncryptionOptions = {}): string {
  const doc = parseXml(responseXml);
  const root = doc.documentElement!;
  for (const assertion of childElements(root, NS.saml, 'Assertion')) {
    const enc = parseXml(
      `<saml:EncryptedAssertion xmlns:saml="${NS.saml}">${encryptedDataXml(serialize(assertion), certificate, o)}</saml:EncryptedAssertion>`,
    ).documentElement!;
    root.replaceChild(doc.importNode(enc, true), assertion);
  }
  return serialize(doc);
}
