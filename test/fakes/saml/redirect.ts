// The HTTP-Redirect binding (SAML Bindings §3.4): DEFLATE + base64 in the query, signed over the
// raw query octets "SAMLRequest=…&RelayState=…&SigAlg=…" exactly as they appear in the URL. And the
// HTTP-POST binding's auto-submitting form.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SIG_ALG, signOctets, verifyOctets } from './sign.js';
import { escAttr } from './xml.js';

export type RedirectParam = 'SAMLRequest' | 'SAMLResponse';

export interface RedirectOptions {
  /** Where the message goes (may already carry a query). */
  to: string;
  param: RedirectParam;
  xml: string;
  relayState?: string | undefined;
  /** Signs with this key; RSA-SHA256 unless `sigAlg` says otherwise. */
  sign?: { privateKey: string; sigAlg?: string } | undefined;
}

/** The redirect URL carrying `xml`. */
export function redirectUrl(o: RedirectOptions): string {
  let query = `${o.param}=${encodeURIComponent(deflateRawSync(Buffer.from(o.xml, 'utf8')).toString('base64'))}`;
  if (o.relayState !== undefined) query += `&RelayState=${encodeURIComponent(o.relayState)}`;
  if (o.sign) {
    const sigAlg = o.sign.sigAlg ?? SIG_ALG.sha256;
    query += `&SigAlg=${encodeURIComponent(sigAlg)}`;
    query += `&Signature=${encodeURIComponent(signOctets(query, o.sign.privateKey, sigAlg))}`;
  }
  return o.to + (o.to.includes('?') ? '&' : '?') + query;
}

export interface DecodedRedirect {
  param: RedirectParam;
  xml: string;
  relayState: string | null;
  sigAlg: string | null;
  signed: boolean;
  /** null: no certificate given; false: unsigned, or the signature does not verify. */
  signatureValid: boolean | null;
}

/** Redirect messages are small; a cap keeps a DEFLATE bomb from the fake's own reader too. */
const MAX_INFLATED = 1 << 20;

/** Reads a redirect-binding URL; verifies its signature against `cert` when given. */
export function decodeRedirect(url: string, cert?: string): DecodedRedirect {
  const raw = new Map<string, string>();
  for (const part of new URL(url).search.slice(1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    if (raw.has(key)) throw new Error(`duplicate query parameter ${key}`);
    raw.set(key, eq < 0 ? '' : part.slice(eq + 1));
  }
  const param: RedirectParam | undefined = raw.has('SAMLRequest') ? 'SAMLRequest' : raw.has('SAMLResponse') ? 'SAMLResponse' : undefined;
  if (!param) throw new Error('no SAMLRequest or SAMLResponse in the URL');
  // base64 never holds a space, so '+' here is a '+' some encoder left alone; RelayState is form-encoded.
  const value = (k: string): string | null => {
    const v = raw.get(k);
    return v === undefined ? null : decodeURIComponent(k === 'RelayState' ? v.replace(/\+/g, '%20') : v);
  };
  const xml = inflateRawSync(Buffer.from(value(param)!, 'base64'), { maxOutputLength: MAX_INFLATED }).toString('utf8');
  const sigAlg = value('SigAlg');
  const signature = value('Signature');
  let signatureValid: boolean | null = null;
  if (cert !== undefined) {
    // The signed octets are the parameters as they came, in the binding's order, not re-encoded.
    const octets = [param, 'RelayState', 'SigAlg']
      .filter((k) => raw.has(k))
      .map((k) => `${k}=${raw.get(k)}`)
      .join('&');
    signatureValid = signature !== null && sigAlg !== null && verifyOctets(octets, signature, cert, sigAlg);
  }
  return { param, xml, relayState: value('RelayState'), sigAlg, signed: signature !== null, signatureValid };
}

/** The HTTP-POST binding page: a form that posts itself to `action` on load. */
export function autoPostForm(action: string, fields: Record<string, string | undefined>): string {
  const inputs = Object.entries(fields)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${escAttr(k)}" value="${escAttr(v)}"/>`)
    .join('');
  return (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signing you in…</title></head>' +
    '<body onload="document.forms[0].submit()">' +
    `<form method="post" action="${escAttr(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form>` +
    '</body></html>'
  );
}

const unescapeHtml = (s: string): string =>
  s.replace(/&(quot|amp|lt|gt|#39|#x27);/g, (_m, e: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', '#39': "'", '#x27': "'" })[e]!);

/** Reads an auto-post page: the form's action and its hidden fields (as a browser would post them). */
export function parseAutoPostForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*\baction="([^"]*)"/i.exec(html)?.[1];
  if (action === undefined) throw new Error('no form in the page');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"/gi)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return { action: unescapeHtml(action), fields };
}
