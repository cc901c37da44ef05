// EncryptedAssertion: the only shape we accept (xenc:EncryptedData with its xenc:EncryptedKey inline
// in ds:KeyInfo, the layout xml-encryption — node-saml's decryptor — reads unambiguously), the only
// algorithms (RSA-OAEP key transport; AES-GCM or AES-CBC content; never RSA 1.5 or 3DES), and
// decryption with node:crypto trying the SP's current key, then the previous ones. Every failure past
// the algorithm checks is the same 'decryption failed', whatever went wrong (no oracle).

import { constants, createDecipheriv, privateDecrypt } from 'node:crypto';
import type { SpKeyPair } from './types.js';
import { NS, attr, byLocalName, childElements, decodeXmlBytes, isEl, lexicalCheck, parseStrict, refuse, wholeText } from './response-xml.js';

const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const RSA_1_5 = 'http://www.w3.org/2001/04/xmlenc#rsa-1_5';
const TRIPLEDES = 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc';
const ELEMENT_TYPE = 'http://www.w3.org/2001/04/xmlenc#Element';

interface DataAlg {
  cipher: 'aes-128-cbc' | 'aes-256-cbc' | 'aes-128-gcm' | 'aes-256-gcm';
  keyLength: number;
  ivLength: number;
  gcm: boolean;
}
const DATA_ALGS: Record<string, DataAlg> = {
  'http://www.w3.org/2009/xmlenc11#aes128-gcm': { cipher: 'aes-128-gcm', keyLength: 16, ivLength: 12, gcm: true },
  'http://www.w3.org/2009/xmlenc11#aes256-gcm': { cipher: 'aes-256-gcm', keyLength: 32, ivLength: 12, gcm: true },
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc': { cipher: 'aes-128-cbc', keyLength: 16, ivLength: 16, gcm: false },
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc': { cipher: 'aes-256-cbc', keyLength: 32, ivLength: 16, gcm: false },
};
/** OAEP digest, read exactly as xml-encryption (node-saml's decryptor) reads it, so both agree. */
const OAEP_DIGESTS: Record<string, 'sha1' | 'sha256' | 'sha512'> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2000/09/xmldsig#sha256': 'sha256',
  'http://www.w3.org/2000/09/xmldsig#sha512': 'sha512',
};

export interface EncryptedParts {
  dataAlg: DataAlg;
  oaepHash: 'sha1' | 'sha256' | 'sha512';
  encryptedKey: Buffer;
  cipherValue: Buffer;
}

function cipherValueOf(cipherData: Element): Buffer {
  const kids = childElements(cipherData);
  const value = kids[0];
  if (kids.length !== 1 || !isEl(value, NS.xenc, 'CipherValue')) refuse('encrypted assertion structure');
  const b64 = wholeText(value).replace(/[ \t\n]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) refuse('encrypted assertion structure');
  return Buffer.from(b64, 'base64');
}

