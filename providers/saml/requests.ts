// The HTTP-Redirect binding (SAML Bindings §3.4): our AuthnRequest, LogoutRequest and LogoutResponse
// as signed URLs, and the IdP's LogoutRequest/LogoutResponse read back, verified over the raw query.
import { X509Certificate, sign, verify } from 'node:crypto';
import { parse as parseQueryString } from 'node:querystring';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { SamlError, SamlUnknownKeyError, type IdpMetadata, type SpConfig } from './types.js';

export { SamlUnknownKeyError };
import { BINDING, NS, STATUS_SUCCESS, attr, child, children, escapeXml, isElement, newSamlId, parseInstant, parseXml, samlInstant } from './xml.js';

export const SIG_ALG_RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SIG_ALG_RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
/** A redirect message inflating to more than this is refused (DEFLATE bombs). */
export const MAX_INFLATED_BYTES = 262_144;
/** How far an IdP message's IssueInstant may be from our clock. */
export const MESSAGE_SKEW_MS = 300_000;

const xmlns = `xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}"`;
const a = escapeXml;

/** An AuthnRequest to the IdP's SSO endpoint, signed when `sign` is set or the IdP wants signed requests. */
export function authnRequestUrl(sp: SpConfig, idp: IdpMetadata, o: { relayState: string; sign: boolean; now: number }): { url: string; requestId: string } {
  const requestId = newSamlId();
  const xml =
    `<samlp:AuthnRequest ${xmlns} ID="${requestId}" Version="2.0" IssueInstant="${samlInstant(o.now)}" Destination="${a(idp.ssoRedirectUrl)}"` +
    ` AssertionConsumerServiceURL="${a(sp.acsUrl)}" ProtocolBinding="${BINDING.post}">` +
    `<saml:Issuer>${a(sp.entityId)}</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>`;
  const key = o.sign || idp.wantAuthnRequestsSigned ? sp.signing.privateKey : null;
  return { url: redirectUrl(idp.ssoRedirectUrl, 'SAMLRequest', xml, o.relayState, key), requestId };
}

/** Our signed LogoutRequest for the IdP's SLO endpoint; SamlError('config') when the IdP has none. */
export function logoutRequestUrl(
  sp: SpConfig,
  idp: IdpMetadata,
  o: { nameId: string; nameIdFormat?: string | null; sessionIndex?: string | null; relayState: string; now: number },
): { url: string; requestId: string } {
  const slo = sloUrlOf(idp);
  const requestId = newSamlId();
  const format = o.nameIdFormat ? ` Format="${a(o.nameIdFormat)}"` : '';
  const xml =
    `<samlp:LogoutRequest ${xmlns} ID="${requestId}" Version="2.0" IssueInstant="${samlInstant(o.now)}" Destination="${a(slo)}">` +
    `<saml:Issuer>${a(sp.entityId)}</saml:Issuer><saml:NameID${format}>${a(o.nameId)}</saml:NameID>` +
    (o.sessionIndex ? `<samlp:SessionIndex>${a(o.sessionIndex)}</samlp:SessionIndex>` : '') +
    `</samlp:LogoutRequest>`;
  return { url: redirectUrl(slo, 'SAMLRequest', xml, o.relayState, sp.signing.privateKey), requestId };
}

/** Our signed LogoutResponse (Success) to an IdP's LogoutRequest, for its SLO endpoint. */
export function logoutResponseUrl(sp: SpConfig, idp: IdpMetadata, o: { inResponseTo: string; relayState: string | null; now: number }): string {
  const slo = sloUrlOf(idp);
  const xml =
    `<samlp:LogoutResponse ${xmlns} ID="${newSamlId()}" Version="2.0" IssueInstant="${samlInstant(o.now)}" Destination="${a(slo)}" InResponseTo="${a(o.inResponseTo)}">` +
    `<saml:Issuer>${a(sp.entityId)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${STATUS_SUCCESS}"/></samlp:Status></samlp:LogoutResponse>`;
  return redirectUrl(slo, 'SAMLResponse', xml, o.relayState, sp.signing.privateKey);
}

