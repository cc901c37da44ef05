// validateSamlResponse (providers/saml/response.ts) against the SAML IdP stand-in: genuine Responses in
// every signing and encryption mode are accepted; every forgery of docs/security.md, "SAML responses",
// is refused with SamlError('invalid') — never another error type.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validateSamlResponse, type ValidateOptions } from '../../providers/saml/response.js';
import { SamlError, type IdpMetadata, type SamlAssertion, type SpKeyPair } from '../../providers/saml/types.js';
import {
  COMMENT_NAME_ID, COMMENT_NAME_ID_XML, EVIL_NAME_ID, SAML_ATTACKS, generateKeyPair, startSamlIdp,
  type ResponseOptions, type SamlAttack, type SamlIdp,
} from '../fakes/saml-idp.js';
import { signElement } from '../fakes/saml/sign.js';
import { promisify } from 'node:util';
import xmlenc from 'xml-encryption';
import { decryptAssertion, readEncryptedAssertion } from '../../providers/saml/response-decrypt.js';
import { encryptedDataXml, type EncryptionOptions } from '../fakes/saml/encrypt.js';
import { NS as FAKE_NS, descendants, parseXml, serialize } from '../fakes/saml/xml.js';

const SP_ENTITY = 'urn:amazon:cognito:sp:us-east-1_Resp1';
const ACS = 'https://broker.example.test/us-east-1_Resp1/saml2/idpresponse';
const REQUEST_ID = '_req_4f1c2d3e5a6b7c8d9e0f';
const MINUTE = 60_000;
const USER = 'jane.doe@corp.example';
const ATTRIBUTES = { email: USER, given_name: 'Jane', groups: ['staff', 'engineering'], note: 'a <b> & "c"' };

let idp: SamlIdp;
let other: SamlIdp; // a second IdP: its genuine assertions must not pass on the first one's connection
let current: SpKeyPair;
let previous: SpKeyPair;
let stranger: SpKeyPair; // an encryption key this SP never had

const spKey = (k: { privateKey: string; certificate: string }): SpKeyPair => ({ privateKey: k.privateKey, certificate: k.certificate });

function idpMetadata(certs: string[], entityId = idp.entityId): IdpMetadata {
  return { entityId, ssoRedirectUrl: `${idp.url}/sso`, sloRedirectUrl: null, signingCerts: certs, wantAuthnRequestsSigned: false };
}

function options(o: Partial<ValidateOptions> = {}): ValidateOptions {
  return {
    sp: { entityId: SP_ENTITY, acsUrl: ACS, sloUrl: 'https://broker.example.test/us-east-1_Resp1/saml2/logout', signing: current, encryption: [current, previous] },
    idp: idpMetadata([idp.signingCert]),
    expectedRequestId: REQUEST_ID,
    now: Date.now(),
    ...o,
  };
}

function respond(o: Partial<ResponseOptions> = {}, from: SamlIdp = idp): string {
  return from.response({ spEntityId: SP_ENTITY, acsUrl: ACS, inResponseTo: REQUEST_ID, attributes: ATTRIBUTES, nameId: USER, ...o });
}

/** Resolves to the SamlError's reason; fails the test for acceptance or any other error type. */
async function refused(samlResponse: string, o: Partial<ValidateOptions> = {}): Promise<string> {
  try {
    const got = await validateSamlResponse(samlResponse, options(o));
    assert.fail(`accepted: ${JSON.stringify(got)}`);
  } catch (e) {
    if (!(e instanceof SamlError)) throw e;
    assert.equal(e.kind, 'invalid', `a hostile message is 'invalid', got ${e.kind}: ${e.message}`);
    assert.ok(!e.message.includes(EVIL_NAME_ID) && !e.message.includes('evil.example'), `reason carries user data: ${e.message}`);
    return e.message;
  }
}

