// What the SAML SP tests share: a real SQLite store with a pool, test IdP keys and certificates
// (any size, type or validity), IdP metadata built from them, signed redirect messages, and a tiny
// metadata server whose answers a test sets.
import { sign } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { poolSchema, providerSchema } from '../../src/directory/schema.js';
import { Sealer } from '../../src/directory/secrets.js';
import { pemBody, privateKeyPem, selfSignedCertificate, signingKeyPair } from '../support/keys.js';
import { tempSqlite } from '../support/temp-sqlite.js';
import type { Store } from '../../src/directory/store.js';
import type { IdentityProvider, Pool } from '../../src/directory/types.js';

export const POOL = 'test_Saml1';
export const PUBLIC_URL = 'https://broker.example.test';
export const ISSUER = `${PUBLIC_URL}/${POOL}`;
export const IDP_ENTITY = 'https://idp.example.test/metadata';
export const IDP_SSO = 'https://idp.example.test/sso';
export const IDP_SLO = 'https://idp.example.test/slo';
export const SIG_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const SIG_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const DAY = 86_400_000;

export interface Fixture {
  store: Store;
  sealer: Sealer;
  pool: Pool;
  /** Another store on the same file (another process, as far as caches go). */
  peer(): Store;
  addPool(id: string, settings?: Record<string, unknown>): Promise<Pool>;
  saml(name: string, details: Record<string, string>): Promise<IdentityProvider>;
  cleanup(): Promise<void>;
}

export async function openFixture(): Promise<Fixture> {
  const db = tempSqlite('saml');
  const open = db.open;
  const store = open();
  const addPool = (id: string, settings: Record<string, unknown> = {}) =>
    store.pools.putPool({ id, settings: poolSchema.parse({ Id: id, PoolName: id, ...settings }) });
  const pool = await addPool(POOL);
  return {
    store, pool, addPool,
    sealer: new Sealer('test key secret'),
    peer: open,
    saml: (name, details) =>
      store.pools.putProvider({ poolId: POOL, name, settings: providerSchema.parse({ ProviderName: name, ProviderType: 'SAML', ProviderDetails: details }) }),
    async cleanup() {
      await db.cleanup();
    },
  };
}

export interface TestKey {
  /** X.509 PEM. */
  cert: string;
  /** PKCS#8 PEM. */
  privateKey: string;
}

const made = new Map<string, Promise<TestKey>>();

/** A key pair and self-signed certificate; the same options give the same (cached) key. */
export function testKey(o: { bits?: number; ec?: boolean; notBefore?: number; notAfter?: number; name?: string } = {}): Promise<TestKey> {
  const slot = JSON.stringify(o);
  let key = made.get(slot);
  if (!key) {
    key = makeKey(o);
    made.set(slot, key);
  }
  return key;
}

async function makeKey(o: { bits?: number; ec?: boolean; notBefore?: number; notAfter?: number; name?: string }): Promise<TestKey> {
  const keys = await signingKeyPair(o);
  const now = Date.now();
  const cert = await selfSignedCertificate(keys, {
    cn: o.name ?? `test idp ${o.bits ?? (o.ec ? 'ec' : 2048)}`,
    notBefore: o.notBefore ?? now - DAY,
    notAfter: o.notAfter ?? now + 365 * DAY,
  });
  return { cert, privateKey: await privateKeyPem(keys.privateKey) };
}

/** The base64 DER of a PEM. */
export const b64 = pemBody;

export interface MetadataOptions {
  entityId?: string;
  certs: string[];
  /** `use` of each KeyDescriptor (default "signing"; null for none). */
  uses?: (string | null)[];
  ssoUrl?: string | null;
  ssoBinding?: string;
  sloUrl?: string | null;
  wantSigned?: boolean;
  protocols?: string;
}

