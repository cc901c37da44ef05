// The fake SAML IdP's own test: its messages are well-formed and what real IdPs send, its genuine
// signatures verify with xml-crypto against the certificate it publishes, its encryption decrypts
// with xml-encryption, and each attack differs from the genuine response exactly as described.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import { after, before, describe, it, mock } from 'node:test';
import { SAML } from '@node-saml/node-saml';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import xmlenc from 'xml-encryption';
import * as xpath from 'xpath';
import {
  COMMENT_NAME_ID,
  DATA_CIPHER_URI,
  DIGEST_ALG,
  EVIL_NAME_ID,
  KEY_TRANSPORT_URI,
  OTHER,
  SAML_ATTACKS,
  SIG_ALG,
  XSLT_URI,
  generateKeyPair,
  parseAutoPostForm,
  redirectUrl,
  startSamlIdp,
  type ResponseOptions,
  type SamlAttack,
  type SamlIdp,
} from './saml-idp.js';

const SP = { spEntityId: 'urn:amazon:cognito:sp:us-east-1_TestPool', acsUrl: 'https://auth.broker.example/saml2/idpresponse' };
const USER = 'jane.doe@corp.example';
const MINUTE = 60_000;

const select = xpath.useNamespaces({
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
});

function parse(xml: string): Document {
  const fail = (m: string): never => assert.fail(`not well-formed: ${m}`);
  return new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
}
const all = (expr: string, node: Node): Element[] => select(expr, node) as Element[];
const one = (expr: string, node: Node): Element => {
  const found = all(expr, node);
  assert.equal(found.length, 1, `exactly one ${expr}`);
  return found[0]!;
};
const none = (expr: string, node: Node): void => assert.equal(all(expr, node).length, 0, `no ${expr}`);
const text = (expr: string, node: Node): string => one(expr, node).textContent ?? '';
const at = (expr: string, node: Node): string => {
  const v = select(`string(${expr})`, node, true);
  return typeof v === 'string' ? v : '';
};
const time = (expr: string, node: Node): number => Date.parse(at(expr, node));

/** xml-crypto's verdict on one Signature element of `xml`, checked against `cert` only. */
function verify(xml: string, signature: Element, cert: string): { ok: boolean; refs: string[]; error?: string } {
  const sig = new SignedXml({ publicCert: cert });
  try {
    sig.loadSignature(signature);
    const ok = sig.checkSignature(xml);
    return { ok, refs: ok ? sig.getSignedReferences() : [] };
  } catch (err) {
    return { ok: false, refs: [], error: (err as Error).message };
  }
}
const refUri = (signature: Element): string => at('ds:SignedInfo/ds:Reference/@URI', signature);
const keyInfoCert = (signature: Element): string => text('ds:KeyInfo/ds:X509Data/ds:X509Certificate', signature);
const body = (pem: string): string => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

const decryptData = promisify(xmlenc.decrypt) as (xml: string, o: { key: string; warnInsecureAlgorithm?: boolean }) => Promise<string>;

