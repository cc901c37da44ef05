// Our SP side: key pairs made once (even by concurrent first needs in several processes), sealed at
// rest, with 10-year self-signed certificates; rotation keeps the previous encryption certificate;
// the SP metadata is well-formed and lists every current certificate and endpoint.
import assert from 'node:assert/strict';
import { X509Certificate, constants, createPrivateKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { Sealer } from '../../src/directory/secrets.js';
import { PREVIOUS_ENCRYPTION_KEY_MS, SP_CERT_VALIDITY_MS, SpKeys } from '../../src/tokens/sp-keys.js';
import { spMetadataXml } from '../../providers/saml/sp-metadata.js';
import type { SpConfig } from '../../providers/saml/types.js';
import { ISSUER, POOL, b64, openFixture, type Fixture } from './support.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

describe('SpKeys', () => {
  let f: Fixture;
  let keys: SpKeys;
  before(async () => {
    f = await openFixture();
    keys = new SpKeys(f.store, f.sealer);
  });
  after(() => f.cleanup());

  it('gives the entity id (the issuer unless SpEntityId is set) and the endpoints under the issuer', async () => {
    const sp = await keys.config(f.pool, ISSUER);
    assert.equal(sp.entityId, ISSUER);
    assert.equal(sp.acsUrl, `${ISSUER}/saml2/idpresponse`);
    assert.equal(sp.sloUrl, `${ISSUER}/saml2/logout`);
    const cognito = await f.addPool('test_Cognito1', { SpEntityId: 'urn:amazon:cognito:sp:test_Cognito1' });
    const other = await keys.config(cognito, 'https://broker.example.test/test_Cognito1');
    assert.equal(other.entityId, 'urn:amazon:cognito:sp:test_Cognito1');
    assert.equal(other.acsUrl, 'https://broker.example.test/test_Cognito1/saml2/idpresponse');
    assert.equal(new X509Certificate(other.signing.certificate).subject, 'CN=urn:amazon:cognito:sp:test_Cognito1');
  });

  it('makes an RSA 2048 signing pair and encryption pair with 10-year self-signed certificates, private keys sealed', async () => {
    const sp = await keys.config(f.pool, ISSUER);
    assert.equal(sp.encryption.length, 1);
    // Each certificate's validity is counted from its key's creation time, as stored (X.509 keeps seconds).
    const madeAt = new Map((await f.store.keys.listPublishedKeys(POOL, Date.now())).map((k) => [k.certificate, k.createdAt]));
    const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;
    for (const [pair, usage] of [[sp.signing, 'sign'], [sp.encryption[0]!, 'encrypt']] as const) {
      const cert = new X509Certificate(pair.certificate);
      assert.equal(cert.subject, `CN=${ISSUER}`);
      assert.ok(cert.checkIssued(cert) && cert.verify(cert.publicKey), 'self-signed');
      assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
      const created = madeAt.get(pair.certificate);
      assert.ok(created !== undefined, 'the stored key of this certificate');
      assert.ok(Date.parse(cert.validFrom) <= created, 'valid from its making (or before)');
      assert.equal(Date.parse(cert.validTo), seconds(created + SP_CERT_VALIDITY_MS), 'valid 10 years');
      assert.ok(cert.checkPrivateKey(createPrivateKey(pair.privateKey)), 'the private key matches');
      if (usage === 'encrypt') {
        const secret = Buffer.from('content key');
        const wrapped = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, secret);
        assert.deepEqual(privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, wrapped), secret);
      }
    }
    assert.notEqual(sp.signing.certificate, sp.encryption[0]!.certificate, 'two different pairs');
    const stored = await f.store.keys.listPublishedKeys(POOL, Date.now());
    assert.deepEqual(stored.map((k) => k.purpose).sort(), ['saml-encryption', 'saml-signing']);
    for (const k of stored) {
      assert.ok(k.privateKey.startsWith('sealed:v1:'), 'sealed at rest');
      assert.match(f.sealer.unseal(k.privateKey), /^-----BEGIN PRIVATE KEY-----/);
      assert.ok(k.certificate);
    }
    assert.deepEqual(await keys.config(f.pool, ISSUER), sp, 'the same keys next time');
    assert.deepEqual(await new SpKeys(f.peer(), f.sealer).config(f.pool, ISSUER), sp, 'and in another process');
  });

  it('ends concurrent first needs (three processes) with one key of each purpose', async () => {
    const pool = await f.addPool('test_Race1');
    const all = [keys, new SpKeys(f.peer(), f.sealer), new SpKeys(f.peer(), f.sealer)];
    const configs = await Promise.all(all.flatMap((k) => [k.config(pool, ISSUER), k.config(pool, ISSUER)]));
    assert.equal(new Set(configs.map((c) => c.signing.certificate)).size, 1);
    assert.equal(new Set(configs.map((c) => c.encryption[0]!.certificate)).size, 1);
    assert.equal((await f.store.keys.listPublishedKeys(pool.id, Date.now())).length, 2);
  });

  it('keeps keys in clear without BROKER_KEY_SECRET', async () => {
    const pool = await f.addPool('test_Clear1');
    await new SpKeys(f.store, new Sealer(undefined)).config(pool, ISSUER);
    for (const k of await f.store.keys.listPublishedKeys(pool.id, Date.now())) assert.match(k.privateKey, /^-----BEGIN PRIVATE KEY-----/);
  });

  it('rotates both pairs; the previous encryption pair still decrypts while it is published', async () => {
    const pool = await f.addPool('test_Rotate1');
    const old = await keys.config(pool, ISSUER);
    const now = Date.now();
    await keys.rotate(pool.id, now);
    const peer = new SpKeys(f.peer(), f.sealer);
    for (const sp of [await keys.config(pool, ISSUER), await peer.config(pool, ISSUER)]) {
      assert.notEqual(sp.signing.certificate, old.signing.certificate, 'a new signing pair');
      assert.equal(sp.encryption.length, 2);
      assert.notEqual(sp.encryption[0]!.certificate, old.encryption[0]!.certificate, 'a new encryption pair first');
      assert.deepEqual(sp.encryption[1], old.encryption[0], 'then the previous one');
      assert.equal(new X509Certificate(sp.signing.certificate).subject, `CN=${ISSUER}`, 'the same subject');
    }
    const published = (t: number) => f.store.keys.listPublishedKeys(pool.id, t).then((ks) => ks.map((k) => k.purpose).sort());
    assert.deepEqual(await published(now + PREVIOUS_ENCRYPTION_KEY_MS - 1), ['saml-encryption', 'saml-encryption', 'saml-signing']);
    assert.deepEqual(await published(now + PREVIOUS_ENCRYPTION_KEY_MS), ['saml-encryption', 'saml-signing'], 'then it is dropped');
    await keys.rotate(pool.id, Date.now(), 0);
    assert.equal((await keys.config(pool, ISSUER)).encryption.length, 2, 'a rotation with no grace drops only the one it retires');
    await assert.rejects(keys.rotate('test_Missing1', Date.now()), /no pool/);
  });
});