function assertGenuine(a: SamlAssertion, o: { inResponseTo?: string | null } = {}): void {
  assert.equal(a.nameId, USER);
  assert.equal(a.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
  assert.equal(a.issuer, idp.entityId);
  assert.equal(a.inResponseTo, o.inResponseTo === undefined ? REQUEST_ID : o.inResponseTo);
  assert.match(a.assertionId, /^_/);
  assert.match(a.sessionIndex ?? '', /^_session/);
  assert.ok(a.notOnOrAfter > Date.now() && a.notOnOrAfter <= Date.now() + 5 * MINUTE, 'notOnOrAfter from the assertion');
  assert.deepEqual(a.attributes, { email: [USER], given_name: ['Jane'], groups: ['staff', 'engineering'], note: ['a <b> & "c"'] });
}

before(async () => {
  [idp, other] = await Promise.all([startSamlIdp(), startSamlIdp()]);
  const [c, p, s] = await Promise.all([generateKeyPair({ cn: 'SP enc current' }), generateKeyPair({ cn: 'SP enc previous' }), generateKeyPair({ cn: 'Not our SP' })]);
  current = spKey(c);
  previous = spKey(p);
  stranger = spKey(s);
});

after(async () => {
  await Promise.all([idp?.close(), other?.close()]);
});

describe('genuine responses', () => {
  for (const sign of ['assertion', 'response', 'both'] as const) {
    it(`are accepted when the IdP signs the ${sign === 'both' ? 'Response and the Assertion' : sign}`, async () => {
      assertGenuine(await validateSamlResponse(respond({ sign }), options()));
    });
  }

  for (const dataAlg of ['aes256-gcm', 'aes128-cbc'] as const) {
    for (const key of ['current', 'previous'] as const) {
      for (const sign of ['assertion', 'response', 'both'] as const) {
        it(`are accepted encrypted (${dataAlg}, RSA-OAEP) for the ${key} SP key, ${sign} signed`, async () => {
          const cert = key === 'current' ? current.certificate : previous.certificate;
          const r = respond({ sign, encryptFor: cert, encryption: { keyAlg: 'rsa-oaep', dataAlg } });
          assert.match(Buffer.from(r, 'base64').toString(), /EncryptedAssertion/);
          assertGenuine(await validateSamlResponse(r, options({ requireEncryptedAssertion: true })));
        });
      }
    }
  }

  it('are refused in plaintext when the connection requires encryption', async () => {
    assert.equal(await refused(respond(), { requireEncryptedAssertion: true }), 'assertion must be encrypted');
  });

  it('encrypted for a key the SP does not hold get the one decryption error', async () => {
    const r = respond({ encryptFor: stranger.certificate });
    assert.equal(await refused(r), 'decryption failed');
    // …as does every other way decryption can fail: no key at all, a corrupted ciphertext.
    assert.equal(await refused(r, { sp: { ...options().sp, encryption: [] } }), 'decryption failed');
    const xml = Buffer.from(respond({ encryptFor: current.certificate, encryption: { dataAlg: 'aes128-cbc' } }), 'base64').toString();
    const corrupt = xml.replace(/(<xenc:CipherData><xenc:CipherValue>)([^<]{40})([^<]*<\/xenc:CipherValue><\/xenc:CipherData><\/xenc:EncryptedData>)/, (_m, a: string, b: string, c: string) => a + b.split('').reverse().join('') + c);
    assert.notEqual(corrupt, xml);
    assert.equal(await refused(Buffer.from(corrupt).toString('base64')), 'decryption failed');
  });

  it('keep the whole NameID and attribute text when a comment splits it (Duo VU#475445)', async () => {
    for (const sign of ['assertion', 'response', 'both'] as const) {
      const a = await validateSamlResponse(respond({ sign, attack: 'comment-in-nameid' }), options());
      assert.equal(a.nameId, COMMENT_NAME_ID, `${sign}: ${COMMENT_NAME_ID_XML} is all of its text`);
      assert.deepEqual(a.attributes.email, [COMMENT_NAME_ID]);
    }
  });

  it('signed with the IdP\'s next key are accepted while the metadata lists both (rollover)', async () => {
    const rolling = await startSamlIdp();
    try {
      const firstCert = rolling.signingCert;
      rolling.useNextKey();
      assert.notEqual(rolling.signingCert, firstCert);
      const both = { idp: { ...idpMetadata([firstCert, rolling.signingCert], rolling.entityId) } };
      for (const sign of ['assertion', 'response'] as const) {
        const a = await validateSamlResponse(respond({ sign }, rolling), options(both));
        assert.equal(a.issuer, rolling.entityId);
        // The order of the certificates does not matter…
        await validateSamlResponse(respond({ sign }, rolling), options({ idp: idpMetadata([rolling.signingCert, firstCert], rolling.entityId) }));
        // …but a certificate the metadata does not list never verifies.
        assert.equal(await refused(respond({ sign }, rolling), { idp: idpMetadata([firstCert], rolling.entityId) }), 'signature not valid');
      }
      assert.match(rolling.metadataXml({ rollover: true }), new RegExp(`(X509Certificate>[^<]+<[^]*){2}`));
    } finally {
      await rolling.close();
    }
  });

  it('signed with SHA-1 are accepted only when the connection allows SHA-1', async () => {
    for (const sign of ['assertion', 'response'] as const) {
      const r = respond({ sign, digest: 'sha1' });
      assert.match(await refused(r), /SHA-1/);
      assertGenuine(await validateSamlResponse(r, options({ allowSha1: true })));
    }
  });
});

describe('solicited and unsolicited', () => {
  it('an SP-initiated response must answer this flow\'s AuthnRequest', async () => {
    assert.match(await refused(respond(), { expectedRequestId: '_some_other_request' }), /InResponseTo/);
    assert.match(await refused(respond({ inResponseTo: '_some_other_request' })), /InResponseTo/);
    assert.match(await refused(respond({ inResponseTo: undefined })), /InResponseTo/);
  });

  it('an unsolicited response is accepted without InResponseTo when fresh', async () => {
    for (const sign of ['assertion', 'response'] as const) {
      const a = await validateSamlResponse(respond({ sign, inResponseTo: undefined }), options({ expectedRequestId: null }));
      assertGenuine(a, { inResponseTo: null });
    }
    const fiveMinutesOld = respond({ inResponseTo: undefined, issueInstantShiftMs: -5 * MINUTE });
    assertGenuine(await validateSamlResponse(fiveMinutesOld, options({ expectedRequestId: null })), { inResponseTo: null });
  });

  it('an unsolicited response is refused when it carries InResponseTo', async () => {
    assert.match(await refused(respond(), { expectedRequestId: null }), /InResponseTo/);
  });

  it('an unsolicited response is refused when issued more than 6 minutes ago (or maxIssueAgeMs)', async () => {
    const sevenMinutesOld = respond({ inResponseTo: undefined, issueInstantShiftMs: -7 * MINUTE });
    assert.match(await refused(sevenMinutesOld, { expectedRequestId: null }), /issued too long ago/);
    const twoMinutesOld = respond({ inResponseTo: undefined, issueInstantShiftMs: -2 * MINUTE });
    assert.match(await refused(twoMinutesOld, { expectedRequestId: null, maxIssueAgeMs: MINUTE }), /issued too long ago/);
    // A solicited response has no such limit by default (its validity windows still apply).
    assertGenuine(await validateSamlResponse(respond({ issueInstantShiftMs: -7 * MINUTE }), options()));
  });

  it('a response issued in the future beyond the clock skew is refused', async () => {
    assert.match(await refused(respond({ issueInstantShiftMs: 3 * MINUTE })), /issued in the future/);
    assertGenuine(await validateSamlResponse(respond({ issueInstantShiftMs: 30_000 }), options()));
  });
});

type Mode = { sign: 'assertion' | 'response' | 'both' | 'none'; encrypted: boolean };

/** Every way the stand-in can forge `attack` (it throws for combinations that make no sense). */
function variants(attack: SamlAttack): { mode: Mode; samlResponse: string }[] {
  const out: { mode: Mode; samlResponse: string }[] = [];
  const modes: Mode[] = attack === 'encrypted-unsigned'
    ? [{ sign: 'none', encrypted: true }]
    : (['assertion', 'response', 'both'] as const).flatMap((sign) => [{ sign, encrypted: false }, { sign, encrypted: true }]);
  for (const mode of modes) {
    try {
      out.push({ mode, samlResponse: respond({ sign: mode.sign, attack, ...(mode.encrypted ? { encryptFor: current.certificate } : {}) }) });
    } catch {
      // Not a forgery this mode can carry (e.g. XSW1 without a Response signature).
    }
  }
  return out;
}

const ENTITY_ATTACKS = new Set<SamlAttack>(['billion-laughs', 'dtd-external-entity']);

describe('forgeries (docs/security.md, SAML responses) are refused with SamlError(invalid)', () => {
  const reasons = new Map<string, Set<string>>();
  after(() => {
    // One line per attack and the checks that refused it, for whoever reads the test output.
    for (const [attack, rs] of reasons) console.log(`# ${attack}: ${[...rs].join(' | ')}`);
  });

  for (const attack of SAML_ATTACKS) {
    if (attack === 'comment-in-nameid') continue; // accepted with the whole NameID: see 'genuine responses'
    it(attack, async () => {
      const cases = variants(attack);
      assert.ok(cases.length > 0, `the stand-in forges ${attack} in no mode`);
      for (const { mode, samlResponse } of cases) {
        const reason = await refused(samlResponse);
        // Refused on sight of the DOCTYPE: no entity is ever expanded (billion laughs) or fetched (XXE).
        if (ENTITY_ATTACKS.has(attack)) assert.equal(reason, 'DOCTYPE or entity declaration', `${attack} [${mode.sign}${mode.encrypted ? '+enc' : ''}]`);
        const set = reasons.get(attack) ?? new Set<string>();
        set.add(`${reason} [${mode.sign}${mode.encrypted ? '+enc' : ''}]`);
        reasons.set(attack, set);
      }
    });
  }

  it('an assertion of another IdP (genuinely signed by it) on this IdP\'s connection', async () => {
    assert.equal(await refused(respond({}, other)), 'signature not valid');
    // …even when this connection's metadata is wrongly given the other IdP's certificate too.
    assert.match(await refused(respond({}, other), { idp: idpMetadata([idp.signingCert, other.signingCert]) }), /Issuer mismatch/);
  });

  it('nothing signed at all', async () => {
    assert.equal(await refused(respond({ sign: 'none' })), 'assertion not signed');
  });

  it('key transport RSA 1.5 and data cipher 3DES', async () => {
    assert.match(await refused(respond({ encryptFor: current.certificate, encryption: { keyAlg: 'rsa-1_5' } })), /RSA 1\.5/);
    assert.match(await refused(respond({ encryptFor: current.certificate, encryption: { dataAlg: 'tripledes-cbc' } })), /3DES/);
  });

  it('no parser fetched anything (XXE, XSLT)', () => {
    const home = idp.requests.filter((r) => /^\/(xxe|xxe\.dtd|xslt)$/.test(r.path));
    assert.deepEqual(home, []);
  });
});

describe('encrypted assertions: our checks before xml-encryption, and its own', () => {
  const xmlOf = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const b64Of = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');
  /** Assertion-signed and encrypted: the Response itself is unsigned, so its EncryptedData may be changed. */
  const encrypted = (o: EncryptionOptions = {}) => xmlOf(respond({ sign: 'assertion', encryptFor: current.certificate, encryption: o }));
  const encryptedAssertion = (xml: string) => descendants(parseXml(xml), FAKE_NS.saml, 'EncryptedAssertion')[0]!;
  const failsDecryption = (e: unknown) => e instanceof SamlError && e.message === 'decryption failed';

  it('an OAEP digest xml-encryption would silently read as SHA-1 (xmlenc#sha256, sha384) is refused', async () => {
    const xml = encrypted();
    for (const uri of ['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmldsig-more#sha384']) {
      const swapped = xml.replace(/(rsa-oaep-mgf1p"><ds:DigestMethod Algorithm=")[^"]+/, `$1${uri}`);
      assert.notEqual(swapped, xml);
      assert.equal(await refused(b64Of(swapped)), 'key transport digest not allowed');
    }
  });

  it('a plaintext holding U+FFFD (what xml-encryption makes of bytes that are not UTF-8) is refused', async () => {
    const xml = encrypted();
    const swap = (text: string) => b64Of(xml.replace(/<xenc:EncryptedData[\s\S]*<\/xenc:EncryptedData>/, encryptedDataXml(`<saml:Assertion xmlns:saml="${FAKE_NS.saml}" ID="_plain">${text}</saml:Assertion>`, current.certificate)));
    // The same plaintext without it decrypts, and fails only later, for want of a signature.
    assert.equal(await refused(swap('ok')), 'encrypted assertion not signed');
    assert.equal(await refused(swap('\uFFFD')), 'decryption failed');
  });

  it('xml-encryption refuses RSA 1.5 and 3DES itself, were our checks ever to let them through', async () => {
    const parts = readEncryptedAssertion(encryptedAssertion(encrypted({ dataAlg: 'aes128-cbc' })));
    assert.equal((await decryptAssertion(parts, [current])).keyIndex, 0);
    const tripleDes = serialize(encryptedAssertion(encrypted({ dataAlg: 'tripledes-cbc' })));
    // Without disallowDecryptionWithInsecureAlgorithm, xml-encryption would decrypt it.
    const opened = await promisify(xmlenc.decrypt)(tripleDes, { key: current.privateKey, warnInsecureAlgorithm: false });
    assert.match(opened, /^<saml:Assertion /);
    await assert.rejects(decryptAssertion({ ...parts, xml: tripleDes }, [current]), failsDecryption);
    // (RSA 1.5: node:crypto also refuses PKCS#1 v1.5 decryption since CVE-2023-46809.)
    const rsa15 = serialize(encryptedAssertion(encrypted({ keyAlg: 'rsa-1_5' })));
    await assert.rejects(decryptAssertion({ ...parts, xml: rsa15 }, [current]), failsDecryption);
  });
});

describe('hostile bytes', () => {
  const xmlOf = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  const b64Of = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

  it('too large, empty, not base64, not UTF-8, not XML', async () => {
    assert.equal(await refused('A'.repeat(256 * 1024 + 4)), 'SAMLResponse too large');
    assert.equal(await refused(''), 'empty SAMLResponse');
    assert.equal(await refused('not base64!'), 'SAMLResponse is not base64');
    assert.equal(await refused(Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]).toString('base64')), 'SAMLResponse is not UTF-8');
    assert.equal(await refused(Buffer.from('\ufeff<a/>').toString('base64')), 'byte order mark');
    assert.match(await refused(b64Of('hello')), /content outside the root|malformed/);
    assert.match(await refused(b64Of('<a><b></a>')), /malformed/);
    assert.equal(await refused(b64Of('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>')), 'status not success');
    assert.equal(await refused(b64Of('<x/>')), 'not a SAML Response');
  });

  it('a UTF-16 declaration, a processing instruction, an undeclared entity, deep nesting', async () => {
    const xml = xmlOf(respond());
    assert.equal(await refused(b64Of(xml.replace('encoding="UTF-8"', 'encoding="UTF-16"'))), 'only UTF-8 is accepted');
    assert.equal(await refused(b64Of(xml.replace(`>${USER}</saml:NameID>`, `>${USER}<?evil x?></saml:NameID>`))), 'processing instruction');
    assert.equal(await refused(b64Of(xml.replace(`>${USER}</saml:NameID>`, `>${USER}&ent;</saml:NameID>`))), 'entity reference');
    assert.equal(await refused(b64Of(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)), 'XML nested too deeply');
    assert.equal(await refused(b64Of(xml.replace(`>${USER}</saml:NameID>`, `>${USER}&#0;</saml:NameID>`))), 'character not allowed in XML');
    assert.equal(await refused(b64Of(xml.replace(`>${USER}</saml:NameID>`, `>${USER}\u0001</saml:NameID>`))), 'character not allowed in XML');
  });

  it('a NameID prefixed before the root, or a second root element appended', async () => {
    const xml = xmlOf(respond());
    const body = xml.replace(/^<\?xml[^>]*\?>/, '');
    assert.equal(await refused(b64Of(`<saml:NameID>${EVIL_NAME_ID}</saml:NameID>${body}`)), 'more than one root element');
    assert.equal(await refused(b64Of(`${xml}<samlp:Response/>`)), 'more than one root element');
    assert.equal(await refused(b64Of(`${EVIL_NAME_ID}${body}`)), 'content outside the root element');
  });

  it('a signature stripped of its SignedInfo, a reference with quotes, an HMAC method', async () => {
    const xml = xmlOf(respond());
    assert.equal(await refused(b64Of(xml.replace(/<ds:SignedInfo>[^]*<\/ds:SignedInfo>/, ''))), 'signature structure');
    assert.match(await refused(b64Of(xml.replace(/URI="#([^"]+)"/, `URI="#$1' or '1'='1"`))), /signature reference URI/);
    assert.match(
      await refused(b64Of(xml.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'http://www.w3.org/2000/09/xmldsig#hmac-sha1'))),
      /signature algorithm not allowed/,
    );
    assert.match(
      await refused(b64Of(xml.replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', ' http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'))),
      /signature algorithm not allowed/,
    );
  });

  it('signature shapes outside the allowlist: two SignedInfo, two References, ds:Object, misplaced, other c14n/transforms, empty URI', async () => {
    const xml = xmlOf(respond());
    const signedInfo = /<ds:SignedInfo>[^]*<\/ds:SignedInfo>/.exec(xml)![0];
    const reference = /<ds:Reference [^]*<\/ds:Reference>/.exec(xml)![0];
    assert.equal(await refused(b64Of(xml.replace(signedInfo, signedInfo + signedInfo))), 'signature structure');
    assert.equal(await refused(b64Of(xml.replace(reference, reference + reference))), 'signature structure');
    assert.equal(await refused(b64Of(xml.replace('</ds:Signature>', '<ds:Object/></ds:Signature>'))), 'signature structure');
    assert.equal(await refused(b64Of(xml.replace('</ds:SignatureValue>', '</ds:SignatureValue><ds:SignedInfo/>'))), 'signature structure');
    const signature = /<ds:Signature [^]*<\/ds:Signature>/.exec(xml)![0];
    const inExtensions = xml.replace(signature, '').replace('<samlp:Status>', `<samlp:Extensions>${signature}</samlp:Extensions><samlp:Status>`);
    assert.equal(await refused(b64Of(inExtensions)), 'signature in an unexpected place');
    const c14n = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
    assert.equal(await refused(b64Of(xml.replace(/(CanonicalizationMethod Algorithm=")[^"]+/, `$1${c14n}`))), 'canonicalization not allowed');
    assert.equal(await refused(b64Of(xml.replace(/(<ds:Transform Algorithm=")[^"]+/, `$1${c14n}`))), 'transform not allowed');
    assert.equal(await refused(b64Of(xml.replace(/(<ds:Transform Algorithm=")[^"]+/, '$1http://www.w3.org/2002/06/xmldsig-filter2'))), 'transform not allowed');
    assert.equal(await refused(b64Of(xml.replace(/URI="#[^"]+"/, 'URI=""'))), 'signature reference URI');
    assert.equal(await refused(b64Of(xml.replace(/(DigestMethod Algorithm=")[^"]+/, '$1http://www.w3.org/2001/04/xmldsig-more#sha384'))), 'digest algorithm not allowed');
    // The KeyInfo certificate is never trusted: the attacker's own there changes nothing.
    const withAttackerCert = xml.replace(/<ds:X509Certificate>[^<]+/, `<ds:X509Certificate>${idp.keys.attacker.certificate.replace(/-----[A-Z ]+-----|\s/g, '')}`);
    assertGenuine(await validateSamlResponse(b64Of(withAttackerCert), options()));
  });

  it('Destination or Response Issuer removed from an unsigned envelope', async () => {
    const xml = xmlOf(respond({ sign: 'assertion' }));
    // The Response envelope is unsigned in 'assertion' mode: editing it is possible, and checked.
    assert.equal(await refused(b64Of(xml.replace(/ Destination="[^"]*"/, ''))), 'Destination missing');
    assert.equal(await refused(b64Of(xml.replace(/<saml:Issuer [^>]*>[^<]*<\/saml:Issuer>/, ''))), 'Response Issuer missing or repeated');
  });

  it('random corruption of a genuine response never yields anything but SamlError(invalid) or the genuine result', async () => {
    const genuine = respond({ sign: 'assertion' });
    const base = await validateSamlResponse(genuine, options());
    const bytes = Buffer.from(genuine, 'base64');
    let seed = 0x2545f491;
    const rand = (n: number) => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let refusedCount = 0;
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(bytes);
      for (let k = 0, flips = 1 + rand(3); k < flips; k++) copy[rand(copy.length)] = rand(128);
      try {
        const got = await validateSamlResponse(copy.toString('base64'), options());
        assert.deepEqual({ ...got, attributes: { ...got.attributes } }, { ...base, attributes: { ...base.attributes } });
      } catch (e) {
        if (!(e instanceof SamlError) || e.kind !== 'invalid') throw e;
        refusedCount += 1;
      }
    }
    assert.ok(refusedCount > 200, `only ${refusedCount} corruptions refused`);
  });
});

describe('settings', () => {
  it('a clock skew that would switch time checks off is a config error, not a pass', async () => {
    for (const clockSkewMs of [-1, Number.NaN, 10 * MINUTE]) {
      await assert.rejects(validateSamlResponse(respond(), options({ clockSkewMs })), (e: unknown) => e instanceof SamlError && e.kind === 'config');
    }
  });

  it('an IdP without a usable signing certificate is a config error', async () => {
    await assert.rejects(validateSamlResponse(respond(), options({ idp: idpMetadata([]) })), (e: unknown) => e instanceof SamlError && e.kind === 'config');
    const expired = idp.keys.current.expiredCertificate;
    await assert.rejects(validateSamlResponse(respond(), options({ idp: idpMetadata([expired]) })), (e: unknown) => e instanceof SamlError && e.kind === 'config');
  });
});

/**
 * Responses the stand-in has no switch for: its unsigned Response, edited as text, then the
 * Assertion signed with the IdP's own key (so only the edited content can fail).
 */
function crafted(edit: (xml: string) => string, o: Partial<ResponseOptions> = {}): string {
  const xml = idp.responseXml({ spEntityId: SP_ENTITY, acsUrl: ACS, inResponseTo: REQUEST_ID, attributes: ATTRIBUTES, nameId: USER, ...o, sign: 'none' });
  const edited = edit(xml.replace(/^<\?xml[^>]*\?>/, ''));
  const ids = [...edited.matchAll(/<saml:Assertion [^>]*\bID="([^"]+)"/g)].map((m) => m[1] as string);
  let signed = edited;
  for (const id of ids) signed = signElement(signed, id, { privateKey: idp.keys.current.privateKey, certificate: idp.keys.current.certificate });
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${signed}`, 'utf8').toString('base64');
}

describe('signed assertions with content the SP must refuse (or read exactly)', () => {
  const nameIdIs = (v: string) => (xml: string) => xml.replace(/(<saml:NameID [^>]*>)[^<]*(<\/saml:NameID>)/, `$1${v}$2`);

  it('a NameID split by CDATA or comments is read whole; an empty one is refused', async () => {
    const a = await validateSamlResponse(crafted(nameIdIs('admin@corp<![CDATA[.example]]><!-- x -->.evil.example')), options());
    assert.equal(a.nameId, 'admin@corp.example.evil.example');
    assert.equal(await refused(crafted(nameIdIs(''))), 'empty NameID');
    assert.equal(await refused(crafted(nameIdIs('<!-- nothing -->  '))), 'empty NameID');
  });

  it('an attribute named twice is refused; one named __proto__ stays a plain own property', async () => {
    const dup = (xml: string) => xml.replace('</saml:AttributeStatement>', '<saml:Attribute Name="email"><saml:AttributeValue>admin@corp.example</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>');
    assert.equal(await refused(crafted(dup)), 'duplicate attribute');
    const proto = (xml: string) => xml.replace('</saml:AttributeStatement>', '<saml:Attribute Name="__proto__"><saml:AttributeValue>x</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>');
    const a = await validateSamlResponse(crafted(proto), options());
    assert.equal(Object.getPrototypeOf(a.attributes), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(a.attributes, '__proto__')?.value, ['x']);
  });

  it('a second (signed) assertion hidden in Advice, or a second Conditions', async () => {
    const advice = (xml: string) => {
      const inner = /<saml:Assertion [^]*<\/saml:Assertion>/.exec(xml)![0].replace(/ ID="[^"]+"/, ' ID="_advice1"');
      return xml.replace('<saml:AttributeStatement>', `<saml:Advice>${inner}</saml:Advice><saml:AttributeStatement>`);
    };
    assert.equal(await refused(crafted(advice)), 'more than one assertion');
    const twoConditions = (xml: string) => xml.replace(/(<saml:Conditions[^]*<\/saml:Conditions>)/, '$1$1');
    assert.match(await refused(crafted(twoConditions)), /condition/i);
  });

  it('audiences: one matching Audience among several passes; a second restriction without us fails', async () => {
    const extraAudience = (xml: string) => xml.replace('</saml:AudienceRestriction>', '<saml:Audience>urn:other</saml:Audience></saml:AudienceRestriction>');
    assertGenuine(await validateSamlResponse(crafted(extraAudience), options()));
    const secondRestriction = (xml: string) => xml.replace('</saml:Conditions>', '<saml:AudienceRestriction><saml:Audience>urn:other</saml:Audience></saml:AudienceRestriction></saml:Conditions>');
    assert.equal(await refused(crafted(secondRestriction)), 'audience mismatch');
  });

  it('subject confirmation: InResponseTo missing on a solicited response, a Recipient missing, SPNameQualifier of another SP', async () => {
    assert.match(await refused(crafted((x) => x.replace(/(<saml:SubjectConfirmationData[^>]*) InResponseTo="[^"]*"/, '$1'))), /InResponseTo/);
    assert.match(await refused(crafted((x) => x.replace(/(<saml:SubjectConfirmationData[^>]*) Recipient="[^"]*"/, '$1'))), /Recipient/);
    assert.equal(await refused(crafted((x) => x.replace('<saml:NameID ', '<saml:NameID SPNameQualifier="urn:other" '))), 'NameID SPNameQualifier mismatch');
  });

  it('an Assertion in a made-up namespace next to the genuine one', async () => {
    const decoy = (xml: string) => xml.replace('<samlp:Status>', `<x:Assertion xmlns:x="urn:decoy" ID="_decoy"><x:Subject><x:NameID>${EVIL_NAME_ID}</x:NameID></x:Subject></x:Assertion><samlp:Status>`);
    assert.equal(await refused(crafted(decoy)), 'more than one assertion');
  });
});