export interface RedirectMessage {
  kind: 'LogoutRequest' | 'LogoutResponse';
  xml: Document;
  id: string;
  issuer: string;
  inResponseTo: string | null;
  /** A LogoutRequest's NameID (its whole text); null for a LogoutResponse. */
  nameId: string | null;
  /** A LogoutRequest's first SessionIndex. */
  sessionIndex: string | null;
  /** A LogoutResponse's status; null for a LogoutRequest. */
  statusSuccess: boolean | null;
  relayState: string | null;
}

const PARAMS = new Set(['SAMLRequest', 'SAMLResponse', 'RelayState', 'SigAlg', 'Signature']);

/**
 * Reads a LogoutRequest or LogoutResponse the IdP sent to our SLO endpoint by HTTP-Redirect, or
 * throws SamlError('invalid'). The signature (RSA-SHA256; SHA-1 only with `allowSha1`) must be by
 * one of the IdP's signing certificates over the query as received (SamlUnknownKeyError when by
 * none); only then is the message inflated (at most `maxInflatedBytes`) and parsed (no DOCTYPE).
 * The Issuer must be the IdP, a Destination our `sloUrl` (pass `sp.sloUrl`: without it the
 * Destination is not compared), the IssueInstant within 5 minutes of `now`, a LogoutRequest's
 * NotOnOrAfter still ahead. `rawQuery` is what follows `?` (Koa's `ctx.querystring`), which alone
 * is read; `query` (Koa's `ctx.query`) must agree with it.
 */
