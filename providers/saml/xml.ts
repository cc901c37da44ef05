// XML helpers shared by the SP code: a strict parser (no DTDs, one root, every parser complaint
// fatal), namespace-exact child lookup, escaping, ids, instants and PEM/base64 conversions.
import { randomBytes } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SamlError } from './types.js';

export const NS = {
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
} as const;

export const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;
const DOCUMENT_TYPE_NODE = 10;

/**
 * Parses `xml` or throws SamlError(kind) naming `what`: DOCTYPEs (so entities and DTDs) are refused
 * before parsing, and any parser warning or error, a missing root or content outside it is fatal.
 */
export function parseXml(xml: string, what: string, kind: 'config' | 'invalid'): Document {
  function fail(why: string): never {
    throw new SamlError(kind, `${what} ${why}`);
  }
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) fail('has a DOCTYPE (DTDs are not accepted)');
  const problems: string[] = [];
  const note = (m: string) => void problems.push(String(m).replace(/^\[xmldom \w+\]\s*/, '').split('\n')[0]!);
  let doc: Document | undefined;
  try {
    doc = new DOMParser({ errorHandler: { warning: note, error: note, fatalError: note } }).parseFromString(xml, 'text/xml') as unknown as Document;
  } catch (err) {
    note(err instanceof Error ? err.message : String(err));
  }
  if (problems.length) fail(`is not well-formed XML (${problems[0]})`);
  if (!doc?.documentElement) fail('is not XML');
  let roots = 0;
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) roots++;
    else if (n.nodeType === DOCUMENT_TYPE_NODE) fail('has a DOCTYPE (DTDs are not accepted)');
    else if ((n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) && (n.nodeValue ?? '').trim()) fail('has text outside its root element');
  }
  if (roots !== 1) fail('must have exactly one root element');
  return doc;
}

/** The element children of `el` with that namespace and local name, in document order. */
export function children(el: Element, ns: string, local: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling)
    if (n.nodeType === ELEMENT_NODE && (n as Element).namespaceURI === ns && (n as Element).localName === local) out.push(n as Element);
  return out;
}

export function child(el: Element, ns: string, local: string): Element | null {
  return children(el, ns, local)[0] ?? null;
}

/** Every descendant of `el` with that namespace and local name. */
export function descendants(el: Element, ns: string, local: string): Element[] {
  return Array.from(el.getElementsByTagNameNS(ns, local) as unknown as ArrayLike<Element>);
}

/** The whole text of an element (every text and CDATA node, so comments cannot truncate it). */
export function textOf(el: Element | null): string | null {
  return el ? (el.textContent ?? '') : null;
}

/** An attribute's value, or null when absent. */
export function attr(el: Element, name: string): string | null {
  return el.hasAttribute(name) ? el.getAttribute(name) : null;
}

export function isElement(el: Element | null, ns: string, local: string): boolean {
  return !!el && el.namespaceURI === ns && el.localName === local;
}

/** Escapes text for element content and double-quoted attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"'\r\n\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A SAML ID: `_` and 32 hex digits (an xs:ID must not start with a digit). */
export function newSamlId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

/** xs:dateTime in UTC without fractions, as most IdPs write them. */
export function samlInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A SAML xs:dateTime as epoch ms; NaN when it is not one (a zone is required). */
export function parseInstant(value: string | null): number {
  if (!value || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value.trim())) return Number.NaN;
  return Date.parse(value.trim());
}

/** PEM from the base64 body of an X.509 certificate (whitespace ignored). */
export function certPem(base64: string): string {
  const body = base64.replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The base64 body of a PEM certificate, on one line. */
export function certBase64(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