/** IdP metadata as IdPs write it (prefixed, with an encryption key too when asked). */
export function metadataXml(o: MetadataOptions): string {
  const keys = o.certs
    .map((c, i) => {
      const use = o.uses ? o.uses[i] : 'signing';
      return `<md:KeyDescriptor${use ? ` use="${use}"` : ''}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n${b64(c).replace(/(.{64})/g, '$1\n')}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    })
    .join('\n');
  const sso = o.ssoUrl === null ? '' : `<md:SingleSignOnService Binding="${o.ssoBinding ?? 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'}" Location="${o.ssoUrl ?? IDP_SSO}"/>`;
  const slo = o.sloUrl === null ? '' : `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${o.sloUrl ?? IDP_SLO}"/>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${o.entityId ?? IDP_ENTITY}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="${o.wantSigned ? 'true' : 'false'}" protocolSupportEnumeration="${o.protocols ?? 'urn:oasis:names:tc:SAML:2.0:protocol'}">
    ${keys}
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.test/slo-post"/>
    ${slo}
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.test/sso-post"/>
    ${sso}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An IdP's LogoutRequest (fields overridable; null leaves one out). */
export function logoutRequestXml(o: {
  id?: string;
  issuer?: string | null;
  destination?: string | null;
  issueInstant?: number;
  notOnOrAfter?: number | null;
  nameId?: string;
  sessionIndex?: string | null;
}): string {
  const now = Date.now();
  return (
    `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id ?? '_lr1'}" Version="2.0"` +
    ` IssueInstant="${iso(o.issueInstant ?? now)}"` +
    (o.destination === null ? '' : ` Destination="${o.destination ?? `${ISSUER}/saml2/logout`}"`) +
    (o.notOnOrAfter === null || o.notOnOrAfter === undefined ? '' : ` NotOnOrAfter="${iso(o.notOnOrAfter)}"`) +
    '>' +
    (o.issuer === null ? '' : `<saml:Issuer>${o.issuer ?? IDP_ENTITY}</saml:Issuer>`) +
    `<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${o.nameId ?? 'alice@corp.example'}</saml:NameID>` +
    (o.sessionIndex === null ? '' : `<samlp:SessionIndex>${o.sessionIndex ?? '_session1'}</samlp:SessionIndex>`) +
    '</samlp:LogoutRequest>'
  );
}

/** The raw query of a redirect message: deflated `xml` (or `deflated` as given), RelayState, and a signature unless `key` is null. */
export function redirectQuery(
  param: 'SAMLRequest' | 'SAMLResponse',
  xml: string,
  key: string | null,
  o: { relayState?: string; sigAlg?: string; deflated?: Buffer } = {},
): string {
  const message = (o.deflated ?? deflateRawSync(Buffer.from(xml, 'utf8'))).toString('base64');
  let q = `${param}=${encodeURIComponent(message)}`;
  if (o.relayState !== undefined) q += `&RelayState=${encodeURIComponent(o.relayState)}`;
  if (key === null) return q;
  const sigAlg = o.sigAlg ?? SIG_SHA256;
  q += `&SigAlg=${encodeURIComponent(sigAlg)}`;
  const signature = sign(sigAlg === SIG_SHA1 ? 'sha1' : 'sha256', Buffer.from(q, 'utf8'), key).toString('base64');
  return `${q}&Signature=${encodeURIComponent(signature)}`;
}

/** The query of `url` as the broker's routes get it: parsed and raw. */
export function queryOf(url: string): { query: Record<string, string>; raw: string } {
  const u = new URL(url);
  return { query: Object.fromEntries(u.searchParams), raw: u.search.slice(1) };
}

/** What the metadata server answers: a body, a status, a redirect, or nothing for `delayMs`. */
export type Answer = { body: string; status?: number } | { status: number; location?: string } | { hangMs: number };

export interface MetadataServer {
  url: string;
  hits: number;
  answer: Answer;
  close(): Promise<void>;
}

export async function metadataServer(answer: Answer): Promise<MetadataServer> {
  const pending = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    s.hits++;
    const a = s.answer;
    if ('hangMs' in a) {
      pending.add(res);
      setTimeout(() => {
        pending.delete(res);
        if (!res.destroyed) res.end();
      }, a.hangMs).unref();
      return;
    }
    if ('body' in a) {
      res.writeHead(a.status ?? 200, { 'content-type': 'application/samlmetadata+xml' });
      return res.end(a.body);
    }
    res.writeHead(a.status, a.location ? { location: a.location } : {});
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s: MetadataServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata`,
    hits: 0,
    answer,
    async close() {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return s;
}
