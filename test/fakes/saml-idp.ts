// A stand-in SAML 2.0 Identity Provider on 127.0.0.1 that speaks the real protocol and forges the
// attacks of docs/security.md, "SAML responses", on demand.
//
// HTTP (every request is recorded in `requests`):
//   GET /metadata  IdP metadata (metadataXml(), or what setMetadata chose), per setMetadataBehaviour:
//                  'normal'; 'down' (connection dropped); 'slow' (answers after slowMs, default 30 s);
//                  'huge' (16 MiB: the metadata behind a giant comment, chunked, no Content-Length);
//                  'garbage' (200 with the first 40% of the metadata: not well-formed).
//   GET /sso       HTTP-Redirect AuthnRequest → an HTML page that auto-posts (HTTP-POST binding) a
//                  genuine signed Response for the current user: InResponseTo = the request's ID,
//                  to its AssertionConsumerServiceURL, audience = its Issuer. Answers 400 when the
//                  request has no AssertionConsumerServiceURL, its Destination is not ssoUrl, or
//                  (after requireSignedRequests) its signature is missing or wrong.
//   GET /slo       SAMLRequest (SP-initiated LogoutRequest) → 302 to the SP's SLO URL, which the fake
//                  cannot guess: tell it with setSpSloUrl (400 until then), with a signed
//                  LogoutResponse. SAMLResponse (the SP answering logoutRequestUrl) → recorded, 200.
//   GET /xxe, /xxe.dtd, /xslt  Where the XXE and XSLT payloads call home: any request here means the
//                  SP's parser fetched it (check `requests`).
//
// API, beyond the brief's (startSamlIdp, SamlIdp, ResponseOptions, SamlAttack):
//   responseXml(o)              the Response as XML text (response() is its base64)
//   readLogoutResponse(url, c?) reads the SP's LogoutResponse (redirect binding)
//   setSpSloUrl(url)            where /slo sends LogoutResponses
//   requireSignedRequests(pem)  /sso and /slo demand redirect signatures by this SP cert (null: stop);
//                               metadata then says WantAuthnRequestsSigned="true"
//   setSsoOptions(o)            extra ResponseOptions for /sso (sign mode, encryptFor, attack…)
//   setMetadata(o)              which metadataXml() variant GET /metadata serves
//   keys                        the key material (current/first/next/attacker/small), private keys included
//   authnRequests, logoutRequests, logoutResponses   what /sso and /slo received, decoded
//   redirectUrl(o), parseAutoPostForm(html), generateKeyPair(o?)   helpers for SP tests
//   SAML_ATTACKS, EVIL_NAME_ID, COMMENT_NAME_ID(_XML), OTHER, XSLT_URI, SIG_ALG, DIGEST_ALG,
//   KEY_TRANSPORT_URI, DATA_CIPHER_URI
//
// Signatures in readAuthnRequest/readLogoutRequest/readLogoutResponse: signatureValid is null when no
// certificate is given, false when one is given and the signature is missing or wrong.
// Keys come from a pool (saml/keys.ts): fakes open at once never share one; a closed fake's keys are
// reused by the next. Certificates are 10-year self-signed; `now` moves message times, not certs.
import type { ServerResponse } from 'node:http';
import { COMMENT_NAME_ID, COMMENT_NAME_ID_XML, EVIL_NAME_ID, OTHER, SAML_ATTACKS, XSLT_URI } from './saml/attacks.js';
import { logoutRequestXml, logoutResponseXml, metadataXml as buildMetadataXml, nameIdFormatFor } from './saml/build.js';
import { DATA_CIPHER_URI, KEY_TRANSPORT_URI } from './saml/encrypt.js';
import { attackerKey, certBody, generateKeyMaterial, releaseKey, smallKey, takeKey, type KeyMaterial } from './saml/keys.js';
import { autoPostForm, decodeRedirect, parseAutoPostForm, redirectUrl } from './saml/redirect.js';
import { buildResponse, type ResponseOptions } from './saml/response.js';
import { DIGEST_ALG, SIG_ALG } from './saml/sign.js';
import { NS, child, newId, parseXml, path, stripDecl } from './saml/xml.js';
import { startFakeServer, type FakeRequest } from './http.js';