/** Checks the EncryptedAssertion's shape and algorithms; returns what decryption needs. */
export function readEncryptedAssertion(enc: Element): EncryptedParts {
  const top = childElements(enc);
  const data = top[0];
  if (top.length !== 1 || !isEl(data, NS.xenc, 'EncryptedData')) refuse('encrypted assertion structure');
  // Exactly one of each, anywhere inside: nothing for a second reader to pick instead.
  for (const [name, count] of [['EncryptedData', 1], ['EncryptedKey', 1], ['EncryptionMethod', 2], ['CipherData', 2], ['CipherValue', 2], ['CipherReference', 0]] as const) {
    if (byLocalName(enc, name).length !== count) refuse('encrypted assertion structure');
  }
  const type = attr(data, 'Type');
  if (type !== null && type !== ELEMENT_TYPE) refuse('encrypted assertion structure');
  const dataKids = childElements(data);
  const [method, keyInfo, cipherData] = dataKids;
  if (dataKids.length !== 3 || !isEl(method, NS.xenc, 'EncryptionMethod') || !isEl(keyInfo, NS.ds, 'KeyInfo') || !isEl(cipherData, NS.xenc, 'CipherData')) {
    refuse('encrypted assertion structure');
  }
  const dataAlgUri = attr(method, 'Algorithm') ?? '';
  if (dataAlgUri === TRIPLEDES) refuse('3DES is not allowed');
  const dataAlg = DATA_ALGS[dataAlgUri];
  if (!dataAlg) refuse('data encryption algorithm not allowed');
  if (childElements(method).length > 0) refuse('encrypted assertion structure');

  const keyInfoKids = childElements(keyInfo);
  const encryptedKey = keyInfoKids[0];
  if (keyInfoKids.length !== 1 || !isEl(encryptedKey, NS.xenc, 'EncryptedKey')) refuse('encrypted assertion structure');
  let keyMethod: Element | null = null;
  let keyCipherData: Element | null = null;
  for (const kid of childElements(encryptedKey)) {
    if (isEl(kid, NS.xenc, 'EncryptionMethod') && !keyMethod && !keyCipherData) keyMethod = kid;
    else if (isEl(kid, NS.ds, 'KeyInfo') && keyMethod && !keyCipherData) continue;
    else if (isEl(kid, NS.xenc, 'CipherData') && keyMethod && !keyCipherData) keyCipherData = kid;
    else if ((isEl(kid, NS.xenc, 'ReferenceList') || isEl(kid, NS.xenc, 'CarriedKeyName')) && keyCipherData) continue;
    else refuse('encrypted assertion structure');
  }
  if (!keyMethod || !keyCipherData) refuse('encrypted assertion structure');
  const keyAlg = attr(keyMethod, 'Algorithm') ?? '';
  if (keyAlg === RSA_1_5) refuse('RSA 1.5 key transport is not allowed');
  if (keyAlg !== RSA_OAEP_MGF1P) refuse('key transport algorithm not allowed');
  let oaepHash: EncryptedParts['oaepHash'] = 'sha1';
  const methodKids = childElements(keyMethod);
  if (methodKids.length > 1) refuse('encrypted assertion structure');
  if (methodKids[0]) {
    const digest = methodKids[0];
    const hash = isEl(digest, NS.ds, 'DigestMethod') ? OAEP_DIGESTS[attr(digest, 'Algorithm') ?? ''] : undefined;
    if (!hash) refuse('key transport digest not allowed');
    oaepHash = hash;
  }
  return { dataAlg, oaepHash, encryptedKey: cipherValueOf(keyCipherData), cipherValue: cipherValueOf(cipherData) };
}

function decryptWith(parts: EncryptedParts, privateKey: string): Buffer {
  const key = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: parts.oaepHash }, parts.encryptedKey);
  const { cipher, keyLength, ivLength, gcm } = parts.dataAlg;
  if (key.length !== keyLength) throw new Error('key length');
  const c = parts.cipherValue;
  if (gcm) {
    if (c.length < ivLength + 16) throw new Error('short');
    const d = createDecipheriv(cipher as 'aes-128-gcm', key, c.subarray(0, ivLength));
    d.setAuthTag(c.subarray(c.length - 16));
    return Buffer.concat([d.update(c.subarray(ivLength, c.length - 16)), d.final()]);
  }
  const body = c.subarray(ivLength);
  if (body.length === 0 || body.length % 16 !== 0) throw new Error('length');
  const d = createDecipheriv(cipher, key, c.subarray(0, ivLength));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(body), d.final()]);
  // XML Encryption padding: the last byte says how many bytes to drop (1..block size).
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 16) throw new Error('padding');
  return plain.subarray(0, plain.length - pad);
}

export interface Decrypted {
  xml: string;
  assertion: Element;
  /** Which SP encryption key opened it (0 = current). */
  keyIndex: number;
}

/**
 * Decrypts with each SP key in turn (current first), then requires the plaintext to be one
 * saml:Assertion passing the same lexical and parser checks as the Response itself.
 */
export function decryptAssertion(parts: EncryptedParts, keys: SpKeyPair[]): Decrypted {
  let plain: Buffer | null = null;
  let keyIndex = -1;
  for (let i = 0; i < keys.length && plain === null; i++) {
    try {
      plain = decryptWith(parts, (keys[i] as SpKeyPair).privateKey);
      keyIndex = i;
    } catch {
      // Same outcome for every key and every way of failing.
    }
  }
  if (plain === null) refuse('decryption failed');
  try {
    const xml = decodeXmlBytes(plain, 'decryption failed');
    lexicalCheck(xml);
    const assertion = parseStrict(xml).documentElement;
    if (!isEl(assertion, NS.saml, 'Assertion')) throw new Error('not an assertion');
    return { xml, assertion, keyIndex };
  } catch {
    refuse('decryption failed');
  }
}
