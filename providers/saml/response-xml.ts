// The XML layer of the ACS: from the posted base64 to a DOM we are willing to look at, and the small
// DOM helpers the other response-* files read it with. Nothing here trusts anything: it refuses
// what no honest IdP sends (DTDs, entities, processing instructions, several roots, XSLT) before any
// parser sees the bytes, then parses with xmldom treating every complaint as fatal.

import { DOMParser } from '@xmldom/xmldom';
import { SamlError } from './types.js';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** The posted SAMLResponse, base64, may not be longer than this (checked before decoding). */
export const MAX_RESPONSE_BASE64 = 256 * 1024;
/** Element nesting deeper than this is refused before parsing (a SAML Response nests about 8 deep). */
export const MAX_DEPTH = 64;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/** Throws the only error a hostile message ever produces. Reasons are fixed strings, never user data. */
export function refuse(reason: string): never {
  throw new SamlError('invalid', reason);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Size cap, strict base64, strict UTF-8 (no BOM), newlines normalized as an XML processor must. */
export function decodeSamlResponse(samlResponseBase64: string): string {
  if (typeof samlResponseBase64 !== 'string' || samlResponseBase64.length === 0) refuse('empty SAMLResponse');
  if (samlResponseBase64.length > MAX_RESPONSE_BASE64) refuse('SAMLResponse too large');
  const compact = samlResponseBase64.replace(/[\r\n\t ]/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) refuse('SAMLResponse is not base64');
  const bytes = Buffer.from(compact, 'base64');
  return decodeXmlBytes(bytes, 'SAMLResponse is not UTF-8');
}

/** UTF-8 only, fatal on bad sequences, no byte-order mark; CRLF/CR → LF (XML 1.0 §2.11). */
export function decodeXmlBytes(bytes: Uint8Array, reason: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    refuse(reason);
  }
  if (text.charCodeAt(0) === 0xfeff) refuse('byte order mark');
  // Characters XML 1.0 does not allow (NUL and other C0 controls, U+FFFE/U+FFFF).
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(text)) refuse('character not allowed in XML');
  return text.replace(/\r\n?/g, '\n');
}

const XSLT = /REC-xslt-19991116|www\.w3\.org\/1999\/XSL\/Transform/i;
const ENTITY_REF = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)/;
const CHAR_REF = /&#(x[0-9A-Fa-f]{1,6}|[0-9]{1,7});/g;

/** Only the five predefined entities, and character references to characters XML allows. */
function checkReferences(segment: string): void {
  if (!segment.includes('&')) return;
  if (ENTITY_REF.test(segment)) refuse('entity reference');
  for (const m of segment.matchAll(CHAR_REF)) {
    const ref = m[1] as string;
    const c = ref.startsWith('x') ? parseInt(ref.slice(1), 16) : parseInt(ref, 10);
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) refuse('character not allowed in XML');
  }
}

/**
 * A lexical pass over the text before any parser runs: refuses DOCTYPE and every other `<!` markup
 * declaration (external entities, billion laughs), processing instructions (only the XML declaration
 * is allowed, and only UTF-8), references to entities other than the five predefined ones, XSLT,
 * content outside the root, more than one root element, and nesting deeper than MAX_DEPTH.
 */
export function lexicalCheck(xml: string): void {
  if (XSLT.test(xml)) refuse('XSLT is not allowed');
  const n = xml.length;
  let i = 0;
  if (/^<\?xml[ \t\n]/.test(xml)) {
    const end = xml.indexOf('?>');
    if (end < 0) refuse('malformed XML declaration');
    const decl = xml.slice(0, end);
    const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(decl);
    if (enc && !/^utf-?8$/i.test(enc[1] ?? '')) refuse('only UTF-8 is accepted');
    i = end + 2;
  }
  let depth = 0;
  let roots = 0;
  while (i < n) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (depth === 0 && /[^ \t\n]/.test(text)) refuse('content outside the root element');
    checkReferences(text);
    if (lt < 0) break;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) refuse('unterminated comment');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      if (depth === 0) refuse('content outside the root element');
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) refuse('unterminated CDATA');
      i = end + 3;
      continue;
    }
    if (xml.startsWith('<!', lt)) refuse('DOCTYPE or entity declaration');
    if (xml.startsWith('<?', lt)) refuse('processing instruction');
    if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt);
      if (end < 0) refuse('malformed XML');
      depth -= 1;
      if (depth < 0) refuse('malformed XML');
      i = end + 1;
      continue;
    }
    // A start tag: find its end, skipping quoted attribute values (which may hold '>').
    let j = lt + 1;
    let quote = '';
    for (; j < n; j++) {
      const c = xml[j];
      if (quote) {
        if (c === quote) quote = '';
        else if (c === '<') refuse('malformed XML');
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
      else if (c === '<') refuse('malformed XML');
    }
    if (j >= n) refuse('malformed XML');
    const tag = xml.slice(lt, j + 1);
    checkReferences(tag);
    if (depth === 0) {
      roots += 1;
      if (roots > 1) refuse('more than one root element');
    }
    if (xml[j - 1] !== '/') {
      depth += 1;
      if (depth > MAX_DEPTH) refuse('XML nested too deeply');
    }
    i = j + 1;
  }
  if (roots !== 1 || depth !== 0) refuse('malformed XML');
}