describe('spMetadataXml', () => {
  let f: Fixture;
  let sp: SpConfig;
  before(async () => {
    f = await openFixture();
    const keys = new SpKeys(f.store, f.sealer);
    await keys.config(f.pool, ISSUER);
    await keys.rotate(POOL, Date.now());
    sp = await keys.config(f.pool, ISSUER);
  });
  after(() => f.cleanup());

  it('is well-formed and lists the entity id, the signing and every encryption certificate, SLO and ACS', () => {
    const xml = spMetadataXml(sp);
    const errors: string[] = [];
    const doc = new DOMParser({ errorHandler: (_level: string, msg: string) => void errors.push(msg) }).parseFromString(xml, 'text/xml');
    assert.deepEqual(errors, []);
    const root = doc.documentElement!;
    assert.equal(root.namespaceURI, MD);
    assert.equal(root.localName, 'EntityDescriptor');
    assert.equal(root.getAttribute('entityID'), ISSUER);
    const [desc] = Array.from(doc.getElementsByTagNameNS(MD, 'SPSSODescriptor') as unknown as Element[]);
    assert.ok(desc);
    assert.equal(desc.getAttribute('AuthnRequestsSigned'), 'true');
    assert.equal(desc.getAttribute('WantAssertionsSigned'), 'true');
    assert.equal(desc.getAttribute('protocolSupportEnumeration'), 'urn:oasis:names:tc:SAML:2.0:protocol');
    const keys = Array.from(doc.getElementsByTagNameNS(MD, 'KeyDescriptor') as unknown as Element[]).map((k) => ({
      use: k.getAttribute('use'),
      cert: (k.getElementsByTagNameNS(DS, 'X509Certificate')[0]?.textContent ?? '').trim(),
    }));
    assert.deepEqual(keys, [
      { use: 'signing', cert: b64(sp.signing.certificate) },
      { use: 'encryption', cert: b64(sp.encryption[0]!.certificate) },
      { use: 'encryption', cert: b64(sp.encryption[1]!.certificate) },
    ]);
    const endpoint = (name: string) =>
      Array.from(doc.getElementsByTagNameNS(MD, name) as unknown as Element[]).map((e) => Object.fromEntries(Array.from(e.attributes as unknown as Attr[]).map((a) => [a.name, a.value])));
    assert.deepEqual(endpoint('SingleLogoutService'), [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', Location: `${ISSUER}/saml2/logout` }]);
    assert.deepEqual(endpoint('AssertionConsumerService'), [
      { Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: `${ISSUER}/saml2/idpresponse`, index: '0', isDefault: 'true' },
    ]);
    assert.deepEqual(
      Array.from(doc.getElementsByTagNameNS(MD, 'NameIDFormat') as unknown as Element[]).map((e) => e.textContent),
      ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified', 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'],
    );
    // Schema order inside SPSSODescriptor: KeyDescriptor, SingleLogoutService, NameIDFormat, AssertionConsumerService.
    const order = Array.from(desc.childNodes as unknown as Node[]).filter((n) => n.nodeType === 1).map((n) => (n as Element).localName);
    assert.deepEqual([...new Set(order)], ['KeyDescriptor', 'SingleLogoutService', 'NameIDFormat', 'AssertionConsumerService']);
  });

  it('escapes what it is given', () => {
    const odd = { ...sp, entityId: 'urn:x:"<&>\'', acsUrl: 'https://h.example/a?b=1&c="2"', sloUrl: 'https://h.example/<slo>' };
    const doc = new DOMParser().parseFromString(spMetadataXml(odd), 'text/xml');
    assert.equal(doc.documentElement!.getAttribute('entityID'), odd.entityId);
    assert.equal(doc.getElementsByTagNameNS(MD, 'AssertionConsumerService')[0]!.getAttribute('Location'), odd.acsUrl);
    assert.equal(doc.getElementsByTagNameNS(MD, 'SingleLogoutService')[0]!.getAttribute('Location'), odd.sloUrl);
  });
});

