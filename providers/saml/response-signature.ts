// XML signatures on a Response: where they may be, what they may say, and — through xml-crypto — the
// exact bytes they cover. We never read a signed value from the posted document itself: a verified
// signature yields xml-crypto's canonical copy of the referenced element (getSignedReferences), and
// that copy, parsed on its own, is what the rest of the ACS reads.

import { SignedXml } from 'xml-crypto';
import { SamlError, SamlUnknownKeyError } from './types.js';
import { NS, allElements, attr, byLocalName, childElements, children, isEl, parseStrict, refuse } from './response-xml.js';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const EXC_C14N_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

const CANONICALIZATIONS = new Set([EXC_C14N, EXC_C14N_COMMENTS]);
const TRANSFORMS = new Set([ENVELOPED, EXC_C14N, EXC_C14N_COMMENTS]);
// RSA-SHA384 and SHA-384 are not implemented by xml-crypto 6.3.2 (so node-saml could never verify
// them): they are left out rather than listed and then failing further down.
const SIGNATURE_METHODS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
const DIGEST_METHODS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1';

/** Names that may appear inside a ds:Signature, and how many times at most (SignedInfo exactly once). */
const SIGNATURE_PARTS: Record<string, number> = {
  SignedInfo: 1, CanonicalizationMethod: 1, SignatureMethod: 1, Reference: 1, Transforms: 1, Transform: 2,
  DigestMethod: 1, DigestValue: 1, SignatureValue: 1,
};
const FORBIDDEN_IN_SIGNATURE = new Set(['Object', 'Manifest', 'SignatureProperties', 'RetrievalMethod', 'HMACOutputLength']);

/** A same-document reference to an xs:ID: `#` and an NCName, nothing XPath could read twice. */
const REFERENCE_URI = /^#[A-Za-z_][A-Za-z0-9_.-]*$/;

function algorithm(el: Element): string {
  const a = attr(el, 'Algorithm');
  if (a === null) refuse('signature algorithm missing');
  return a;
}

/**
 * Checks one ds:Signature: exactly one SignedInfo (no second one anywhere inside, CVE-2025-29774),
 * exclusive c14n, RSA-SHA256/512 (RSA-SHA1 only when allowed; never HMAC or anything else), one
 * Reference to `#ID` with only enveloped-signature/exc-c14n transforms and a SHA-256/512 digest
 * (SHA-1 only when allowed), no ds:Object/Manifest to hide content in.
 */
export function checkSignatureElement(sig: Element, allowSha1: boolean): void {
  const counts = new Map<string, number>();
  for (const el of allElements(sig)) {
    if (el === sig) continue;
    if (el.localName === 'Signature') refuse('nested signature');
    if (FORBIDDEN_IN_SIGNATURE.has(el.localName)) refuse('signature structure');
    counts.set(el.localName, (counts.get(el.localName) ?? 0) + 1);
  }
  for (const [name, max] of Object.entries(SIGNATURE_PARTS)) if ((counts.get(name) ?? 0) > max) refuse('signature structure');
  for (const name of ['SignedInfo', 'CanonicalizationMethod', 'SignatureMethod', 'Reference', 'DigestMethod', 'DigestValue', 'SignatureValue']) {
    if (counts.get(name) !== 1) refuse('signature structure');
  }
  const top = childElements(sig);
  const signedInfo = top[0];
  if (!isEl(signedInfo, NS.ds, 'SignedInfo') || !isEl(top[1], NS.ds, 'SignatureValue')) refuse('signature structure');
  for (const extra of top.slice(2)) if (!isEl(extra, NS.ds, 'KeyInfo')) refuse('signature structure');
  if (top.length > 3) refuse('signature structure');

  const si = childElements(signedInfo);
  const [c14n, method, reference] = si;
  if (si.length !== 3 || !isEl(c14n, NS.ds, 'CanonicalizationMethod') || !isEl(method, NS.ds, 'SignatureMethod') || !isEl(reference, NS.ds, 'Reference')) {
    refuse('signature structure');
  }
  if (!CANONICALIZATIONS.has(algorithm(c14n))) refuse('canonicalization not allowed');
  if (childElements(c14n).some((c) => c.localName !== 'InclusiveNamespaces')) refuse('signature structure');
  const sigAlg = algorithm(method);
  if (sigAlg === RSA_SHA1) {
    if (!allowSha1) refuse('SHA-1 signature not allowed');
  } else if (!SIGNATURE_METHODS.has(sigAlg)) refuse('signature algorithm not allowed');
  if (childElements(method).length > 0) refuse('signature structure');

  const uri = attr(reference, 'URI');
  if (uri === null || !REFERENCE_URI.test(uri)) refuse('signature reference URI');
  const refKids = childElements(reference);
  let k = 0;
  if (isEl(refKids[0], NS.ds, 'Transforms')) {
    const transforms = childElements(refKids[0]);
    if (transforms.length === 0 || transforms.length > 2) refuse('signature transforms');
    for (const t of transforms) {
      if (!isEl(t, NS.ds, 'Transform')) refuse('signature transforms');
      if (!TRANSFORMS.has(algorithm(t))) refuse('transform not allowed');
      if (childElements(t).some((c) => c.localName !== 'InclusiveNamespaces')) refuse('signature transforms');
    }
    k = 1;
  }
  const digestMethod = refKids[k];
  const digestValue = refKids[k + 1];
  if (!isEl(digestMethod, NS.ds, 'DigestMethod') || !isEl(digestValue, NS.ds, 'DigestValue') || refKids.length !== k + 2) refuse('signature structure');
  const digestAlg = algorithm(digestMethod);
  if (digestAlg === SHA1) {
    if (!allowSha1) refuse('SHA-1 digest not allowed');
  } else if (!DIGEST_METHODS.has(digestAlg)) refuse('digest algorithm not allowed');
}

