// Small XML helpers shared by the fake IdP: namespaces, escaping, ids and times, and DOM access
// by namespace URI (never by prefix, so a forged prefix cannot fool the fake's own reading).
import { randomBytes } from 'node:crypto';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

export const NAMEID = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  entity: 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
} as const;

export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';

export function escText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escAttr(s: string): string {
  return escText(s).replace(/"/g, '&quot;');
}

/** A fresh XML ID: an NCName, as the schema requires (so never starting with a digit). */
export function newId(prefix = '_'): string {
  return prefix + randomBytes(20).toString('hex');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses strictly: any parser error or warning throws, so the fake never emits broken XML unnoticed. */
export function parseXml(xml: string): Document {
  const fail = (msg: string): never => {
    throw new Error(`XML does not parse: ${msg}`);
  };
  return new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
}

export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

/** `doc` as text, with the XML declaration real IdPs put first. */
export function withDecl(docXml: string): string {
  return docXml.startsWith('<?xml') ? docXml : XML_DECL + docXml;
}

export function stripDecl(xml: string): string {
  return xml.replace(/^<\?xml[^?]*\?>\s*/, '');
}

export function childElements(el: Node, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    if ((ns === undefined || e.namespaceURI === ns) && (local === undefined || e.localName === local)) out.push(e);
  }
  return out;
}

export function child(el: Node, ns: string, local: string): Element | undefined {
  return childElements(el, ns, local)[0];
}

/** Every descendant element with this namespace URI and local name, in document order. */
export function descendants(el: Document | Element, ns: string, local: string): Element[] {
  return Array.from(el.getElementsByTagNameNS(ns, local) as unknown as ArrayLike<Element>);
}

/** Path of direct children by local name in the SAML namespaces, e.g. path(resp, 'Assertion', 'Subject', 'NameID'). */
export function path(el: Element, ...locals: string[]): Element | undefined {
  let cur: Element | undefined = el;
  for (const local of locals) {
    if (!cur) return undefined;
    cur = childElements(cur).find((e) => e.localName === local && (e.namespaceURI === NS.saml || e.namespaceURI === NS.samlp || e.namespaceURI === NS.ds));
  }
  return cur;
}

export function remove(node: Node): void {
  node.parentNode?.removeChild(node);
}

export function insertAfter(node: Node, ref: Node): void {
  ref.parentNode!.insertBefore(node, ref.nextSibling);
}