describe('fake SAML IdP', () => {
  let idp: SamlIdp;
  let sp: { privateKey: string; certificate: string };

  before(async () => {
    [idp, sp] = await Promise.all([startSamlIdp(), generateKeyPair()]);
  });
  after(() => idp.close());

  const xmlOf = (o: Partial<ResponseOptions> = {}): string => idp.responseXml({ ...SP, inResponseTo: '_req-1', ...o });
  /** The Signature verifies against the IdP's published certificate. */
  const ok = (xml: string, sig: Element, why: string) => {
    const v = verify(xml, sig, idp.signingCert);
    assert.ok(v.ok, `${why}: ${v.error}`);
  };
  const refused = (xml: string, sig: Element, why: string) => assert.equal(verify(xml, sig, idp.signingCert).ok, false, why);

  describe('identity and metadata', () => {
    it('publishes its endpoints and a 2048-bit, 10-year signing certificate', () => {
      assert.match(idp.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(idp.ssoUrl, `${idp.url}/sso`);
      assert.equal(idp.sloUrl, `${idp.url}/slo`);
      assert.equal(idp.metadataUrl, `${idp.url}/metadata`);
      const cert = new X509Certificate(idp.signingCert);
      assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
      const from = Date.parse(cert.validFrom);
      const to = Date.parse(cert.validTo);
      assert.ok(from <= Date.now() && Date.now() < to);
      assert.ok(Math.abs(to - from - 3650 * 24 * 60 * MINUTE) < 2 * 24 * 60 * MINUTE, 'about ten years');
      assert.ok(cert.verify(cert.publicKey), 'self-signed');
    });

    it('serves metadata with its signing cert, SSO and SLO on the HTTP-Redirect binding', async () => {
      const res = await fetch(idp.metadataUrl);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /samlmetadata\+xml/);
      const xml = await res.text();
      assert.equal(xml, idp.metadataXml());
      const doc = parse(xml);
      assert.equal(at('/md:EntityDescriptor/@entityID', doc), idp.entityId);
      const sso = one('//md:IDPSSODescriptor', doc);
      assert.equal(at('@protocolSupportEnumeration', sso), 'urn:oasis:names:tc:SAML:2.0:protocol');
      assert.equal(at('@WantAuthnRequestsSigned', sso), 'false');
      assert.equal(text('md:KeyDescriptor[@use="signing"]/ds:KeyInfo/ds:X509Data/ds:X509Certificate', sso), body(idp.signingCert));
      const redirect = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
      assert.equal(at(`md:SingleSignOnService[@Binding="${redirect}"]/@Location`, sso), idp.ssoUrl);
      assert.equal(at(`md:SingleLogoutService[@Binding="${redirect}"]/@Location`, sso), idp.sloUrl);
      assert.ok(all('md:NameIDFormat', sso).length > 0);
    });

    it('lists rollover, expired, 1024-bit certificates and drops SSO on demand', () => {
      const certs = (xml: string) => all('//md:KeyDescriptor/ds:KeyInfo/ds:X509Data/ds:X509Certificate', parse(xml)).map((e) => e.textContent);
      assert.deepEqual(certs(idp.metadataXml({ rollover: true })), [body(idp.keys.first.certificate), body(idp.keys.next.certificate)]);
      assert.notEqual(idp.keys.first.certificate, idp.keys.next.certificate);

      const [expired] = certs(idp.metadataXml({ expiredCert: true }));
      const e = new X509Certificate(Buffer.from(expired!, 'base64'));
      assert.ok(Date.parse(e.validTo) < Date.now(), 'expired');
      assert.ok(e.publicKey.equals(new X509Certificate(idp.signingCert).publicKey), 'same key as the signing one');

      const [small] = certs(idp.metadataXml({ smallKey: true }));
      assert.equal(new X509Certificate(Buffer.from(small!, 'base64')).publicKey.asymmetricKeyDetails?.modulusLength, 1024);

      none('//md:SingleSignOnService', parse(idp.metadataXml({ noSso: true })));
    });

    it('misbehaves on GET /metadata: down, slow, huge, garbage', async () => {
      const slowIdp = await startSamlIdp({ slowMs: 5_000 });
      try {
        slowIdp.setMetadataBehaviour('down');
        await assert.rejects(fetch(slowIdp.metadataUrl));

        // 'slow' holds the answer until slowMs has passed, then serves the metadata. The clock is the
        // test's (mock timers): the answer cannot come before the test moves it on.
        slowIdp.setMetadataBehaviour('slow');
        const asked = slowIdp.requests.length;
        mock.timers.enable({ apis: ['setTimeout'] });
        try {
          let answered = false;
          const late = fetch(slowIdp.metadataUrl).then((r) => ((answered = true), r));
          while (slowIdp.requests.length === asked) await new Promise((r) => setImmediate(r));
          // A later request on another connection has its answer, and the first still has none.
          assert.equal((await fetch(`${slowIdp.url}/no-such-path`)).status, 404);
          assert.equal(answered, false, 'slow: no answer before slowMs');
          mock.timers.tick(4_999);
          assert.equal((await fetch(`${slowIdp.url}/no-such-path`)).status, 404);
          assert.equal(answered, false, 'slow: no answer before slowMs');
          mock.timers.tick(1);
          assert.equal(await (await late).text(), slowIdp.metadataXml(), 'slow: the metadata once slowMs has passed');
        } finally {
          mock.timers.reset();
        }

        slowIdp.setMetadataBehaviour('huge');
        const huge = await fetch(slowIdp.metadataUrl);
        assert.equal(huge.headers.get('content-length'), null, 'no Content-Length to trust');
        const hugeXml = await huge.text();
        assert.ok(hugeXml.length > 16 * 1024 * 1024);
        assert.equal(at('/md:EntityDescriptor/@entityID', parse(hugeXml)), slowIdp.entityId, 'still well-formed metadata');

        slowIdp.setMetadataBehaviour('garbage');
        const garbage = await fetch(slowIdp.metadataUrl);
        assert.equal(garbage.status, 200);
        const broken = await garbage.text();
        assert.ok(broken.length > 100 && slowIdp.metadataXml().startsWith(broken), 'the first part of the metadata');
        assert.throws(() => parse(broken));

        slowIdp.setMetadataBehaviour('normal');
        slowIdp.setMetadata({ rollover: true });
        assert.equal(await (await fetch(slowIdp.metadataUrl)).text(), slowIdp.metadataXml({ rollover: true }));
      } finally {
        await slowIdp.close();
      }
    });
  });

  describe('genuine responses', () => {
    it('carry everything a real IdP sends', () => {
      const before = Date.now();
      const doc = parse(xmlOf());
      assert.ok(xmlOf().startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
      const r = one('/samlp:Response', doc);
      assert.match(at('@ID', r), /^_[0-9a-f]{40}$/);
      assert.equal(at('@Version', r), '2.0');
      assert.ok(time('@IssueInstant', r) >= before - 1000);
      assert.equal(at('@Destination', r), SP.acsUrl);
      assert.equal(at('@InResponseTo', r), '_req-1');
      assert.equal(text('saml:Issuer', r), idp.entityId);
      assert.equal(at('samlp:Status/samlp:StatusCode/@Value', r), 'urn:oasis:names:tc:SAML:2.0:status:Success');

      const a = one('saml:Assertion', r);
      assert.notEqual(at('@ID', a), at('@ID', r));
      assert.equal(at('@Version', a), '2.0');
      assert.ok(at('@IssueInstant', a));
      assert.equal(text('saml:Issuer', a), idp.entityId);
      assert.equal(text('saml:Subject/saml:NameID', a), USER);
      assert.equal(at('saml:Subject/saml:NameID/@Format', a), 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
      const sc = one('saml:Subject/saml:SubjectConfirmation', a);
      assert.equal(at('@Method', sc), 'urn:oasis:names:tc:SAML:2.0:cm:bearer');
      const scd = one('saml:SubjectConfirmationData', sc);
      assert.equal(at('@Recipient', scd), SP.acsUrl);
      assert.equal(at('@InResponseTo', scd), '_req-1');
      const issued = time('@IssueInstant', a);
      assert.equal(time('@NotOnOrAfter', scd) - issued, 5 * MINUTE);
      const cond = one('saml:Conditions', a);
      assert.ok(time('@NotBefore', cond) <= Date.now());
      assert.equal(time('@NotOnOrAfter', cond) - issued, 5 * MINUTE);
      assert.equal(text('saml:AudienceRestriction/saml:Audience', cond), SP.spEntityId);
      const authn = one('saml:AuthnStatement', a);
      assert.ok(at('@AuthnInstant', authn));
      assert.match(at('@SessionIndex', authn), /^_/);
      const values = (name: string) => all(`saml:AttributeStatement/saml:Attribute[@Name="${name}"]/saml:AttributeValue`, a).map((v) => v.textContent);
      assert.deepEqual(values('email'), [USER]);
      assert.deepEqual(values('groups'), ['staff', 'engineering'], 'multi-valued: several AttributeValue');
    });

    it('are signed on the Assertion (enveloped, exc-c14n, RSA-SHA256), the signature right after Issuer, verifying against the published cert', () => {
      const xml = xmlOf();
      const doc = parse(xml);
      const sig = one('//ds:Signature', doc);
      const a = one('/samlp:Response/saml:Assertion', doc);
      assert.equal(sig.parentNode, a);
      assert.equal((sig.previousSibling as Element).localName, 'Issuer', 'placed after Issuer');
      assert.equal(refUri(sig), `#${at('@ID', a)}`);
      assert.equal(at('ds:SignedInfo/ds:CanonicalizationMethod/@Algorithm', sig), 'http://www.w3.org/2001/10/xml-exc-c14n#');
      assert.equal(at('ds:SignedInfo/ds:SignatureMethod/@Algorithm', sig), SIG_ALG.sha256);
      assert.equal(at('ds:SignedInfo/ds:Reference/ds:DigestMethod/@Algorithm', sig), DIGEST_ALG.sha256);
      assert.deepEqual(
        all('ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform', sig).map((t) => t.getAttribute('Algorithm')),
        ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      );
      assert.equal(keyInfoCert(sig), body(idp.signingCert));
      const v = verify(xml, sig, idp.signingCert);
      assert.ok(v.ok, v.error);
      assert.equal(v.refs.length, 1);
      assert.ok(v.refs[0]!.includes(`>${USER}</saml:NameID>`), 'the NameID is in the signed bytes');
      assert.equal(verify(xml, sig, idp.keys.attacker.certificate).ok, false);
    });

    it('sign the Response, both, or nothing on demand', () => {
      const responseOnly = xmlOf({ sign: 'response' });
      const d1 = parse(responseOnly);
      const s1 = one('//ds:Signature', d1);
      assert.equal(s1.parentNode, one('/samlp:Response', d1));
      assert.equal((s1.previousSibling as Element).localName, 'Issuer');
      assert.ok(verify(responseOnly, s1, idp.signingCert).ok);

      const both = xmlOf({ sign: 'both' });
      const d2 = parse(both);
      const [outer, inner] = [one('/samlp:Response/ds:Signature', d2), one('/samlp:Response/saml:Assertion/ds:Signature', d2)];
      assert.ok(verify(both, outer, idp.signingCert).ok);
      assert.ok(verify(both, inner, idp.signingCert).ok);
      assert.equal(all('//ds:Signature', d2).length, 2);

      none('//ds:Signature', parse(xmlOf({ sign: 'none' })));
    });

    it('sign with RSA-SHA1/SHA-1 on demand', () => {
      const xml = xmlOf({ digest: 'sha1' });
      const sig = one('//ds:Signature', parse(xml));
      assert.equal(at('ds:SignedInfo/ds:SignatureMethod/@Algorithm', sig), SIG_ALG.sha1);
      assert.equal(at('ds:SignedInfo/ds:Reference/ds:DigestMethod/@Algorithm', sig), DIGEST_ALG.sha1);
      assert.ok(verify(xml, sig, idp.signingCert).ok);
    });

    it('unsolicited ones carry no InResponseTo anywhere; the issue time can be shifted alone', () => {
      // Bracketed by the clock read before and after: exact, however long the call takes.
      const before = Date.now();
      const doc = parse(idp.responseXml({ ...SP, issueInstantShiftMs: -7 * MINUTE }));
      const after = Date.now();
      none('//@InResponseTo', doc);
      const shifted = time('/samlp:Response/@IssueInstant', doc);
      assert.ok(before - 7 * MINUTE <= shifted && shifted <= after - 7 * MINUTE, 'issued 7 minutes before now');
      assert.equal(time('//saml:Assertion/@IssueInstant', doc), shifted);
      assert.equal(time('//saml:AuthnStatement/@AuthnInstant', doc), shifted);
      const until = time('//saml:Conditions/@NotOnOrAfter', doc);
      assert.ok(before + 5 * MINUTE <= until && until <= after + 5 * MINUTE, 'validity stays around now');
    });

    it('name the user set with setUser, or the one given per response', async () => {
      const later = Date.now() + 60 * MINUTE;
      const other = await startSamlIdp({ now: () => later });
      try {
        other.setUser('u-1234', { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': 'x@corp.example', role: ['a', 'b'] });
        const doc = parse(other.responseXml(SP));
        assert.equal(text('//saml:NameID', doc), 'u-1234');
        assert.equal(at('//saml:NameID/@Format', doc), 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
        assert.equal(at('//saml:Attribute[1]/@NameFormat', doc), 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri');
        assert.equal(all('//saml:Attribute[@Name="role"]/saml:AttributeValue', doc).length, 2);
        assert.equal(time('/samlp:Response/@IssueInstant', doc), later, 'the fake clock');
        const given = parse(other.responseXml({ ...SP, nameId: 'p-1', nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', sessionIndex: '_s1', attributes: { a: '<&>' } }));
        assert.equal(text('//saml:NameID', given), 'p-1');
        assert.equal(at('//saml:AuthnStatement/@SessionIndex', given), '_s1');
        assert.equal(text('//saml:AttributeValue', given), '<&>', 'metacharacters round-trip');
      } finally {
        await other.close();
      }
    });

    it('switch to the next key on useNextKey, which rollover metadata already listed', async () => {
      const rolling = await startSamlIdp();
      try {
        const before = rolling.signingCert;
        rolling.useNextKey();
        assert.equal(rolling.signingCert, rolling.keys.next.certificate);
        assert.notEqual(rolling.signingCert, before);
        const xml = rolling.responseXml(SP);
        const sig = one('//ds:Signature', parse(xml));
        assert.ok(verify(xml, sig, rolling.keys.next.certificate).ok);
        assert.equal(verify(xml, sig, before).ok, false, 'the old cert no longer verifies');
        const listed = all('//ds:X509Certificate', parse(rolling.metadataXml({ rollover: true }))).map((e) => e.textContent);
        assert.deepEqual(listed, [body(before), body(rolling.signingCert)]);
      } finally {
        await rolling.close();
      }
    });
  });

  describe('encrypted assertions', () => {
    async function decrypted(xml: string, i = 0): Promise<string> {
      const data = all('/samlp:Response/saml:EncryptedAssertion/xenc:EncryptedData', parse(xml))[i]!;
      return decryptData(data.toString(), { key: sp.privateKey, warnInsecureAlgorithm: false });
    }

    it('RSA-OAEP + AES-256-GCM by default: xml-encryption decrypts a signed Assertion that verifies', async () => {
      const xml = xmlOf({ encryptFor: sp.certificate });
      const doc = parse(xml);
      none('/samlp:Response/saml:Assertion', doc);
      const data = one('/samlp:Response/saml:EncryptedAssertion/xenc:EncryptedData', doc);
      assert.equal(at('xenc:EncryptionMethod/@Algorithm', data), DATA_CIPHER_URI['aes256-gcm']);
      assert.equal(at('ds:KeyInfo/xenc:EncryptedKey/xenc:EncryptionMethod/@Algorithm', data), KEY_TRANSPORT_URI['rsa-oaep']);
      assert.equal(text('ds:KeyInfo/xenc:EncryptedKey/ds:KeyInfo/ds:X509Data/ds:X509Certificate', data), body(sp.certificate));
      const plain = await decrypted(xml);
      const a = parse(plain);
      assert.equal(text('/saml:Assertion/saml:Subject/saml:NameID', a), USER);
      const v = verify(plain, one('/saml:Assertion/ds:Signature', a), idp.signingCert);
      assert.ok(v.ok, v.error);
    });

    it('with sign "both", the Response signature covers the EncryptedAssertion', async () => {
      const xml = xmlOf({ encryptFor: sp.certificate, sign: 'both' });
      const v = verify(xml, one('/samlp:Response/ds:Signature', parse(xml)), idp.signingCert);
      assert.ok(v.ok, v.error);
      assert.ok(v.refs[0]!.includes('EncryptedAssertion'));
      const plain = await decrypted(xml);
      assert.ok(verify(plain, one('/saml:Assertion/ds:Signature', parse(plain)), idp.signingCert).ok);
    });

    it('AES-128-CBC and 3DES decrypt; RSA 1.5 and 3DES are named for the refusal tests', async () => {
      for (const dataAlg of ['aes128-cbc', 'tripledes-cbc'] as const) {
        const xml = xmlOf({ encryptFor: sp.certificate, encryption: { dataAlg } });
        assert.equal(at('//xenc:EncryptedData/xenc:EncryptionMethod/@Algorithm', parse(xml)), DATA_CIPHER_URI[dataAlg]);
        assert.equal(text('//saml:NameID', parse(await decrypted(xml))), USER);
      }
      const rsa15 = parse(xmlOf({ encryptFor: sp.certificate, encryption: { keyAlg: 'rsa-1_5' } }));
      assert.equal(at('//xenc:EncryptedKey/xenc:EncryptionMethod/@Algorithm', rsa15), KEY_TRANSPORT_URI['rsa-1_5']);
    });
  });

  it('node-saml 5.1 (the SP library) accepts the genuine responses in every sign and encryption mode', async () => {
    const modes: [Partial<ResponseOptions>, { response: boolean; assertion: boolean }][] = [
      [{}, { response: false, assertion: true }],
      [{ sign: 'response' }, { response: true, assertion: false }],
      [{ sign: 'both' }, { response: true, assertion: true }],
      [{ encryptFor: sp.certificate }, { response: false, assertion: true }],
      [{ encryptFor: sp.certificate, sign: 'both', encryption: { dataAlg: 'aes128-cbc' } }, { response: true, assertion: true }],
    ];
    for (const [o, want] of modes) {
      const saml = new SAML({
        callbackUrl: SP.acsUrl,
        issuer: SP.spEntityId,
        audience: SP.spEntityId,
        idpCert: idp.signingCert,
        idpIssuer: idp.entityId,
        wantAuthnResponseSigned: want.response,
        wantAssertionsSigned: want.assertion,
        decryptionPvk: sp.privateKey,
        acceptedClockSkewMs: 1000,
      });
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: idp.response({ ...SP, inResponseTo: '_req-1', ...o }) });
      assert.equal(profile?.nameID, USER, JSON.stringify(o));
      assert.deepEqual(profile?.groups, ['staff', 'engineering']);
    }
  });

  describe('attacks', () => {
    const genuineId = (doc: Document): string => at('/samlp:Response/@ID', doc);
    const nameIdOf = (el: Node): string => text('saml:Subject/saml:NameID', el);

    /** What each attack must look like; `xml` is its output with default options. */
    const checks: Record<SamlAttack, (xml: string, doc: Document) => void> = {
      xsw1(xml, doc) {
        const root = one('/samlp:Response', doc);
        assert.match(genuineId(doc), /^_evil_/);
        assert.equal(nameIdOf(one('saml:Assertion', root)), EVIL_NAME_ID);
        const sig = one('ds:Signature', root);
        const clean = one('samlp:Response', sig);
        assert.equal(refUri(sig), `#${at('@ID', clean)}`);
        none('ds:Signature', clean);
        assert.equal(nameIdOf(one('saml:Assertion', clean)), USER);
        ok(xml, sig, 'the Signature still verifies over the clean copy inside it');
      },
      xsw2(xml, doc) {
        const root = one('/samlp:Response', doc);
        assert.match(genuineId(doc), /^_evil_/);
        const sig = one('ds:Signature', root);
        const clean = one('samlp:Response', root);
        assert.equal(clean.nextSibling, sig, 'clean copy right before the Signature');
        assert.equal(refUri(sig), `#${at('@ID', clean)}`);
        assert.equal(nameIdOf(one('saml:Assertion', root)), EVIL_NAME_ID);
        ok(xml, sig, 'verifies over the sibling copy');
      },
      xsw3(xml, doc) {
        const [evil, signed] = all('/samlp:Response/saml:Assertion', doc);
        assert.equal(nameIdOf(evil!), EVIL_NAME_ID);
        none('ds:Signature', evil!);
        assert.notEqual(at('@ID', evil!), at('@ID', signed!));
        assert.equal(nameIdOf(signed!), USER);
        ok(xml, one('ds:Signature', signed!), 'the second, signed Assertion verifies');
      },
      xsw4(xml, doc) {
        const evil = one('/samlp:Response/saml:Assertion', doc);
        none('ds:Signature', evil);
        assert.equal(nameIdOf(evil), EVIL_NAME_ID);
        const signed = one('saml:Assertion', evil);
        assert.equal(nameIdOf(signed), USER);
        ok(xml, one('ds:Signature', signed), 'the nested Assertion verifies');
      },
      xsw5(xml, doc) {
        const [evil, clean] = all('/samlp:Response/saml:Assertion', doc);
        const sig = one('ds:Signature', evil!);
        assert.equal(nameIdOf(evil!), EVIL_NAME_ID);
        assert.equal(refUri(sig), `#${at('@ID', clean!)}`);
        assert.notEqual(at('@ID', evil!), at('@ID', clean!));
        none('ds:Signature', clean!);
        assert.equal(nameIdOf(clean!), USER);
        ok(xml, sig, 'verifies over the appended clean copy');
      },
      xsw6(xml, doc) {
        const evil = one('/samlp:Response/saml:Assertion', doc);
        const sig = one('ds:Signature', evil);
        const clean = one('saml:Assertion', sig);
        assert.equal(nameIdOf(evil), EVIL_NAME_ID);
        assert.equal(refUri(sig), `#${at('@ID', clean)}`);
        assert.equal(nameIdOf(clean), USER);
        ok(xml, sig, 'verifies over the copy inside the Signature');
      },
      xsw7(xml, doc) {
        const ext = one('/samlp:Response/samlp:Extensions', doc);
        const evil = one('saml:Assertion', ext);
        const signed = one('/samlp:Response/saml:Assertion', doc);
        assert.equal(ext.nextSibling, signed);
        assert.equal(at('@ID', evil), at('@ID', signed), 'duplicate ID');
        assert.equal(nameIdOf(evil), EVIL_NAME_ID);
        none('ds:Signature', evil);
        assert.equal(nameIdOf(signed), USER);
        refused(xml, one('ds:Signature', signed), 'xml-crypto refuses duplicate IDs');
      },
      xsw8(xml, doc) {
        const evil = one('/samlp:Response/saml:Assertion', doc);
        const sig = one('ds:Signature', evil);
        const clean = one('ds:Object/saml:Assertion', sig);
        assert.equal(nameIdOf(evil), EVIL_NAME_ID);
        assert.equal(at('@ID', evil), at('@ID', clean), 'duplicate ID');
        assert.equal(nameIdOf(clean), USER);
        none('ds:Signature', clean);
        refused(xml, sig, 'xml-crypto refuses duplicate IDs');
      },
      'assertion-in-extensions'(xml, doc) {
        const ext = one('/samlp:Response/samlp:Extensions', doc);
        assert.equal((ext.previousSibling as Element).localName, 'Issuer');
        const signed = one('saml:Assertion', ext);
        assert.equal(nameIdOf(signed), USER);
        ok(xml, one('ds:Signature', signed), 'the hidden Assertion verifies');
        const forged = one('/samlp:Response/saml:Assertion', doc);
        assert.equal(nameIdOf(forged), EVIL_NAME_ID);
        none('ds:Signature', forged);
        assert.notEqual(at('@ID', forged), at('@ID', signed));
      },
      'comment-in-nameid'(xml, doc) {
        const nameId = one('//saml:NameID', doc);
        assert.equal(nameId.textContent, COMMENT_NAME_ID, 'the true value is all the text');
        assert.equal(nameId.firstChild!.nodeValue, 'admin@corp.example', 'the first text node alone is the trap');
        assert.equal(nameId.childNodes.item(1)!.nodeType, 8, 'a comment in between');
        assert.equal(text('//saml:Attribute[@Name="email"]/saml:AttributeValue', doc), COMMENT_NAME_ID);
        ok(xml, one('//ds:Signature', doc), 'signed as such');
      },
      'stripped-signature'(_xml, doc) {
        none('//ds:Signature', doc);
        assert.equal(nameIdOf(one('/samlp:Response/saml:Assertion', doc)), USER);
      },
      'attacker-signed'(xml, doc) {
        const sig = one('//ds:Signature', doc);
        assert.equal(keyInfoCert(sig), body(idp.keys.attacker.certificate));
        refused(xml, sig, 'not by the IdP key');
        assert.ok(verify(xml, sig, idp.keys.attacker.certificate).ok, 'a real signature by the attacker key');
      },
      'tampered-after-signing'(xml, doc) {
        assert.equal(nameIdOf(one('/samlp:Response/saml:Assertion', doc)), EVIL_NAME_ID);
        refused(xml, one('//ds:Signature', doc), 'digest mismatch');
      },
      'wrong-audience'(xml, doc) {
        assert.equal(text('//saml:Audience', doc), OTHER.spEntityId);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'wrong-destination'(xml, doc) {
        assert.equal(at('/samlp:Response/@Destination', doc), OTHER.acsUrl);
        assert.equal(at('//saml:SubjectConfirmationData/@Recipient', doc), SP.acsUrl);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'wrong-recipient'(xml, doc) {
        assert.equal(at('//saml:SubjectConfirmationData/@Recipient', doc), OTHER.acsUrl);
        assert.equal(at('/samlp:Response/@Destination', doc), SP.acsUrl);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'wrong-issuer'(xml, doc) {
        assert.equal(text('/samlp:Response/saml:Issuer', doc), OTHER.idpEntityId);
        assert.equal(text('//saml:Assertion/saml:Issuer', doc), idp.entityId);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'wrong-assertion-issuer'(xml, doc) {
        assert.equal(text('/samlp:Response/saml:Issuer', doc), idp.entityId);
        assert.equal(text('//saml:Assertion/saml:Issuer', doc), OTHER.idpEntityId);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      expired(xml, doc) {
        assert.ok(time('//saml:Conditions/@NotOnOrAfter', doc) < Date.now() - 5 * MINUTE);
        assert.ok(time('//saml:SubjectConfirmationData/@NotOnOrAfter', doc) < Date.now() - 5 * MINUTE);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'not-yet-valid'(xml, doc) {
        assert.ok(time('//saml:Conditions/@NotBefore', doc) > Date.now() + 5 * MINUTE);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'two-assertions'(xml, doc) {
        const [a, b] = all('/samlp:Response/saml:Assertion', doc);
        assert.equal(nameIdOf(a!), USER);
        assert.equal(nameIdOf(b!), EVIL_NAME_ID);
        ok(xml, one('ds:Signature', a!), 'first signed');
        ok(xml, one('ds:Signature', b!), 'second signed');
      },
      'status-responder'(xml, doc) {
        assert.equal(at('//samlp:StatusCode/@Value', doc), 'urn:oasis:names:tc:SAML:2.0:status:Responder');
        ok(xml, one('//ds:Signature', doc), 'with a genuine Assertion all the same');
      },
      'no-bearer'(xml, doc) {
        assert.equal(at('//saml:SubjectConfirmation/@Method', doc), 'urn:oasis:names:tc:SAML:2.0:cm:sender-vouches');
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'no-conditions'(xml, doc) {
        none('//saml:Conditions', doc);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'no-authnstatement'(xml, doc) {
        none('//saml:AuthnStatement', doc);
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'in-response-to-mismatch'(xml, doc) {
        assert.equal(at('/samlp:Response/@InResponseTo', doc), '_req-1');
        const scd = at('//saml:SubjectConfirmationData/@InResponseTo', doc);
        assert.ok(scd && scd !== '_req-1');
        ok(xml, one('//ds:Signature', doc), 'genuinely signed');
      },
      'dtd-external-entity'(xml) {
        assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE samlp:Response ['));
        assert.ok(xml.includes(`<!ENTITY xxe SYSTEM "${idp.url}/xxe">`));
        assert.ok(xml.includes(`<!ENTITY % remote SYSTEM "${idp.url}/xxe.dtd">%remote;`));
        assert.ok(xml.includes('SYSTEM "file:///etc/passwd"'));
        assert.match(xml, /<samlp:Response [^>]*><saml:Issuer[^>]*>&xxe;&passwd;<\/saml:Issuer>/);
      },
      'billion-laughs'(xml) {
        assert.ok(xml.includes('<!ENTITY lol0 "lol">'));
        assert.ok(xml.includes(`<!ENTITY lol9 "${'&lol8;'.repeat(10)}">`));
        assert.match(xml, /<samlp:Response [^>]*><saml:Issuer[^>]*>&lol9;<\/saml:Issuer>/);
      },
      'xslt-transform'(xml, doc) {
        const sig = one('//ds:Signature', doc);
        const t = one('ds:SignedInfo/ds:Reference/ds:Transforms/ds:Transform[1]', sig);
        assert.equal(t.getAttribute('Algorithm'), XSLT_URI);
        assert.ok(t.toString().includes(`document('${idp.url}/xslt')`));
        refused(xml, sig, 'SignedInfo changed');
      },
      'two-signed-info'(xml, doc) {
        const evil = one('/samlp:Response/saml:Assertion', doc);
        const sig = one('ds:Signature', evil);
        const [first, second] = all('ds:SignedInfo', sig);
        const wrapped = one('/samlp:Response/a/saml:Assertion', doc);
        assert.equal(at('ds:Reference/@URI', first!), `#${at('@ID', wrapped)}`, 'the genuine SignedInfo, over the wrapped original');
        assert.equal(at('ds:Reference/@URI', second!), `#${at('@ID', evil)}`, 'the forged one, over the evil Assertion');
        assert.equal(nameIdOf(evil), EVIL_NAME_ID);
        assert.equal(nameIdOf(wrapped), USER);
        none('ds:Signature', wrapped);
        refused(xml, sig, 'xml-crypto refuses two SignedInfo');
      },
      'encrypted-unsigned'() {
        // Checked with the SP key below: it needs encryptFor.
      },
    };

    it('every attack has a check here', () => {
      assert.deepEqual(Object.keys(checks).sort(), [...SAML_ATTACKS].sort());
    });

    for (const attack of SAML_ATTACKS.filter((a) => a !== 'encrypted-unsigned')) {
      it(`${attack}: well-formed and forged as described`, () => {
        const xml = xmlOf({ attack });
        const isDtd = attack === 'dtd-external-entity' || attack === 'billion-laughs';
        // DOCTYPE attacks reference entities no safe parser expands; the rest must parse strictly.
        const doc = isDtd ? (null as unknown as Document) : parse(xml);
        checks[attack](xml, doc);
      });
    }

    it('encrypted-unsigned: an EncryptedAssertion, nothing signed inside or out', async () => {
      const xml = xmlOf({ attack: 'encrypted-unsigned', encryptFor: sp.certificate });
      const doc = parse(xml);
      one('/samlp:Response/saml:EncryptedAssertion', doc);
      none('//ds:Signature', doc);
      const data = one('//xenc:EncryptedData', doc);
      const plain = await decryptData(data.toString(), { key: sp.privateKey });
      none('//ds:Signature', parse(plain));
      assert.equal(text('//saml:NameID', parse(plain)), USER);
    });

    it('with sign "both", reworked Assertions break the Response signature, as tampering would', () => {
      for (const attack of ['xsw3', 'xsw5', 'tampered-after-signing'] as const) {
        const xml = xmlOf({ attack, sign: 'both' });
        refused(xml, one('/samlp:Response/ds:Signature', parse(xml)), attack);
      }
      const xsw1 = xmlOf({ attack: 'xsw1', sign: 'both' });
      const doc = parse(xsw1);
      ok(xsw1, one('/samlp:Response/ds:Signature', doc), 'xsw1 keeps the genuine Response signature over the clean copy');
      assert.equal(nameIdOf(one('/samlp:Response/saml:Assertion', doc)), EVIL_NAME_ID);
    });

    it('with encryption, XSW3 puts an evil EncryptedAssertion before the genuine one', async () => {
      const xml = xmlOf({ attack: 'xsw3', encryptFor: sp.certificate });
      const data = all('/samlp:Response/saml:EncryptedAssertion/xenc:EncryptedData', parse(xml));
      assert.equal(data.length, 2);
      const [evil, signed] = await Promise.all(data.map((d) => decryptData(d.toString(), { key: sp.privateKey })));
      assert.equal(nameIdOf(one('/saml:Assertion', parse(evil!))), EVIL_NAME_ID);
      none('/saml:Assertion/ds:Signature', parse(evil!));
      ok(signed!, one('/saml:Assertion/ds:Signature', parse(signed!)), 'the second still verifies');
    });

    it('every attack forges in each sign mode it allows, plain or encrypted; the rest say what they need', () => {
      let forged = 0;
      for (const sign of ['assertion', 'response', 'both', 'none'] as const) {
        for (const encryptFor of [undefined, sp.certificate]) {
          for (const attack of SAML_ATTACKS) {
            let xml: string;
            try {
              xml = xmlOf({ attack, sign, encryptFor });
            } catch (err) {
              assert.match((err as Error).message, /needs (sign|encryptFor|something signed)/, `${attack}/${sign}`);
              continue;
            }
            forged++;
            if (attack !== 'dtd-external-entity' && attack !== 'billion-laughs') parse(xml);
          }
        }
      }
      assert.ok(forged > 150, `${forged} combinations`);
    });

    it('refuses combinations that cannot be forged', () => {
      assert.throws(() => xmlOf({ attack: 'xsw1', sign: 'assertion' }), /needs sign 'response' or 'both'/);
      assert.throws(() => xmlOf({ attack: 'xsw3', sign: 'response' }), /needs sign 'assertion' or 'both'/);
      assert.throws(() => xmlOf({ attack: 'encrypted-unsigned' }), /needs encryptFor/);
      assert.throws(() => xmlOf({ attack: 'tampered-after-signing', sign: 'none' }), /needs something signed/);
    });

    it('response() is the base64 of responseXml()', () => {
      const b64 = idp.response({ ...SP, inResponseTo: '_r' });
      const xml = Buffer.from(b64, 'base64').toString('utf8');
      assert.equal(at('/samlp:Response/@InResponseTo', parse(xml)), '_r');
    });

    it('the callback endpoints record any fetch the SP would make', async () => {
      const count = () => idp.requests.filter((r) => ['/xxe', '/xxe.dtd', '/xslt'].includes(r.path)).length;
      const before = count();
      xmlOf({ attack: 'dtd-external-entity' });
      xmlOf({ attack: 'xslt-transform' });
      assert.equal(count(), before, 'making the payloads fetches nothing');
      assert.equal((await fetch(`${idp.url}/xxe`)).status, 200);
      assert.equal(count(), before + 1);
    });
  });

  describe('HTTP-Redirect SSO and SLO', () => {
    const authnRequest = (id: string, o: { acs?: string | null; destination?: string } = {}) =>
      `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${o.destination ?? idp.ssoUrl}"` +
      (o.acs === null ? '' : ` AssertionConsumerServiceURL="${o.acs ?? SP.acsUrl}"`) +
      ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${SP.spEntityId}</saml:Issuer></samlp:AuthnRequest>`;
    const relayState = 'opaque-' + 'r'.repeat(120) + '&=+/?';

    it('/sso answers an auto-posting form with a genuine Response to the AuthnRequest', async () => {
      const url = redirectUrl({ to: idp.ssoUrl, param: 'SAMLRequest', xml: authnRequest('_authn-1'), relayState });
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const html = await res.text();
      assert.match(html, /<body onload="document\.forms\[0\]\.submit\(\)">/);
      assert.match(html, /<form method="post" action="[^"]+">/);
      const form = parseAutoPostForm(html);
      assert.equal(form.action, SP.acsUrl);
      assert.equal(form.fields.RelayState, relayState, 'returned unchanged, even past 80 bytes');
      const xml = Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8');
      const doc = parse(xml);
      assert.equal(at('/samlp:Response/@InResponseTo', doc), '_authn-1');
      assert.equal(at('/samlp:Response/@Destination', doc), SP.acsUrl);
      assert.equal(text('//saml:Audience', doc), SP.spEntityId);
      assert.equal(at('//saml:SubjectConfirmationData/@InResponseTo', doc), '_authn-1');
      ok(xml, one('//ds:Signature', doc), 'signed');
      const seen = idp.authnRequests.at(-1)!;
      assert.deepEqual(seen, {
        id: '_authn-1',
        issuer: SP.spEntityId,
        acsUrl: SP.acsUrl,
        destination: idp.ssoUrl,
        relayState,
        signed: false,
        signatureValid: null,
        sigAlg: null,
      });
    });

    it('/sso posts with setSsoOptions (e.g. encrypted) and refuses requests it cannot answer', async () => {
      idp.setSsoOptions({ encryptFor: sp.certificate, sign: 'both' });
      try {
        const html = await (await fetch(redirectUrl({ to: idp.ssoUrl, param: 'SAMLRequest', xml: authnRequest('_authn-2') }))).text();
        const form = parseAutoPostForm(html);
        assert.equal(form.fields.RelayState, undefined, 'no RelayState asked, none sent');
        one('/samlp:Response/saml:EncryptedAssertion', parse(Buffer.from(form.fields.SAMLResponse!, 'base64').toString('utf8')));
      } finally {
        idp.setSsoOptions({});
      }
      const noAcs = await fetch(redirectUrl({ to: idp.ssoUrl, param: 'SAMLRequest', xml: authnRequest('_authn-3', { acs: null }) }));
      assert.equal(noAcs.status, 400);
      const elsewhere = await fetch(redirectUrl({ to: idp.ssoUrl, param: 'SAMLRequest', xml: authnRequest('_authn-4', { destination: 'https://idp.other/sso' }) }));
      assert.equal(elsewhere.status, 400);
      assert.equal((await fetch(`${idp.ssoUrl}?SAMLRequest=not-deflate`)).status, 400);
    });

    it('checks redirect signatures over the raw query; demands them after requireSignedRequests', async () => {
      const signed = redirectUrl({ to: idp.ssoUrl, param: 'SAMLRequest', xml: authnRequest('_authn-5'), relayState, sign: { privateKey: sp.privateKey } });
      const info = idp.readAuthnRequest(signed, sp.certificate);
      assert.equal(info.signed, true);
      assert.equal(info.signatureValid, true);
      assert.equal(info.sigAlg, SIG_ALG.sha256);
      assert.equal(idp.readAuthnRequest(signed).signatureValid, null, 'no cert: not checked');
      assert.equal(idp.readAuthnRequest(signed, idp.signingCert).signatureValid, false, 'another cert');
      const tampered = signed.replace(/RelayState=[^&]+/, 'RelayState=other');
      assert.equal(idp.readAuthnRequest(tampered, sp.certificate).signatureValid, false);
      const unsigned = redirectUrl({ to: idp.ssoUrl, param: 'SAMLRequest', xml: authnRequest('_authn-6') });
      assert.equal(idp.readAuthnRequest(unsigned, sp.certificate).signatureValid, false);

      idp.requireSignedRequests(sp.certificate);
      try {
        assert.match(idp.metadataXml(), /WantAuthnRequestsSigned="true"/);
        assert.equal((await fetch(signed)).status, 200);
        assert.equal((await fetch(unsigned)).status, 400);
        assert.equal((await fetch(tampered)).status, 400);
      } finally {
        idp.requireSignedRequests(null);
      }
    });

    it('sends IdP-initiated LogoutRequests, signed unless asked not to, with an absolute NotOnOrAfter', () => {
      const spSloUrl = 'https://auth.broker.example/saml2/logout';
      const url = idp.logoutRequestUrl({ spSloUrl, nameId: USER, sessionIndex: '_s-9', relayState: 'rs' });
      assert.ok(url.startsWith(`${spSloUrl}?SAMLRequest=`));
      const info = idp.readLogoutRequest(url, idp.signingCert);
      assert.deepEqual({ ...info, id: '' }, { id: '', nameId: USER, sessionIndex: '_s-9', relayState: 'rs', signatureValid: true });
      const expired = idp.logoutRequestUrl({ spSloUrl, nameId: USER, notOnOrAfterMs: Date.now() - MINUTE, unsigned: true });
      assert.equal(idp.readLogoutRequest(expired, idp.signingCert).signatureValid, false);
      assert.equal(idp.readLogoutRequest(expired).sessionIndex, null);
    });

    it('/slo answers an SP LogoutRequest with a signed LogoutResponse to the SP SLO URL', async () => {
      const spSloUrl = 'https://auth.broker.example/saml2/logout';
      const request =
        `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lo-1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${idp.sloUrl}">` +
        `<saml:Issuer>${SP.spEntityId}</saml:Issuer><saml:NameID>${USER}</saml:NameID><samlp:SessionIndex>_s-1</samlp:SessionIndex></samlp:LogoutRequest>`;
      const url = redirectUrl({ to: idp.sloUrl, param: 'SAMLRequest', xml: request, relayState: 'back', sign: { privateKey: sp.privateKey } });

      assert.equal((await fetch(url, { redirect: 'manual' })).status, 400, 'no SP SLO URL known yet');
      idp.setSpSloUrl(spSloUrl);
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const location = res.headers.get('location')!;
      assert.ok(location.startsWith(`${spSloUrl}?SAMLResponse=`));
      const answer = idp.readLogoutResponse(location, idp.signingCert);
      assert.equal(answer.inResponseTo, '_lo-1');
      assert.equal(answer.status, 'urn:oasis:names:tc:SAML:2.0:status:Success');
      assert.equal(answer.relayState, 'back');
      assert.equal(answer.signatureValid, true);
      assert.deepEqual(idp.logoutRequests.at(-1), { id: '_lo-1', nameId: USER, sessionIndex: '_s-1', relayState: 'back', signatureValid: null });

      // The SP answering an IdP-initiated logout: recorded.
      const back = idp.logoutResponseUrl({ spSloUrl: idp.sloUrl, inResponseTo: '_idp-lo', relayState: 'x' });
      assert.equal((await fetch(back)).status, 200);
      assert.equal(idp.logoutResponses.at(-1)!.inResponseTo, '_idp-lo');
    });
  });

  it('fakes open together hold different keys; a closed fake hands its keys to the next', async () => {
    const a = await startSamlIdp();
    const b = await startSamlIdp();
    try {
      const certs = new Set([idp.signingCert, a.signingCert, b.signingCert, a.keys.next.certificate, b.keys.next.certificate]);
      assert.equal(certs.size, 5);
      assert.notEqual(a.entityId, b.entityId);
      await b.close();
      const c = await startSamlIdp();
      try {
        assert.ok([b.keys.first.certificate, b.keys.next.certificate].includes(c.signingCert));
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
