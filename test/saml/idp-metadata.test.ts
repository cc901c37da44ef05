// IdP metadata: every refusal with a message naming the problem, rollover certificates, and the
// MetadataURL source (https or loopback only, size cap, timeout, last good copy kept and persisted,
// scheduled refresh, at most one re-fetch per window after an unknown key).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdpMetadataSource, parseIdpMetadata } from '../../src/federation/saml-metadata.js';
import { SamlError } from '../../providers/saml/types.js';
import { IDP_ENTITY, IDP_SLO, IDP_SSO, b64, metadataServer, metadataXml, openFixture, testKey, type Fixture, type MetadataServer, type TestKey } from './support.js';

const DAY = 86_400_000;

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SamlError, `a SamlError, not ${String(err)}`);
    assert.equal(err.kind, 'config');
    assert.match(err.message, message);
    return true;
  });
}

describe('parseIdpMetadata', () => {
  let key: TestKey;
  let next: TestKey;
  before(async () => {
    key = await testKey();
    next = await testKey({ name: 'next idp key' });
  });

  it('reads the entity id, the redirect SSO and SLO endpoints, the signing certificate and WantAuthnRequestsSigned', () => {
    const md = parseIdpMetadata(metadataXml({ certs: [key.cert], wantSigned: true }), Date.now());
    assert.equal(md.entityId, IDP_ENTITY);
    assert.equal(md.ssoRedirectUrl, IDP_SSO, 'the HTTP-Redirect one, not the POST one listed too');
    assert.equal(md.sloRedirectUrl, IDP_SLO);
    assert.equal(md.wantAuthnRequestsSigned, true);
    assert.equal(md.signingCerts.length, 1);
    assert.equal(b64(md.signingCerts[0]!), b64(key.cert));
    assert.match(md.signingCerts[0]!, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----\n$/);
    const plain = parseIdpMetadata(metadataXml({ certs: [key.cert], sloUrl: null }), Date.now());
    assert.equal(plain.sloRedirectUrl, null);
    assert.equal(plain.wantAuthnRequestsSigned, false);
  });

  it('keeps every signing certificate (rollover), including a KeyDescriptor without use, never an encryption one', async () => {
    const enc = await testKey({ name: 'encryption key' });
    const md = parseIdpMetadata(metadataXml({ certs: [key.cert, next.cert, enc.cert, key.cert], uses: ['signing', null, 'encryption', 'signing'] }), Date.now());
    assert.deepEqual(md.signingCerts.map(b64), [b64(key.cert), b64(next.cert)]);
  });

  it('takes the one IdP out of an EntitiesDescriptor, refusing one with several', () => {
    const one = metadataXml({ certs: [key.cert] }).replace(/^<\?xml[^>]*>\s*/, '');
    const wrap = (...entities: string[]) => `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${entities.join('')}</md:EntitiesDescriptor>`;
    assert.equal(parseIdpMetadata(wrap(one), Date.now()).entityId, IDP_ENTITY);
    refused(() => parseIdpMetadata(wrap(one, one.replace(IDP_ENTITY, 'https://other.example.test')), Date.now()), /describes 2 identity providers/);
  });

  it('refuses what is not XML, or has a DOCTYPE (no DTDs, no entities)', () => {
    refused(() => parseIdpMetadata('this is not metadata', Date.now()), /is not XML/);
    refused(() => parseIdpMetadata('', Date.now()), /not (well-formed )?XML/);
    refused(() => parseIdpMetadata('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"', Date.now()), /not well-formed/);
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${metadataXml({ certs: [key.cert] }).replace(/^<\?xml[^>]*>/, '')}`;
    refused(() => parseIdpMetadata(xxe, Date.now()), /DOCTYPE/);
    refused(() => parseIdpMetadata(`${metadataXml({ certs: [key.cert] })}<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>`, Date.now()), /not well-formed XML .*Only one element/);
  });

  it('refuses metadata without an EntityDescriptor, an entityID or an IDPSSODescriptor for SAML 2.0', () => {
    refused(() => parseIdpMetadata('<x:Other xmlns:x="urn:x"/>', Date.now()), /has no EntityDescriptor/);
    refused(() => parseIdpMetadata('<EntityDescriptor entityID="x"/>', Date.now()), /has no EntityDescriptor/); // no namespace
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert] }).replace(/entityID="[^"]*"/, ''), Date.now()), /has no entityID/);
    const sp = metadataXml({ certs: [key.cert] }).replace(/IDPSSODescriptor/g, 'SPSSODescriptor');
    refused(() => parseIdpMetadata(sp, Date.now()), /has no IDPSSODescriptor/);
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert], protocols: 'urn:oasis:names:tc:SAML:1.1:protocol' }), Date.now()), /supporting SAML 2\.0/);
  });

  it('refuses metadata without an HTTP-Redirect SSO endpoint, or with one not https', () => {
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert], ssoUrl: null }), Date.now()), /no SingleSignOnService with the HTTP-Redirect binding/);
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert], ssoUrl: 'http://idp.example.test/sso' }), Date.now()), /SingleSignOnService .* not https/);
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert], sloUrl: 'javascript:alert(1)' }), Date.now()), /SingleLogoutService .* not https/);
    assert.ok(parseIdpMetadata(metadataXml({ certs: [key.cert], ssoUrl: 'http://127.0.0.1:8080/sso' }), Date.now()), 'loopback http is fine');
  });

  it('refuses metadata without a signing certificate', async () => {
    refused(() => parseIdpMetadata(metadataXml({ certs: [] }), Date.now()), /has no signing certificate/);
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert], uses: ['encryption'] }), Date.now()), /has no signing certificate/);
    refused(() => parseIdpMetadata(metadataXml({ certs: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'] }), Date.now()), /signing certificate that is not a valid X\.509 certificate/);
  });

  it('refuses an expired or not yet valid certificate, naming it', async () => {
    const expired = await testKey({ notBefore: Date.now() - 400 * DAY, notAfter: Date.now() - DAY, name: 'old idp' });
    refused(() => parseIdpMetadata(metadataXml({ certs: [expired.cert] }), Date.now()), /signing certificate \(CN=old idp\) that expired on \d{4}-/);
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert, expired.cert] }), Date.now()), /signing certificate 2 \(CN=old idp\) that expired/);
    const future = await testKey({ notBefore: Date.now() + DAY, name: 'future idp' });
    refused(() => parseIdpMetadata(metadataXml({ certs: [future.cert] }), Date.now()), /\(CN=future idp\) that is not valid before/);
    refused(() => parseIdpMetadata(metadataXml({ certs: [key.cert] }), Date.now() + 2 * 365 * DAY), /expired/);
  });

  it('refuses an RSA key under 2048 bits and a non-RSA key', async () => {
    const small = await testKey({ bits: 1024 });
    refused(() => parseIdpMetadata(metadataXml({ certs: [small.cert] }), Date.now()), /with a 1024-bit RSA key; at least 2048 bits are required/);
    const ec = await testKey({ ec: true });
    refused(() => parseIdpMetadata(metadataXml({ certs: [ec.cert] }), Date.now()), /with a ec key; only RSA keys are accepted/);
    assert.ok(parseIdpMetadata(metadataXml({ certs: [(await testKey({ bits: 3072 })).cert] }), Date.now()));
  });
});

describe('IdpMetadataSource', () => {
  let f: Fixture;
  let key: TestKey;
  let next: TestKey;
  let good: string;
  let server: MetadataServer;
  let clock: number;
  const warnings: unknown[] = [];
  const log = { warn: (o: unknown) => void warnings.push(o) } as never;
  const source = (o: Partial<ConstructorParameters<typeof IdpMetadataSource>[0]> = {}) => new IdpMetadataSource({ store: f.store, now: () => clock, log, ...o });

  before(async () => {
    f = await openFixture();
    key = await testKey();
    next = await testKey({ name: 'next idp key' });
    good = metadataXml({ certs: [key.cert] });
    server = await metadataServer({ body: good });
    clock = Date.now();
  });
  after(async () => {
    await server.close();
    await f.cleanup();
  });

  it('parses a MetadataFile as is', async () => {
    const p = await f.saml('File', { MetadataFile: good });
    const md = await source().get(p);
    assert.equal(md.entityId, IDP_ENTITY);
    await assert.rejects(source().get(await f.saml('Bad', { MetadataFile: metadataXml({ certs: [key.cert], ssoUrl: null }) })), /SingleSignOnService/);
    assert.equal(await source().refreshAfterUnknownKey(p), null, 'nothing to re-fetch');
  });

  it('fetches a MetadataURL once, then serves the copy until it is older than refreshMs', async () => {
    server.answer = { body: good };
    server.hits = 0;
    const p = await f.saml('Url1', { MetadataURL: server.url });
    const s = source({ refreshMs: DAY });
    const [a, b] = await Promise.all([s.get(p), s.get(p)]);
    assert.deepEqual(a, b);
    assert.equal(server.hits, 1, 'concurrent first needs share one fetch');
    clock += DAY - 1;
    await s.get(p);
    assert.equal(server.hits, 1);
    server.answer = { body: metadataXml({ certs: [key.cert, next.cert] }) };
    clock += 1;
    assert.equal((await s.get(p)).signingCerts.length, 2, 'a day later the metadata is fetched again');
    assert.equal(server.hits, 2);
  });

  it('keeps the last good copy when a fetch fails, logs a warning, and retries only after a pause', async () => {
    server.answer = { body: good };
    const p = await f.saml('Url2', { MetadataURL: server.url });
    const s = source({ refreshMs: DAY, failureRetryMs: 60_000 });
    await s.get(p);
    warnings.length = 0;
    server.hits = 0;
    for (const answer of [{ status: 503 }, { body: 'garbage, not XML' }, { body: metadataXml({ certs: [key.cert], ssoUrl: null }) }] as const) {
      server.answer = answer;
      clock += DAY;
      assert.equal((await s.get(p)).entityId, IDP_ENTITY, `the last good copy is served after ${JSON.stringify(answer).slice(0, 30)}`);
      await s.get(p); // within the pause: no new fetch
    }
    assert.equal(server.hits, 3);
    assert.equal(warnings.length, 3);
    assert.match(JSON.stringify(warnings[0]), /HTTP 503/);
    server.answer = { body: metadataXml({ certs: [next.cert] }) };
    clock += 60_000;
    assert.deepEqual((await s.get(p)).signingCerts.map(b64), [b64(next.cert)], 'the IdP is back');
  });

  it('refuses with SamlError(config) when there is no good copy at all', async () => {
    server.answer = { status: 500 };
    const p = await f.saml('Url3', { MetadataURL: server.url });
    await assert.rejects(source().get(p), (err: unknown) => err instanceof SamlError && err.kind === 'config' && /no metadata for SAML provider Url3: .*HTTP 500/.test(err.message));
  });

  it('persists good copies, so another process (or a restart) serves one while the IdP is down', async () => {
    server.answer = { body: good };
    const p = await f.saml('Url4', { MetadataURL: server.url });
    await source().get(p);
    server.answer = { status: 502 };
    const peer = new IdpMetadataSource({ store: f.peer(), now: () => clock, log });
    assert.equal((await peer.get(p)).entityId, IDP_ENTITY);
    // A change writes a new version; a re-fetch of the same metadata writes nothing.
    server.answer = { body: metadataXml({ certs: [next.cert] }) };
    const s = source({ refreshMs: 0 });
    await s.get(p);
    await s.get(p);
    assert.ok(await f.store.meta.get(`saml-metadata:${p.poolId}/Url4#2`));
    assert.equal(await f.store.meta.get(`saml-metadata:${p.poolId}/Url4#3`), null);
    server.answer = { status: 502 };
    assert.deepEqual((await new IdpMetadataSource({ store: f.peer(), now: () => clock, log }).get(p)).signingCerts.map(b64), [b64(next.cert)], 'the newest copy');
  });

  it('ignores a persisted copy of another URL (the provider was re-pointed)', async () => {
    server.answer = { body: good };
    const p = await f.saml('Url5', { MetadataURL: server.url });
    await source().get(p);
    const moved = await f.saml('Url5', { MetadataURL: server.url.replace('/metadata', '/moved') });
    server.answer = { status: 404 };
    await assert.rejects(source().get(moved), /no metadata/);
  });

  it('re-fetches after an unknown key at most once per window, returning only changed certificates', async () => {
    server.answer = { body: good };
    server.hits = 0;
    const p = await f.saml('Url6', { MetadataURL: server.url });
    const s = source({ unknownKeyRetryMs: 300_000 });
    await s.get(p);
    assert.equal(await s.refreshAfterUnknownKey(p), null, 'fetched, but the same certificates');
    assert.equal(server.hits, 2);
    server.answer = { body: metadataXml({ certs: [key.cert, next.cert] }) };
    clock += 299_999;
    assert.equal(await s.refreshAfterUnknownKey(p), null, 'too soon: not fetched');
    assert.equal(server.hits, 2);
    clock += 1;
    const fresh = await s.refreshAfterUnknownKey(p);
    assert.deepEqual(fresh?.signingCerts.map(b64), [b64(key.cert), b64(next.cert)]);
    assert.equal(server.hits, 3);
    assert.deepEqual((await s.get(p)).signingCerts.length, 2, 'and get serves the new copy');
  });

  it('caps the size and the time of a fetch', async () => {
    server.answer = { body: good + ' '.repeat(2000) };
    const p = await f.saml('Url7', { MetadataURL: server.url });
    await assert.rejects(source({ maxBytes: good.length + 1000 }).get(p), /larger than \d+ bytes/);
    assert.equal((await source({ maxBytes: good.length + 2000 }).validateRegistration({ MetadataURL: server.url })).entityId, IDP_ENTITY, 'at the cap: fine');
    // The server ends its answer empty after 5 s: waiting for it would fail as "not XML", not as this.
    server.answer = { hangMs: 5_000 };
    await assert.rejects(source({ timeoutMs: 200 }).validateRegistration({ MetadataURL: server.url }), /no answer within 200 ms/);
  });

  it('refuses http on a non-loopback host, and redirects to plain http', async () => {
    await assert.rejects(source().validateRegistration({ MetadataURL: 'http://idp.example.test/metadata' }), /must be https/);
    await assert.rejects(source().validateRegistration({ MetadataURL: 'ftp://idp.example.test/metadata' }), /must be https/);
    const p = { ...(await f.saml('Url8', { MetadataURL: server.url })) };
    p.settings = { ...p.settings, ProviderDetails: { MetadataURL: 'http://idp.example.test/metadata' } };
    await assert.rejects(source().get(p), /must be https/);
    const seen: string[] = [];
    const fetchSpy: typeof fetch = async (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    server.answer = { status: 302, location: 'http://idp.example.test/metadata' };
    await assert.rejects(
      new IdpMetadataSource({ store: f.store, fetch: fetchSpy }).validateRegistration({ MetadataURL: server.url }),
      /redirects to a non-https URL/,
    );
    assert.deepEqual(seen, [server.url], 'the plain-http target is never fetched');
    server.answer = { status: 302, location: '/elsewhere' };
    await assert.rejects(source().validateRegistration({ MetadataURL: server.url }), /too many redirects/, 'loopback to loopback is followed, a few times');
  });

  it('validates a registration: MetadataFile or MetadataURL, exactly one', async () => {
    server.answer = { body: good };
    assert.equal((await source().validateRegistration({ MetadataURL: server.url })).entityId, IDP_ENTITY);
    assert.equal((await source().validateRegistration({ MetadataFile: good })).entityId, IDP_ENTITY);
    await assert.rejects(source().validateRegistration({}), /needs MetadataURL or MetadataFile/);
    await assert.rejects(source().validateRegistration({ MetadataURL: server.url, MetadataFile: good }), /not both/);
    server.answer = { body: metadataXml({ certs: [(await testKey({ bits: 1024 })).cert] }) };
    await assert.rejects(source().validateRegistration({ MetadataURL: server.url }), /1024-bit RSA key/);
    server.answer = { status: 404 };
    await assert.rejects(source().validateRegistration({ MetadataURL: server.url }), (err: unknown) => err instanceof SamlError && err.kind === 'config' && /could not be fetched: HTTP 404/.test(err.message));
  });
});
