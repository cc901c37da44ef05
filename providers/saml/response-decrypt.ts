// EncryptedAssertion. xml-encryption (node-saml's own decryptor) does the cryptography: RSA-OAEP key
// transport, then AES-GCM/AES-CBC content, refusing RSA 1.5 and 3DES itself. Before it sees anything
// we check, ourselves: the only shape (xenc:EncryptedData with its xenc:EncryptedKey inline in
// ds:KeyInfo, exactly one of each element, so its first-match XPath can pick nothing else), the only
// algorithms (RSA-OAEP with a SHA-1/256/512 digest as it reads them; AES-GCM or AES-CBC; never RSA 1.5
// or 3DES), strict base64 and the ciphertext lengths. We try the SP's current key, then the previous
// ones, and check the plaintext as strictly as the Response. Every failure past the algorithm checks
// is the same 'decryption failed', whatever went wrong (no oracle).

import { XMLSerializer } from '@xmldom/xmldom';
import xmlenc from 'xml-encryption';
import type { SpKeyPair } from './types.js';
import { NS, attr, byLocalName, childElements, decodeXmlBytes, isEl, lexicalCheck, parseStrict, refuse, wholeText } from './response-xml.js';

const RSA_OAEP_MGF1P = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';
const RSA_1_5 = 'http://www.w3.org/2001/04/xmlenc#rsa-1_5';
const TRIPLEDES = 'http://www.w3.org/2001/04/xmlenc#tripledes-cbc';
const ELEMENT_TYPE = 'http://www.w3.org/2001/04/xmlenc#Element';

interface DataAlg {
  ivLength: number;
  gcm: boolean;
}
/** The content ciphers we accept; xml-encryption decrypts each of them (and nothing else we allow). */
const DATA_ALGS: Record<string, DataAlg> = {
  'http://www.w3.org/2009/xmlenc11#aes128-gcm': { ivLength: 12, gcm: true },
  'http://www.w3.org/2009/xmlenc11#aes256-gcm': { ivLength: 12, gcm: true },
  'http://www.w3.org/2001/04/xmlenc#aes128-cbc': { ivLength: 16, gcm: false },
  'http://www.w3.org/2001/04/xmlenc#aes256-cbc': { ivLength: 16, gcm: false },
};
/**
 * OAEP digests xml-encryption 3.1.0 tells apart (decryptKeyInfo): it maps any other DigestMethod URI
 * — xmlenc#sha256 included — to SHA-1 silently, so we refuse those instead. It never reads an MGF:
 * node:crypto uses MGF1 with the OAEP digest, as our own code did.
 */
const OAEP_DIGESTS = new Set(['http://www.w3.org/2000/09/xmldsig#sha1', 'http://www.w3.org/2000/09/xmldsig#sha256', 'http://www.w3.org/2000/09/xmldsig#sha512']);

export interface EncryptedParts {
  /** The checked EncryptedAssertion on its own, serialized: the whole document xml-encryption parses. */
  xml: string;
  dataAlg: DataAlg;
  /** Length of the content CipherValue (IV || ciphertext || GCM tag), in bytes. */
  cipherLength: number;
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
  const methodKids = childElements(keyMethod);
  if (methodKids.length > 1) refuse('encrypted assertion structure');
  if (methodKids[0]) {
    const digest = methodKids[0];
    if (!isEl(digest, NS.ds, 'DigestMethod') || !OAEP_DIGESTS.has(attr(digest, 'Algorithm') ?? '')) refuse('key transport digest not allowed');
  }
  cipherValueOf(keyCipherData);
  const cipherLength = cipherValueOf(cipherData).length;
  return { xml: new XMLSerializer().serializeToString(enc), dataAlg, cipherLength };
}

const DECRYPT_OPTIONS = { disallowDecryptionWithInsecureAlgorithm: true, warnInsecureAlgorithm: false } as const;

/** xml-encryption's decrypt with one key; rejects on any error it reports or throws. */
function decryptWith(xml: string, privateKey: string): Promise<string> {
  return new Promise((resolve, reject) => {
    try {
      xmlenc.decrypt(xml, { ...DECRYPT_OPTIONS, key: privateKey }, (err, result) => {
        if (err || typeof result !== 'string') reject(err ?? new Error('no result'));
        else resolve(result);
      });
    } catch (e) {
      reject(e);
    }
  });
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
export async function decryptAssertion(parts: EncryptedParts, keys: SpKeyPair[]): Promise<Decrypted> {
  // Lengths xml-encryption does not check: a GCM tag of 16 bytes after the IV; whole CBC blocks.
  const { ivLength, gcm } = parts.dataAlg;
  const body = parts.cipherLength - ivLength;
  if (gcm ? body < 16 : body <= 0 || body % 16 !== 0) refuse('decryption failed');
  let plain: string | null = null;
  let keyIndex = -1;
  for (let i = 0; i < keys.length && plain === null; i++) {
    try {
      plain = await decryptWith(parts.xml, (keys[i] as SpKeyPair).privateKey);
      keyIndex = i;
    } catch {
      // Same outcome for every key and every way of failing.
    }
  }
  if (plain === null) refuse('decryption failed');
  try {
    // xml-encryption hands back the plaintext decoded as UTF-8 with bad bytes replaced by U+FFFD, so
    // invalid UTF-8 can only be refused as any U+FFFD; then the same checks as the Response's bytes.
    if (plain.includes('\uFFFD')) throw new Error('not UTF-8');
    const xml = decodeXmlBytes(Buffer.from(plain, 'utf8'), 'decryption failed');
    lexicalCheck(xml);
    const assertion = parseStrict(xml).documentElement;
    if (!isEl(assertion, NS.saml, 'Assertion')) throw new Error('not an assertion');
    return { xml, assertion, keyIndex };
  } catch {
    refuse('decryption failed');
  }
}
