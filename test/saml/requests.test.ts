// The HTTP-Redirect binding: our AuthnRequest, LogoutRequest and LogoutResponse (deflated, signed
// over the query as sent), and the IdP's logout messages read back: refused when unsigned, signed
// by another key or with SHA-1, tampered, stale, from another issuer, to another endpoint, or a bomb.
import assert from 'node:assert/strict';
import { X509Certificate, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { parseIdpMetadata } from '../../src/federation/saml-metadata.js';
import { SamlUnknownKeyError, authnRequestUrl, logoutRequestUrl, logoutResponseUrl, readRedirectMessage } from '../../providers/saml/requests.js';
import { SpKeys } from '../../src/tokens/sp-keys.js';
import { SamlError, type IdpMetadata, type SpConfig } from '../../providers/saml/types.js';
import {
  IDP_ENTITY, IDP_SLO, IDP_SSO, ISSUER, SIG_SHA1, logoutRequestXml, metadataXml, openFixture, queryOf, redirectQuery, testKey, type Fixture, type TestKey,
} from './support.js';

const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SLO = `${ISSUER}/saml2/logout`;

/** The message of a redirect URL, inflated and parsed, with its parameters. */
function decode(url: string) {
  const u = new URL(url);
  const param = u.searchParams.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const xml = inflateRawSync(Buffer.from(u.searchParams.get(param)!, 'base64')).toString('utf8');
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
  return { u, xml, root, params: Object.fromEntries(u.searchParams) };
}

/** Whether the URL's Signature verifies with `cert` over SAMLRequest|SAMLResponse[&RelayState]&SigAlg as sent. */
function signatureValid(url: string, cert: string): boolean {
  const raw = new URL(url).search.slice(1).split('&');
  const pick = (name: string) => raw.find((p) => p.startsWith(`${name}=`));
  const signed = [pick('SAMLRequest') ?? pick('SAMLResponse'), pick('RelayState'), pick('SigAlg')].filter(Boolean).join('&');
  const sig = Buffer.from(decodeURIComponent(pick('Signature')!.slice('Signature='.length)), 'base64');
  return verify('sha256', Buffer.from(signed), new X509Certificate(cert).publicKey, sig);
}

const first = (root: Element, ns: string, name: string) => root.getElementsByTagNameNS(ns, name)[0] ?? null;

describe('our redirect messages', () => {
  let f: Fixture;
  let sp: SpConfig;
  let idp: IdpMetadata;
  before(async () => {
    f = await openFixture();
    sp = await new SpKeys(f.store, f.sealer).config(f.pool, ISSUER);
    idp = parseIdpMetadata(metadataXml({ certs: [(await testKey()).cert] }), Date.now());
  });
  after(() => f.cleanup());

  it('sends an AuthnRequest to the SSO endpoint, unsigned unless asked', () => {
    const now = Date.parse('2030-01-02T03:04:05.678Z');
    const { url, requestId } = authnRequestUrl(sp, idp, { relayState: 'opaque-flow-handle', sign: false, now });
    const { u, root, params } = decode(url);
    assert.equal(`${u.origin}${u.pathname}`, IDP_SSO);
    assert.deepEqual(Object.keys(params), ['SAMLRequest', 'RelayState']);
    assert.equal(params.RelayState, 'opaque-flow-handle');
    assert.match(requestId, /^_[0-9a-f]{32}$/);
    assert.equal(root.namespaceURI, SAMLP);
    assert.equal(root.localName, 'AuthnRequest');
    assert.equal(root.getAttribute('ID'), requestId);
    assert.equal(root.getAttribute('Version'), '2.0');
    assert.equal(root.getAttribute('IssueInstant'), '2030-01-02T03:04:05Z');
    assert.equal(root.getAttribute('Destination'), IDP_SSO);
    assert.equal(root.getAttribute('AssertionConsumerServiceURL'), `${ISSUER}/saml2/idpresponse`);
    assert.equal(root.getAttribute('ProtocolBinding'), 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    assert.equal(first(root, SAML, 'Issuer')?.textContent, ISSUER);
    assert.equal(first(root, SAMLP, 'NameIDPolicy')?.getAttribute('AllowCreate'), 'true');
    assert.notEqual(authnRequestUrl(sp, idp, { relayState: 'x', sign: false, now }).requestId, requestId, 'a fresh id each time');
  });

  it('signs the AuthnRequest (RSA-SHA256 over the query as sent) when asked or when the IdP wants it', () => {
    for (const [sign, want] of [[true, false], [false, true]] as const) {
      const { url } = authnRequestUrl(sp, { ...idp, wantAuthnRequestsSigned: want }, { relayState: 'a b+c/é', sign, now: Date.now() });
      const { params } = decode(url);
      assert.deepEqual(Object.keys(params), ['SAMLRequest', 'RelayState', 'SigAlg', 'Signature']);
      assert.equal(params.SigAlg, 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
      assert.equal(params.RelayState, 'a b+c/é');
      assert.ok(signatureValid(url, sp.signing.certificate));
      assert.ok(!signatureValid(url, sp.encryption[0]!.certificate), 'by the signing key, not the encryption one');
    }
  });

  it('keeps a query the SSO endpoint has, and drops a fragment', () => {
    const { url } = authnRequestUrl(sp, { ...idp, ssoRedirectUrl: 'https://idp.example.test/sso?tenant=7#x' }, { relayState: 'r', sign: true, now: Date.now() });
    const u = new URL(url);
    assert.equal(u.searchParams.get('tenant'), '7');
    assert.equal(u.hash, '');
    assert.ok(signatureValid(url, sp.signing.certificate));
  });

  it('sends a signed LogoutRequest naming the user and session, and refuses without an IdP SLO endpoint', () => {
    const { url, requestId } = logoutRequestUrl(sp, idp, { nameId: 'alice@corp.example', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', sessionIndex: '_s1', relayState: 'logout-flow', now: Date.now() });
    const { u, root, params } = decode(url);
    assert.equal(`${u.origin}${u.pathname}`, IDP_SLO);
    assert.equal(params.RelayState, 'logout-flow');
    assert.ok(signatureValid(url, sp.signing.certificate));
    assert.equal(root.localName, 'LogoutRequest');
    assert.equal(root.getAttribute('ID'), requestId);
    assert.equal(root.getAttribute('Destination'), IDP_SLO);
    assert.equal(first(root, SAML, 'Issuer')?.textContent, ISSUER);
    const nameId = first(root, SAML, 'NameID')!;
    assert.equal(nameId.textContent, 'alice@corp.example');
    assert.equal(nameId.getAttribute('Format'), 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(first(root, SAMLP, 'SessionIndex')?.textContent, '_s1');
    const bare = decode(logoutRequestUrl(sp, idp, { nameId: '<&>', relayState: 'r', now: Date.now() }).url).root;
    assert.equal(first(bare, SAML, 'NameID')?.textContent, '<&>', 'escaped');
    assert.equal(first(bare, SAML, 'NameID')?.hasAttribute('Format'), false);
    assert.equal(first(bare, SAMLP, 'SessionIndex'), null);
    assert.throws(() => logoutRequestUrl(sp, { ...idp, sloRedirectUrl: null }, { nameId: 'a', relayState: 'r', now: Date.now() }), (e: unknown) => e instanceof SamlError && e.kind === 'config' && /no SingleLogoutService/.test(e.message));
  });

  it('answers a LogoutRequest with a signed LogoutResponse (Success)', () => {
    const url = logoutResponseUrl(sp, idp, { inResponseTo: '_their1', relayState: 'theirs', now: Date.now() });
    const { u, root, params } = decode(url);
    assert.equal(`${u.origin}${u.pathname}`, IDP_SLO);
    assert.ok('SAMLResponse' in params);
    assert.equal(params.RelayState, 'theirs');
    assert.ok(signatureValid(url, sp.signing.certificate));
    assert.equal(root.localName, 'LogoutResponse');
    assert.equal(root.getAttribute('InResponseTo'), '_their1');
    assert.equal(first(root, SAMLP, 'StatusCode')?.getAttribute('Value'), 'urn:oasis:names:tc:SAML:2.0:status:Success');
    assert.ok(!('RelayState' in decode(logoutResponseUrl(sp, idp, { inResponseTo: '_x', relayState: null, now: Date.now() })).params));
  });

  it('writes messages its own reader accepts (our SP read as an IdP)', () => {
    const asIdp: IdpMetadata = { entityId: sp.entityId, ssoRedirectUrl: IDP_SSO, sloRedirectUrl: IDP_SLO, signingCerts: [sp.signing.certificate], wantAuthnRequestsSigned: false };
    const { url, requestId } = logoutRequestUrl(sp, idp, { nameId: 'bob', sessionIndex: '_s9', relayState: 'rs', now: Date.now() });
    const { query, raw } = queryOf(url);
    const m = readRedirectMessage(query, raw, asIdp, { now: Date.now(), sloUrl: IDP_SLO });
    assert.deepEqual({ ...m, xml: null }, { kind: 'LogoutRequest', xml: null, id: requestId, issuer: ISSUER, inResponseTo: null, nameId: 'bob', sessionIndex: '_s9', statusSuccess: null, relayState: 'rs' });
    const response = queryOf(logoutResponseUrl(sp, idp, { inResponseTo: '_q', relayState: null, now: Date.now() }));
    const r = readRedirectMessage(response.query, response.raw, asIdp, { now: Date.now(), sloUrl: IDP_SLO });
    assert.equal(r.kind, 'LogoutResponse');
    assert.equal(r.inResponseTo, '_q');
    assert.equal(r.statusSuccess, true);
    assert.equal(r.relayState, null);
  });
});

describe('readRedirectMessage', () => {
  let key: TestKey;
  let rolled: TestKey;
  let stranger: TestKey;
  let idp: IdpMetadata;
  const read = (raw: string, o: { now?: number; allowSha1?: boolean; maxInflatedBytes?: number; query?: Record<string, string> } = {}) =>
    readRedirectMessage(o.query ?? Object.fromEntries(new URLSearchParams(raw)), raw, idp, { now: o.now ?? Date.now(), sloUrl: SLO, allowSha1: o.allowSha1, maxInflatedBytes: o.maxInflatedBytes });
  const refused = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof SamlError, String(e));
      assert.equal(e.kind, 'invalid');
      assert.match(e.message, message);
      return true;
    });

  before(async () => {
    key = await testKey();
    rolled = await testKey({ name: 'next idp key' });
    stranger = await testKey({ name: 'attacker' });
    idp = parseIdpMetadata(metadataXml({ certs: [key.cert, rolled.cert] }), Date.now());
  });

  it("reads a signed LogoutRequest: id, issuer, NameID, SessionIndex and RelayState", () => {
    const raw = redirectQuery('SAMLRequest', logoutRequestXml({ id: '_lr42', notOnOrAfter: Date.now() + 60_000 }), key.privateKey, { relayState: 'their state' });
    const m = read(raw);
    assert.equal(m.kind, 'LogoutRequest');
    assert.equal(m.id, '_lr42');
    assert.equal(m.issuer, IDP_ENTITY);
    assert.equal(m.nameId, 'alice@corp.example');
    assert.equal(m.sessionIndex, '_session1');
    assert.equal(m.relayState, 'their state');
    assert.equal(m.inResponseTo, null);
    assert.equal(m.statusSuccess, null);
    assert.equal(m.xml.documentElement?.localName, 'LogoutRequest');
    assert.equal(read(redirectQuery('SAMLRequest', logoutRequestXml({ destination: null, sessionIndex: null }), key.privateKey)).sessionIndex, null, 'Destination and SessionIndex are optional');
  });

  it('accepts any of the signing certificates (rollover)', () => {
    assert.equal(read(redirectQuery('SAMLRequest', logoutRequestXml({}), rolled.privateKey)).nameId, 'alice@corp.example');
  });

  it('reads a LogoutResponse and its status', () => {
    const response = (status: string) =>
      `<samlp:LogoutResponse xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="_r1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${SLO}" InResponseTo="_ours1">` +
      `<saml:Issuer>${IDP_ENTITY}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${status}"/></samlp:Status></samlp:LogoutResponse>`;
    const ok = read(redirectQuery('SAMLResponse', response('Success'), key.privateKey, { relayState: 'ours' }));
    assert.deepEqual([ok.kind, ok.inResponseTo, ok.statusSuccess, ok.relayState, ok.nameId], ['LogoutResponse', '_ours1', true, 'ours', null]);
    assert.equal(read(redirectQuery('SAMLResponse', response('Responder'), key.privateKey)).statusSuccess, false);
    refused(() => read(redirectQuery('SAMLRequest', response('Success'), key.privateKey)), /is not a LogoutRequest/);
  });

  it('refuses an unsigned message, one signed by another key, and one tampered with after signing', () => {
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({}), null)), /is not signed/);
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({}), null, { relayState: 'x' }) + '&SigAlg=' + encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')), /is not signed/);
    assert.throws(() => read(redirectQuery('SAMLRequest', logoutRequestXml({}), stranger.privateKey)), (e: unknown) => e instanceof SamlUnknownKeyError && e.kind === 'invalid');
    const raw = redirectQuery('SAMLRequest', logoutRequestXml({}), key.privateKey, { relayState: 'a' });
    refused(() => read(raw.replace('RelayState=a', 'RelayState=b')), /not signed by a signing key of the IdP/);
    const other = redirectQuery('SAMLRequest', logoutRequestXml({ nameId: 'bob@corp.example' }), null);
    refused(() => read(raw.replace(/^SAMLRequest=[^&]*/, other)), /not signed by a signing key/);
    refused(() => read(raw.replace(/Signature=[^&]*/, 'Signature=%%%')), /Signature that is not base64|twice|not signed/);
  });

  it('refuses SHA-1 unless the connection allows it, and unknown algorithms', () => {
    const raw = redirectQuery('SAMLRequest', logoutRequestXml({}), key.privateKey, { sigAlg: SIG_SHA1 });
    refused(() => read(raw), /SHA-1/);
    assert.equal(read(raw, { allowSha1: true }).kind, 'LogoutRequest');
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({}), key.privateKey, { sigAlg: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1' })), /unsupported algorithm/);
  });

  it('refuses an expired LogoutRequest, or one issued more than 5 minutes from now', () => {
    const now = Date.now();
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({ notOnOrAfter: now - 1 }), key.privateKey), { now }), /has expired \(NotOnOrAfter\)/);
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({ issueInstant: now - 301_000 }), key.privateKey), { now }), /more than 5 minutes/);
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({ issueInstant: now + 301_000 }), key.privateKey), { now }), /more than 5 minutes/);
    assert.ok(read(redirectQuery('SAMLRequest', logoutRequestXml({ issueInstant: now - 299_000 }), key.privateKey), { now }));
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({}).replace(/IssueInstant="[^"]*"/, 'IssueInstant="yesterday"'), key.privateKey)), /no valid IssueInstant/);
  });

  it('refuses a foreign or missing issuer, and a Destination other than our SLO endpoint', () => {
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({ issuer: 'https://evil.example.test' }), key.privateKey)), /not issued by the IdP/);
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({ issuer: null }), key.privateKey)), /not issued by the IdP/);
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({ destination: 'https://broker.example.test/test_Other1/saml2/logout' }), key.privateKey)), /another endpoint/);
  });

  it('refuses a DEFLATE bomb without inflating past the cap, signed or not', () => {
    const bomb = deflateRawSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 100_000);
    refused(() => read(redirectQuery('SAMLRequest', '', key.privateKey, { deflated: bomb })), /inflates to more than 262144 bytes/);
    refused(() => read(redirectQuery('SAMLRequest', '', null, { deflated: bomb })), /is not signed/);
    refused(() => read(redirectQuery('SAMLRequest', logoutRequestXml({}), key.privateKey), { maxInflatedBytes: 100 }), /inflates to more than 100 bytes/);
    // Inflating stops at the cap: a stream that breaks only after 4 MiB is refused as too large,
    // never as broken (which inflating it all would find).
    const brokenLate = Buffer.concat([deflateRawSync(Buffer.alloc(4 * 1024 * 1024, 0x20), { finishFlush: constants.Z_SYNC_FLUSH }), Buffer.from([0x07, 0xff, 0xff, 0xff])]);
    assert.throws(() => inflateRawSync(brokenLate), /invalid block type/, 'the stream is broken past the cap');
    refused(() => read(redirectQuery('SAMLRequest', '', key.privateKey, { deflated: brokenLate })), /inflates to more than 262144 bytes/);
    refused(() => read(redirectQuery('SAMLRequest', '', key.privateKey, { deflated: Buffer.from('not deflate at all') })), /not DEFLATE-compressed/);
  });

  it('refuses a DOCTYPE, an encrypted or missing NameID, and a malformed query', () => {
    const xxe = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${logoutRequestXml({ nameId: '&e;' })}`;
    refused(() => read(redirectQuery('SAMLRequest', xxe, key.privateKey)), /DOCTYPE/);
    const encrypted = logoutRequestXml({}).replace(/<saml:NameID[^>]*>[^<]*<\/saml:NameID>/, '<saml:EncryptedID><x/></saml:EncryptedID>');
    refused(() => read(redirectQuery('SAMLRequest', encrypted, key.privateKey)), /encrypted NameID/);
    const two = logoutRequestXml({}).replace(/(<saml:NameID[^>]*>[^<]*<\/saml:NameID>)/, '$1$1');
    refused(() => read(redirectQuery('SAMLRequest', two, key.privateKey)), /needs one NameID/);
    const raw = redirectQuery('SAMLRequest', logoutRequestXml({}), key.privateKey, { relayState: 'a' });
    refused(() => read(`${raw}&RelayState=b`), /RelayState twice/);
    refused(() => read(`${raw}&SAMLResponse=x`), /exactly one of SAMLRequest and SAMLResponse/);
    refused(() => read(raw, { query: { ...Object.fromEntries(new URLSearchParams(raw)), RelayState: 'other' } }), /inconsistently/);
  });

  it('reads a NameID whole, comments and all', () => {
    const xml = logoutRequestXml({ nameId: 'admin@corp.example<!---->.evil.example' });
    assert.equal(read(redirectQuery('SAMLRequest', xml, key.privateKey)).nameId, 'admin@corp.example.evil.example');
  });
});
