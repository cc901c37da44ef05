// The SP code against the SAML IdP stand-in: its metadata (and its broken variants), its metadata
// endpoint misbehaving, our AuthnRequest as it reads it, and single logout both ways, round trip.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdpMetadataSource, parseIdpMetadata } from '../../src/federation/saml-metadata.js';
import { SamlUnknownKeyError, authnRequestUrl, logoutRequestUrl, logoutResponseUrl, readRedirectMessage } from '../../providers/saml/requests.js';
import { SpKeys } from '../../src/tokens/sp-keys.js';
import { SamlError, type IdpMetadata, type SpConfig } from '../../providers/saml/types.js';
import { startSamlIdp, type SamlIdp } from '../fakes/saml-idp.js';
import { ISSUER, b64, openFixture, queryOf, type Fixture } from './support.js';

describe('with the SAML IdP stand-in', () => {
  let f: Fixture;
  let fake: SamlIdp;
  let other: SamlIdp;
  let sp: SpConfig;
  let idp: IdpMetadata;
  const read = (url: string, metadata: IdpMetadata = idp, now = Date.now()) => {
    const { query, raw } = queryOf(url);
    return readRedirectMessage(query, raw, metadata, { now, sloUrl: sp.sloUrl });
  };

  before(async () => {
    f = await openFixture();
    [fake, other] = await Promise.all([startSamlIdp({ slowMs: 5_000 }), startSamlIdp()]);
    sp = await new SpKeys(f.store, f.sealer).config(f.pool, ISSUER);
    idp = parseIdpMetadata(fake.metadataXml(), Date.now());
  });
  after(async () => {
    await Promise.all([fake.close(), other.close()]);
    await f.cleanup();
  });

  it("reads the stand-in's metadata, with both certificates on rollover", () => {
    assert.equal(idp.entityId, fake.entityId);
    assert.equal(idp.ssoRedirectUrl, fake.ssoUrl);
    assert.equal(idp.sloRedirectUrl, fake.sloUrl);
    assert.deepEqual(idp.signingCerts.map(b64), [b64(fake.signingCert)]);
    const rolled = parseIdpMetadata(fake.metadataXml({ rollover: true }), Date.now());
    assert.deepEqual(rolled.signingCerts.map(b64), [b64(fake.keys.first.certificate), b64(fake.keys.next.certificate)]);
  });

  it('refuses its broken metadata variants with clear messages', () => {
    const refused = (xml: string, message: RegExp) => assert.throws(() => parseIdpMetadata(xml, Date.now()), (e: unknown) => e instanceof SamlError && e.kind === 'config' && message.test(e.message));
    refused(fake.metadataXml({ expiredCert: true }), /signing certificate .* expired on/);
    refused(fake.metadataXml({ smallKey: true }), /1024-bit RSA key; at least 2048 bits are required/);
    refused(fake.metadataXml({ noSso: true }), /no SingleSignOnService with the HTTP-Redirect binding/);
  });

  it('serves the last good copy when the metadata endpoint is down, slow, garbage or huge', async () => {
    const warnings: unknown[] = [];
    let clock = Date.now();
    const source = new IdpMetadataSource({ store: f.store, now: () => clock, timeoutMs: 500, failureRetryMs: 0, log: { warn: (o: unknown) => void warnings.push(o) } as never });
    const p = await f.saml('Fake', { MetadataURL: fake.metadataUrl });
    fake.setMetadataBehaviour('normal');
    assert.equal((await source.get(p)).entityId, fake.entityId);
    // Each failure is one warning, as it happens; 'slow' answers after 5 s, so had the source waited for
    // it, it would have had a fresh copy and no warning, not a timeout's.
    const why = { down: /could not be fetched/, slow: /no answer within 500 ms/, garbage: /not well-formed XML/, huge: /larger than 1048576 bytes/ };
    for (const behaviour of ['down', 'slow', 'garbage', 'huge'] as const) {
      fake.setMetadataBehaviour(behaviour);
      clock += 86_400_000;
      const before = warnings.length;
      assert.equal((await source.get(p)).entityId, fake.entityId, behaviour);
      assert.equal(warnings.length, before + 1, `${behaviour}: one warning`);
      assert.match(JSON.stringify(warnings.at(-1)), why[behaviour], behaviour);
    }
    assert.equal(warnings.length, 4);
    assert.match(JSON.stringify(warnings), /no answer within 500 ms/);
    assert.match(JSON.stringify(warnings), /larger than 1048576 bytes/);
    assert.match(JSON.stringify(warnings), /not well-formed XML/);
    fake.setMetadataBehaviour('huge');
    await assert.rejects(source.validateRegistration({ MetadataURL: fake.metadataUrl }), /larger than 1048576 bytes/);
    fake.setMetadataBehaviour('normal');
  });

  it('sends an AuthnRequest the stand-in reads, with a valid signature, and it signs the user in', async () => {
    const { url, requestId } = authnRequestUrl(sp, idp, { relayState: 'flow-handle-1', sign: true, now: Date.now() });
    const info = fake.readAuthnRequest(url, sp.signing.certificate);
    assert.deepEqual(info, {
      id: requestId, issuer: sp.entityId, acsUrl: sp.acsUrl, destination: fake.ssoUrl, relayState: 'flow-handle-1',
      signed: true, signatureValid: true, sigAlg: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
    assert.equal(fake.readAuthnRequest(url, other.signingCert).signatureValid, false);
    fake.requireSignedRequests(sp.signing.certificate);
    try {
      const res = await fetch(url);
      assert.equal(res.status, 200, await res.clone().text());
      assert.match(await res.text(), /name="SAMLResponse"/);
      const unsigned = authnRequestUrl(sp, { ...idp, wantAuthnRequestsSigned: false }, { relayState: 'x', sign: false, now: Date.now() });
      assert.equal((await fetch(unsigned.url)).status, 400, 'the stand-in wants signed requests');
      const wanted = parseIdpMetadata(fake.metadataXml(), Date.now());
      assert.equal(wanted.wantAuthnRequestsSigned, true);
      assert.equal((await fetch(authnRequestUrl(sp, wanted, { relayState: 'x', sign: false, now: Date.now() }).url)).status, 200, 'signed because the IdP wants it');
    } finally {
      fake.requireSignedRequests(null);
    }
  });

  it('SP-initiated logout: our signed LogoutRequest, the IdP answers, we read its LogoutResponse', async () => {
    const { url, requestId } = logoutRequestUrl(sp, idp, { nameId: 'jane.doe@corp.example', sessionIndex: '_idx1', relayState: 'logout-flow', now: Date.now() });
    assert.deepEqual(fake.readLogoutRequest(url, sp.signing.certificate), { id: requestId, nameId: 'jane.doe@corp.example', sessionIndex: '_idx1', relayState: 'logout-flow', signatureValid: true });
    fake.setSpSloUrl(sp.sloUrl);
    fake.requireSignedRequests(sp.signing.certificate);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 302);
      const back = res.headers.get('location')!;
      assert.ok(back.startsWith(`${sp.sloUrl}?`));
      const m = read(back);
      assert.equal(m.kind, 'LogoutResponse');
      assert.equal(m.inResponseTo, requestId);
      assert.equal(m.statusSuccess, true);
      assert.equal(m.relayState, 'logout-flow');
      assert.equal(m.issuer, fake.entityId);
    } finally {
      fake.requireSignedRequests(null);
    }
  });

  it('IdP-initiated logout: its signed LogoutRequest is read, and our LogoutResponse satisfies it', async () => {
    const m = read(fake.logoutRequestUrl({ spSloUrl: sp.sloUrl, nameId: 'jane.doe@corp.example', sessionIndex: '_idx2', relayState: 'theirs' }));
    assert.equal(m.kind, 'LogoutRequest');
    assert.equal(m.nameId, 'jane.doe@corp.example');
    assert.equal(m.sessionIndex, '_idx2');
    assert.equal(m.relayState, 'theirs');
    const answer = logoutResponseUrl(sp, idp, { inResponseTo: m.id, relayState: m.relayState, now: Date.now() });
    assert.ok(answer.startsWith(`${fake.sloUrl}?`));
    assert.deepEqual(fake.readLogoutResponse(answer, sp.signing.certificate), {
      id: fake.readLogoutResponse(answer).id, inResponseTo: m.id, status: 'urn:oasis:names:tc:SAML:2.0:status:Success', relayState: 'theirs', signatureValid: true,
    });
    fake.requireSignedRequests(sp.signing.certificate);
    try {
      assert.equal((await fetch(answer)).status, 200, 'the stand-in accepts it');
    } finally {
      fake.requireSignedRequests(null);
    }
  });

  it('refuses an unsigned, expired or foreign-issuer LogoutRequest', () => {
    const refused = (fn: () => unknown, message: RegExp) => assert.throws(fn, (e: unknown) => e instanceof SamlError && e.kind === 'invalid' && message.test(e.message));
    refused(() => read(fake.logoutRequestUrl({ spSloUrl: sp.sloUrl, nameId: 'jane.doe@corp.example', unsigned: true })), /is not signed/);
    refused(() => read(fake.logoutRequestUrl({ spSloUrl: sp.sloUrl, nameId: 'jane.doe@corp.example', notOnOrAfterMs: Date.now() - 1000 })), /has expired/);
    refused(() => read(fake.logoutRequestUrl({ spSloUrl: sp.sloUrl, nameId: 'jane.doe@corp.example' }), idp, Date.now() + 6 * 60_000), /expired|5 minutes/);
    refused(() => read(fake.logoutRequestUrl({ spSloUrl: 'https://broker.example.test/test_Other1/saml2/logout', nameId: 'x@corp.example' })), /another endpoint/);
    // Another IdP: its key is not this IdP's, and even trusting its key its issuer is not this IdP.
    const foreign = other.logoutRequestUrl({ spSloUrl: sp.sloUrl, nameId: 'jane.doe@corp.example' });
    assert.throws(() => read(foreign), SamlUnknownKeyError);
    refused(() => read(foreign, { ...idp, signingCerts: [...idp.signingCerts, other.signingCert] }), /not issued by the IdP/);
  });

  it('after a key rollover, a message by the new key is accepted once the metadata is re-fetched', async () => {
    const p = await f.saml('Rolling', { MetadataURL: fake.metadataUrl });
    fake.setMetadata({});
    const source = new IdpMetadataSource({ store: f.store });
    const before = await source.get(p);
    fake.useNextKey();
    fake.setMetadata({ rollover: true });
    const url = fake.logoutRequestUrl({ spSloUrl: sp.sloUrl, nameId: 'jane.doe@corp.example' });
    assert.throws(() => read(url, before), SamlUnknownKeyError);
    const fresh = await source.refreshAfterUnknownKey(p);
    assert.ok(fresh);
    assert.equal(read(url, fresh).nameId, 'jane.doe@corp.example');
    assert.equal(await source.refreshAfterUnknownKey(p), null, 'not again within 5 minutes');
  });
});