export function readRedirectMessage(
  query: Record<string, string | string[] | undefined>,
  rawQuery: string,
  idp: IdpMetadata,
  o: { now: number; sloUrl?: string; maxInflatedBytes?: number; allowSha1?: boolean },
): RedirectMessage {
  // The values as sent (still URL-encoded, for the signature) and decoded, from the one raw query.
  const raw = new Map<string, string>();
  const decoded = parseQueryString(rawQuery.replace(/^\?/, ''), '&', '=', { maxKeys: 0 });
  for (const part of rawQuery.replace(/^\?/, '').split('&')) {
    const eq = part.indexOf('=');
    const name = Object.keys(parseQueryString(eq < 0 ? part : part.slice(0, eq)))[0] ?? '';
    if (!PARAMS.has(name)) continue;
    if (raw.has(name)) bad(`has ${name} twice`);
    raw.set(name, eq < 0 ? '' : part.slice(eq + 1));
  }
  const value = (name: string): string | null => {
    if (!raw.has(name)) return null;
    const v = decoded[name];
    if (typeof v !== 'string') return bad(`has ${name} twice`);
    if (query[name] !== undefined && query[name] !== v) bad('was read inconsistently');
    return v;
  };
  const request = value('SAMLRequest');
  const response = value('SAMLResponse');
  if ((request === null) === (response === null)) bad('needs exactly one of SAMLRequest and SAMLResponse');
  const param = request !== null ? 'SAMLRequest' : 'SAMLResponse';
  const relayState = value('RelayState');
  const sigAlg = value('SigAlg');
  const signature = value('Signature');

  // 1. The signature, before anything else is looked at.
  if (!sigAlg || !signature) bad('is not signed');
  let hash: 'sha256' | 'sha1';
  if (sigAlg === SIG_ALG_RSA_SHA256) hash = 'sha256';
  else if (sigAlg === SIG_ALG_RSA_SHA1) {
    if (!o.allowSha1) bad('is signed with SHA-1, which is refused');
    hash = 'sha1';
  } else return bad(`is signed with an unsupported algorithm ${JSON.stringify(sigAlg)}`);
  const signed = Buffer.from(
    `${param}=${raw.get(param)}` + (raw.has('RelayState') ? `&RelayState=${raw.get('RelayState')}` : '') + `&SigAlg=${raw.get('SigAlg')}`,
    'utf8',
  );
  const sig = base64(signature) ?? bad('has a Signature that is not base64');
  const byIdp = idp.signingCerts.some((pem) => {
    try {
      return verify(hash, signed, new X509Certificate(pem).publicKey, sig);
    } catch {
      return false;
    }
  });
  if (!byIdp) throw new SamlUnknownKeyError('the SAML message is not signed by a signing key of the IdP');

  // 2. Inflate with a cap, parse strictly.
  const deflated = base64(request ?? response ?? '') ?? bad(`has a ${param} that is not base64`);
  const max = o.maxInflatedBytes ?? MAX_INFLATED_BYTES;
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(deflated, { maxOutputLength: max });
  } catch (err) {
    const tooLarge = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
    return bad(tooLarge ? `inflates to more than ${max} bytes` : 'is not DEFLATE-compressed');
  }
  const doc = parseXml(inflated.toString('utf8'), 'the SAML message', 'invalid');
  const root = doc.documentElement;
  const kind = param === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
  if (!isElement(root, NS.samlp, kind)) bad(`in ${param} is not a ${kind}`);

  // 3. What it says.
  if (attr(root, 'Version') !== '2.0') bad('is not SAML 2.0');
  const id = attr(root, 'ID') ?? '';
  if (!id) bad('has no ID');
  const issued = parseInstant(attr(root, 'IssueInstant'));
  if (Number.isNaN(issued)) bad('has no valid IssueInstant');
  if (Math.abs(o.now - issued) > MESSAGE_SKEW_MS) bad('was issued more than 5 minutes from now');
  const issuers = children(root, NS.saml, 'Issuer');
  if (issuers.length !== 1 || (issuers[0]!.textContent ?? '').trim() !== idp.entityId) bad('is not issued by the IdP');
  const destination = attr(root, 'Destination');
  if (destination !== null && o.sloUrl !== undefined && destination !== o.sloUrl) bad('is addressed to another endpoint');

  let nameId: string | null = null;
  let sessionIndex: string | null = null;
  let statusSuccess: boolean | null = null;
  if (kind === 'LogoutRequest') {
    const notOnOrAfter = attr(root, 'NotOnOrAfter');
    if (notOnOrAfter !== null) {
      const until = parseInstant(notOnOrAfter);
      if (Number.isNaN(until)) bad('has an unreadable NotOnOrAfter');
      if (o.now >= until) bad('has expired (NotOnOrAfter)');
    }
    const nameIds = children(root, NS.saml, 'NameID');
    if (nameIds.length !== 1) bad(child(root, NS.saml, 'EncryptedID') ? 'has an encrypted NameID, which is not supported' : 'needs one NameID');
    nameId = nameIds[0]!.textContent ?? '';
    if (!nameId) bad('has an empty NameID');
    sessionIndex = child(root, NS.samlp, 'SessionIndex')?.textContent ?? null;
  } else {
    const status = child(root, NS.samlp, 'Status');
    const code = status && child(status, NS.samlp, 'StatusCode');
    if (!code) bad('has no StatusCode');
    statusSuccess = attr(code, 'Value') === STATUS_SUCCESS;
  }
  return { kind, xml: doc, id, issuer: idp.entityId, inResponseTo: attr(root, 'InResponseTo'), nameId, sessionIndex, statusSuccess, relayState };
}

function bad(why: string): never {
  throw new SamlError('invalid', `the SAML message ${why}`);
}

function sloUrlOf(idp: IdpMetadata): string {
  if (!idp.sloRedirectUrl) throw new SamlError('config', `the IdP ${idp.entityId} has no SingleLogoutService with the HTTP-Redirect binding`);
  return idp.sloRedirectUrl;
}

/** `endpoint` with the message (deflated, base64, URL-encoded), RelayState and, with a key, SigAlg and Signature. */
function redirectUrl(endpoint: string, param: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | null, privateKey: string | null): string {
  let query = `${param}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (relayState) query += `&RelayState=${encodeURIComponent(relayState)}`;
  if (privateKey) {
    query += `&SigAlg=${encodeURIComponent(SIG_ALG_RSA_SHA256)}`;
    query += `&Signature=${encodeURIComponent(sign('sha256', Buffer.from(query, 'utf8'), privateKey).toString('base64'))}`;
  }
  const url = new URL(endpoint);
  url.hash = '';
  const base = url.href;
  return `${base}${!base.includes('?') ? '?' : /[?&]$/.test(base) ? '' : '&'}${query}`;
}

/** Strict base64 (no whitespace or other characters Buffer.from would skip); null when it is not. */
function base64(value: string): Buffer | null {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0 ? Buffer.from(value, 'base64') : null;
}