export type { SamlAttack } from './saml/attacks.js';
export type { ResponseOptions } from './saml/response.js';
export type { KeyMaterial } from './saml/keys.js';
export type { FakeRequest } from './http.js';
export { COMMENT_NAME_ID, COMMENT_NAME_ID_XML, EVIL_NAME_ID, OTHER, SAML_ATTACKS, XSLT_URI, SIG_ALG, DIGEST_ALG, KEY_TRANSPORT_URI, DATA_CIPHER_URI };
export { redirectUrl, parseAutoPostForm };

export type MetadataBehaviour = 'normal' | 'down' | 'slow' | 'huge' | 'garbage';

export interface MetadataOptions {
  /** List both keys' certificates: the first one, then the next one (useNextKey switches to it). */
  rollover?: boolean;
  /** List an expired certificate for the current key instead of the valid one. */
  expiredCert?: boolean;
  /** List a 1024-bit key's certificate instead of the current one. */
  smallKey?: boolean;
  /** No SingleSignOnService (not valid IdP metadata). */
  noSso?: boolean;
}

export interface AuthnRequestInfo {
  id: string;
  issuer: string;
  acsUrl: string | null;
  destination: string | null;
  relayState: string | null;
  signed: boolean;
  signatureValid: boolean | null;
  sigAlg: string | null;
}

export interface LogoutRequestInfo {
  id: string;
  nameId: string;
  sessionIndex: string | null;
  relayState: string | null;
  signatureValid: boolean | null;
}

export interface LogoutResponseInfo {
  id: string;
  inResponseTo: string | null;
  status: string | null;
  relayState: string | null;
  signatureValid: boolean | null;
}

export interface SamlIdp {
  entityId: string;
  /** http://127.0.0.1:<port> */
  url: string;
  ssoUrl: string;
  sloUrl: string;
  metadataUrl: string;
  /** PEM of the current signing certificate (the next key's after useNextKey). */
  readonly signingCert: string;
  keys: { readonly current: KeyMaterial; first: KeyMaterial; next: KeyMaterial; attacker: KeyMaterial; small: KeyMaterial };
  /** Lists the current signing cert; `rollover` lists the first and the next key's certs. */
  metadataXml(o?: MetadataOptions): string;
  /** Which metadataXml() variant GET /metadata serves (default: none of the options). */
  setMetadata(o: MetadataOptions): void;
  setMetadataBehaviour(b: MetadataBehaviour): void;
  /** The user /sso signs in and responses name by default; attributes default to { email: nameId } for an email NameID. */
  setUser(nameId: string, attributes?: Record<string, string | string[]>): void;
  /** Signs with the next key (the second rollover cert) from now on. */
  useNextKey(): void;
  /** A base64 SAMLResponse for the SP. */
  response(o: ResponseOptions): string;
  /** The same Response as XML text. */
  responseXml(o: ResponseOptions): string;
  /** Extra options for the Responses /sso posts (spEntityId, acsUrl and inResponseTo come from the request). */
  setSsoOptions(o: Omit<ResponseOptions, 'spEntityId' | 'acsUrl' | 'inResponseTo'>): void;
  /** /sso and /slo require a valid redirect signature by this certificate; null turns it off. */
  requireSignedRequests(spCert: string | null): void;
  /** The SP's SingleLogoutService URL, where /slo redirects. */
  setSpSloUrl(url: string): void;
  readAuthnRequest(url: string, spCert?: string): AuthnRequestInfo;
  /**
   * IdP-initiated SLO: a LogoutRequest for the HTTP-Redirect binding, signed (RSA-SHA256) unless
   * `unsigned`; returns the full URL to the SP's SLO URL. `notOnOrAfterMs` is an absolute time
   * (epoch ms; default now + 5 min), in the past for an expired request.
   */
  logoutRequestUrl(o: {
    spSloUrl: string;
    nameId: string;
    nameIdFormat?: string;
    sessionIndex?: string;
    notOnOrAfterMs?: number;
    unsigned?: boolean;
    relayState?: string;
  }): string;
  readLogoutRequest(url: string, spCert?: string): LogoutRequestInfo;
  /** A signed LogoutResponse (Success) by redirect to the SP's SLO URL. */
  logoutResponseUrl(o: { spSloUrl: string; inResponseTo: string; relayState?: string }): string;
  readLogoutResponse(url: string, spCert?: string): LogoutResponseInfo;
  authnRequests: AuthnRequestInfo[];
  logoutRequests: LogoutRequestInfo[];
  logoutResponses: LogoutResponseInfo[];
  requests: FakeRequest[];
  close(): Promise<void>;
}