/** Parses text that passed lexicalCheck; any warning or error of xmldom is fatal. */
export function parseStrict(xml: string, reason = 'malformed XML'): Document {
  const fail = (): never => refuse(reason);
  let doc: Document;
  try {
    doc = new DOMParser({ locator: {}, errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  } catch (e) {
    if (e instanceof SamlError) throw e;
    refuse(reason);
  }
  if (!doc || !doc.documentElement) refuse(reason);
  let elements = 0;
  for (let c = doc.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === ELEMENT_NODE) elements += 1;
    else if (c.nodeType === 7 /* PI */ && c === doc.firstChild && c.nodeName === 'xml') continue; // xmldom keeps the declaration
    else if (c.nodeType !== 8 /* comment */ && !(c.nodeType === TEXT_NODE && /^[ \t\n]*$/.test(c.nodeValue ?? ''))) refuse(reason);
  }
  if (elements !== 1) refuse(reason);
  return doc;
}

// ---- DOM helpers (namespace-URI matching only; prefixes mean nothing) ----

export function isEl(node: Node | null | undefined, ns: string, localName: string): node is Element {
  return !!node && node.nodeType === ELEMENT_NODE && (node as Element).localName === localName && (node as Element).namespaceURI === ns;
}

export function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (let c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === ELEMENT_NODE) out.push(c as Element);
  return out;
}

export function children(el: Element, ns: string, localName: string): Element[] {
  return childElements(el).filter((c) => isEl(c, ns, localName));
}

/** The single child `ns:localName` of el; refuses when there are none or several. */
export function onlyChild(el: Element, ns: string, localName: string, reason: string): Element {
  const found = children(el, ns, localName);
  if (found.length !== 1) refuse(reason);
  return found[0] as Element;
}

export function optionalChild(el: Element, ns: string, localName: string, reason: string): Element | null {
  const found = children(el, ns, localName);
  if (found.length > 1) refuse(reason);
  return found[0] ?? null;
}

/** Every element below (and including) root, in document order. */
export function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [root];
  while (stack.length > 0) {
    const el = stack.pop() as Element;
    out.push(el);
    const kids = childElements(el);
    for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k] as Element);
  }
  return out;
}

/** All elements with this local name, whatever their namespace (what local-name() XPath sees). */
export function byLocalName(root: Element, localName: string): Element[] {
  return allElements(root).filter((e) => e.localName === localName);
}

/**
 * The whole text of an element: every text and CDATA descendant joined, comments skipped, so a
 * comment or CDATA boundary can never cut a value short (Duo VU#475445).
 */
export function wholeText(el: Element): string {
  let out = '';
  const walk = (node: Node): void => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === TEXT_NODE || c.nodeType === CDATA_SECTION_NODE) out += c.nodeValue ?? '';
      else if (c.nodeType === ELEMENT_NODE) walk(c);
    }
  };
  walk(el);
  return out;
}

/** An attribute without namespace, or null when absent. */
export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

/** Every attribute named localName (any namespace) anywhere under root. */
export function hasAttributeAnywhere(root: Element, localName: string): boolean {
  for (const el of allElements(root)) {
    const attrs = el.attributes;
    for (let k = 0; k < attrs.length; k++) if (attrs[k]?.localName === localName || attrs[k]?.name === localName) return true;
  }
  return false;
}

/** Refuses a document in which two elements carry the same ID/Id/id value (what xml-crypto resolves). */
export function refuseDuplicateIds(root: Element): void {
  const seen = new Set<string>();
  for (const el of allElements(root)) {
    const attrs = el.attributes;
    for (let k = 0; k < attrs.length; k++) {
      const a = attrs[k];
      if (!a) continue;
      const local = a.localName ?? a.name;
      if (local !== 'ID' && local !== 'Id' && local !== 'id') continue;
      if (seen.has(a.value)) refuse('duplicate ID');
      seen.add(a.value);
    }
  }
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** An xs:dateTime attribute as ms since the epoch; null when absent; refuses when malformed. */
export function timeAttr(el: Element, name: string): number | null {
  const v = attr(el, name);
  if (v === null) return null;
  if (!DATE_TIME.test(v)) refuse(`malformed ${name}`);
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) refuse(`malformed ${name}`);
  return ms;
}