/**
 * Every ds:Signature under root must be a direct child of one of `allowedParents` (the Response, the
 * Assertion), at most one per parent, and pass checkSignatureElement. Anything that merely looks like
 * a signature part outside a Signature (a stray SignedInfo or Reference) is refused too.
 */
export function checkSignaturePlacement(root: Element, allowedParents: Element[], allowSha1: boolean): void {
  const inSignature = new Set<Element>();
  for (const sig of byLocalName(root, 'Signature')) {
    if (sig.namespaceURI !== NS.ds) refuse('signature structure');
    const parent = sig.parentNode as Element | null;
    if (!parent || !allowedParents.includes(parent)) refuse('signature in an unexpected place');
    if (children(parent, NS.ds, 'Signature').length !== 1) refuse('more than one signature on an element');
    checkSignatureElement(sig, allowSha1);
    for (const el of allElements(sig)) inSignature.add(el);
  }
  for (const el of allElements(root)) {
    if (el.namespaceURI === NS.ds && !inSignature.has(el) && ['SignedInfo', 'Reference', 'SignatureValue', 'Object', 'Manifest'].includes(el.localName)) {
      refuse('signature structure');
    }
  }
}

export function signatureOf(el: Element): Element | null {
  const sigs = children(el, NS.ds, 'Signature');
  if (sigs.length > 1) refuse('more than one signature on an element');
  return sigs[0] ?? null;
}

/**
 * Verifies the enveloped signature of `el` (a child ds:Signature whose one Reference is `#<el's ID>`)
 * against each trusted certificate (KeyInfo is ignored: xml-crypto 6 trusts only publicCert), and
 * returns the signed element as parsed from xml-crypto's canonical signed bytes. Null when `el`
 * carries no signature; refuses when it carries one that does not verify.
 */
export function verifiedCopy(xml: string, el: Element, certs: string[], expect: { ns: string; localName: string }): Element | null {
  const sig = signatureOf(el);
  if (!sig) return null;
  const id = attr(el, 'ID');
  if (!id) refuse('signed element has no ID');
  let signed: string | null = null;
  for (const cert of certs) {
    const sx = new SignedXml({ publicCert: cert });
    try {
      sx.loadSignature(sig);
      const refs = sx.getReferences();
      if (refs.length !== 1 || refs[0]?.uri !== `#${id}`) refuse('signature does not reference its element');
      if (sx.checkSignature(xml)) {
        const got = sx.getSignedReferences();
        if (got.length === 1 && got[0]) {
          signed = got[0];
          break;
        }
      }
    } catch (e) {
      if (e instanceof SamlError) throw e;
      // This certificate did not verify it; try the next one (rollover).
    }
  }
  // No listed certificate verifies it: the IdP may have rolled its key over (the caller may look again).
  if (signed === null) throw new SamlUnknownKeyError('signature not valid');
  const copy = parseStrict(signed, 'signed content unreadable').documentElement;
  if (!isEl(copy, expect.ns, expect.localName) || attr(copy, 'ID') !== id) refuse('signature covers another element');
  return copy;
}