export interface SamlIdpOptions {
  /** Default `<url>/metadata`. */
  entityId?: string;
  /** RSA size of the IdP's own keys; default 2048. */
  keyBits?: number;
  /** The IdP's clock (ms), to issue messages as of a shifted time. */
  now?: () => number;
  /** How long 'slow' metadata takes; default 30 s. */
  slowMs?: number;
}

/** An RSA key pair with a 10-year self-signed certificate (e.g. an SP's signing or encryption key). */
export async function generateKeyPair(o: { bits?: number; cn?: string } = {}): Promise<{ privateKey: string; certificate: string; expiredCertificate: string }> {
  const k = await generateKeyMaterial(o.bits ?? 2048, o.cn ?? 'Test SP');
  return { privateKey: k.privateKey, certificate: k.certificate, expiredCertificate: k.expiredCertificate };
}

const DEFAULT_USER = {
  nameId: 'jane.doe@corp.example',
  attributes: { email: 'jane.doe@corp.example', given_name: 'Jane', family_name: 'Doe', groups: ['staff', 'engineering'] },
};

function rootOf(xml: string, local: string): Element {
  const root = parseXml(xml).documentElement;
  if (!root || root.namespaceURI !== NS.samlp || root.localName !== local) throw new Error(`not a samlp:${local}`);
  return root;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

const attr = (el: Element, name: string): string | null => (el.hasAttribute(name) ? el.getAttribute(name) : null);

export async function startSamlIdp(o: SamlIdpOptions = {}): Promise<SamlIdp> {
  const bits = o.keyBits ?? 2048;
  const now = o.now ?? Date.now;
  const slowMs = o.slowMs ?? 30_000;
  const [first, next, attacker, small] = await Promise.all([takeKey(bits), takeKey(bits), attackerKey(), smallKey()]);

  let current = first;
  let user: { nameId: string; attributes: Record<string, string | string[]> } = DEFAULT_USER;
  let behaviour: MetadataBehaviour = 'normal';
  let served: MetadataOptions = {};
  let ssoOptions: Omit<ResponseOptions, 'spEntityId' | 'acsUrl' | 'inResponseTo'> = {};
  let spCert: string | null = null;
  let spSloUrl: string | null = null;
  const authnRequests: AuthnRequestInfo[] = [];
  const logoutRequests: LogoutRequestInfo[] = [];
  const logoutResponses: LogoutResponseInfo[] = [];
  let closed = false;

  const text = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  const server = await startFakeServer({
    form: 'urlencoded',
    onError: (res, err) => {
      if (!res.headersSent) text(res, 500, `fake IdP error: ${err.message}`);
      else res.destroy();
    },
    async handle(req, res, { url }) {
      const full = idp.url + (req.url ?? '/');
      switch (url.pathname) {
        case '/metadata':
          return serveMetadata(req.socket.destroy.bind(req.socket), res);
        case '/sso':
          return sso(full, res);
        case '/slo':
          return slo(full, res);
        case '/xxe':
          return text(res, 200, 'xxe-fetched');
        case '/xxe.dtd':
          return text(res, 200, '<!ENTITY fetched "xxe-dtd-fetched">', 'application/xml-dtd');
        case '/xslt':
          return text(res, 200, '<fetched>xslt</fetched>', 'application/xml');
        default:
          return text(res, 404, 'not found');
      }
    },
  });

  async function serveMetadata(drop: () => void, res: ServerResponse): Promise<void> {
    const type = 'application/samlmetadata+xml';
    const xml = idp.metadataXml(served);
    if (behaviour === 'down') return drop();
    if (behaviour === 'slow') await server.sleep(slowMs);
    if (behaviour === 'garbage') return text(res, 200, xml.slice(0, Math.floor(xml.length * 0.4)), type);
    if (behaviour !== 'huge') return text(res, 200, xml, type);
    // 16 MiB, streamed: an SP must cap what it reads, not trust a Content-Length (there is none).
    res.writeHead(200, { 'content-type': type });
    const filler = 'x'.repeat(64 * 1024);
    const parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<!-- ', ...Array<string>(256).fill(filler), ' -->\n', stripDecl(xml)];
    for (const part of parts) {
      if (res.destroyed) return;
      if (!res.write(part)) await drainedOrClosed(res);
    }
    res.end();
  }

  function sso(full: string, res: ServerResponse): void {
    let info: AuthnRequestInfo;
    try {
      info = idp.readAuthnRequest(full, spCert ?? undefined);
    } catch (err) {
      return text(res, 400, `bad AuthnRequest: ${(err as Error).message}`);
    }
    authnRequests.push(info);
    if (spCert && info.signatureValid !== true) return text(res, 400, 'AuthnRequest signature missing or invalid');
    if (info.destination !== null && info.destination !== idp.ssoUrl) return text(res, 400, `AuthnRequest Destination is not ${idp.ssoUrl}`);
    if (!info.acsUrl) return text(res, 400, 'AuthnRequest has no AssertionConsumerServiceURL');
    const samlResponse = idp.response({ ...ssoOptions, spEntityId: info.issuer, acsUrl: info.acsUrl, inResponseTo: info.id });
    text(res, 200, autoPostForm(info.acsUrl, { SAMLResponse: samlResponse, RelayState: info.relayState ?? undefined }), 'text/html; charset=utf-8');
  }

  function slo(full: string, res: ServerResponse): void {
    const isResponse = new URL(full).searchParams.has('SAMLResponse');
    try {
      if (isResponse) {
        const info = idp.readLogoutResponse(full, spCert ?? undefined);
        logoutResponses.push(info);
        if (spCert && info.signatureValid !== true) return text(res, 400, 'LogoutResponse signature missing or invalid');
        return text(res, 200, '<!DOCTYPE html><html><body><p>You are signed out.</p></body></html>', 'text/html; charset=utf-8');
      }
      const info = idp.readLogoutRequest(full, spCert ?? undefined);
      logoutRequests.push(info);
      if (spCert && info.signatureValid !== true) return text(res, 400, 'LogoutRequest signature missing or invalid');
      if (!spSloUrl) return text(res, 400, "the fake IdP does not know the SP's SLO URL: call setSpSloUrl()");
      res.writeHead(302, { location: idp.logoutResponseUrl({ spSloUrl, inResponseTo: info.id, relayState: info.relayState ?? undefined }) });
      res.end();
    } catch (err) {
      text(res, 400, `bad logout message: ${(err as Error).message}`);
    }
  }

  const signer = () => ({ privateKey: current.privateKey, certificate: current.certificate });
  const entityId = o.entityId ?? `${server.url}/metadata`;

  const idp: SamlIdp = {
    entityId,
    url: server.url,
    ssoUrl: `${server.url}/sso`,
    sloUrl: `${server.url}/slo`,
    metadataUrl: `${server.url}/metadata`,
    get signingCert() {
      return current.certificate;
    },
    keys: {
      get current() {
        return current;
      },
      first,
      next,
      attacker,
      small,
    },
    metadataXml(m = {}) {
      const main = m.smallKey ? small.certificate : m.expiredCert ? current.expiredCertificate : current.certificate;
      const certs = m.rollover ? [m.smallKey || m.expiredCert ? main : first.certificate, next.certificate] : [main];
      return buildMetadataXml({
        entityId,
        signingCerts: [...new Set(certs)].map(certBody),
        ssoUrl: m.noSso ? null : idp.ssoUrl,
        sloUrl: idp.sloUrl,
        wantAuthnRequestsSigned: spCert !== null,
      });
    },
    setMetadata(m) {
      served = m;
    },
    setMetadataBehaviour(b) {
      behaviour = b;
    },
    setUser(nameId, attributes) {
      user = { nameId, attributes: attributes ?? (nameId.includes('@') ? { email: nameId } : {}) };
    },
    useNextKey() {
      current = next;
    },
    responseXml(r) {
      return buildResponse(
        { idpEntityId: entityId, now: now(), signer: signer(), attacker, user, callbackBase: server.url },
        r,
      );
    },
    response(r) {
      return Buffer.from(idp.responseXml(r), 'utf8').toString('base64');
    },
    setSsoOptions(s) {
      ssoOptions = s;
    },
    requireSignedRequests(cert) {
      spCert = cert;
    },
    setSpSloUrl(u) {
      spSloUrl = u;
    },
    readAuthnRequest(url, cert) {
      const d = decodeRedirect(url, cert);
      const root = rootOf(d.xml, 'AuthnRequest');
      return {
        id: root.getAttribute('ID') ?? '',
        issuer: child(root, NS.saml, 'Issuer')?.textContent ?? '',
        acsUrl: attr(root, 'AssertionConsumerServiceURL'),
        destination: attr(root, 'Destination'),
        relayState: d.relayState,
        signed: d.signed,
        signatureValid: d.signatureValid,
        sigAlg: d.sigAlg,
      };
    },
    logoutRequestUrl(l) {
      const t = now();
      const xml = logoutRequestXml({
        id: newId(),
        issuer: entityId,
        issueInstant: t,
        destination: l.spSloUrl,
        notOnOrAfter: l.notOnOrAfterMs ?? t + 5 * 60_000,
        nameId: l.nameId,
        nameIdFormat: l.nameIdFormat ?? nameIdFormatFor(l.nameId),
        sessionIndex: l.sessionIndex,
      });
      return redirectUrl({ to: l.spSloUrl, param: 'SAMLRequest', xml, relayState: l.relayState, sign: l.unsigned ? undefined : { privateKey: current.privateKey } });
    },
    readLogoutRequest(url, cert) {
      const d = decodeRedirect(url, cert);
      const root = rootOf(d.xml, 'LogoutRequest');
      return {
        id: root.getAttribute('ID') ?? '',
        nameId: child(root, NS.saml, 'NameID')?.textContent ?? '',
        sessionIndex: child(root, NS.samlp, 'SessionIndex')?.textContent ?? null,
        relayState: d.relayState,
        signatureValid: d.signatureValid,
      };
    },
    logoutResponseUrl(l) {
      const xml = logoutResponseXml({ id: newId(), issuer: entityId, issueInstant: now(), destination: l.spSloUrl, inResponseTo: l.inResponseTo });
      return redirectUrl({ to: l.spSloUrl, param: 'SAMLResponse', xml, relayState: l.relayState, sign: { privateKey: current.privateKey } });
    },
    readLogoutResponse(url, cert) {
      const d = decodeRedirect(url, cert);
      const root = rootOf(d.xml, 'LogoutResponse');
      return {
        id: root.getAttribute('ID') ?? '',
        inResponseTo: attr(root, 'InResponseTo'),
        status: path(root, 'Status', 'StatusCode')?.getAttribute('Value') ?? null,
        relayState: d.relayState,
        signatureValid: d.signatureValid,
      };
    },
    authnRequests,
    logoutRequests,
    logoutResponses,
    requests: server.requests,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      releaseKey(first);
      releaseKey(next);
    },
  };
  return idp;
}
