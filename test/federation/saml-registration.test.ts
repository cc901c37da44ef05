// SAML metadata is validated when registered: a bad MetadataFile stops the start, naming the field
// and the problem; an unreachable MetadataURL does not stop it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSamlIdp, type SamlIdp } from '../fakes/saml-idp.js';
import { startTestBroker } from '../support/broker-app.js';

const config = (details: Record<string, string>) => `
pools:
  - Id: local_Reg1
    PoolName: registration
    IdentityProviders:
      - { ProviderName: Corp, ProviderType: SAML, ProviderDetails: ${JSON.stringify(details)} }
`;

describe('SAML provider registration', () => {
  let idp: SamlIdp;
  before(async () => {
    idp = await startSamlIdp({ entityId: 'https://reg.idp.example/saml' });
  });
  after(() => idp.close());

  for (const [label, variant, message] of [
    ['an expired signing certificate', { expiredCert: true }, /expired/i],
    ['an RSA key under 2048 bits', { smallKey: true }, /2048/],
    ['no SSO endpoint', { noSso: true }, /SingleSignOnService|SSO/],
  ] as const) {
    it(`refuses metadata with ${label}, naming the field`, async () => {
      await assert.rejects(startTestBroker(config({ MetadataFile: idp.metadataXml(variant) })), (e: Error) =>
        /pools\[0\]\.IdentityProviders\[0\]\.ProviderDetails\.MetadataFile: /.test(e.message) && message.test(e.message));
    });
  }

  it('refuses a DOCTYPE in metadata', async () => {
    const xml = idp.metadataXml().replace('<?xml version="1.0" encoding="UTF-8"?>', '').replace(/^/, '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>');
    await assert.rejects(startTestBroker(config({ MetadataFile: xml })), /MetadataFile: /);
  });

  it('starts with good metadata, and with a MetadataURL that cannot be fetched yet', async () => {
    const good = await startTestBroker(config({ MetadataFile: idp.metadataXml({ rollover: true }) }));
    await good.close();
    const later = await startTestBroker(config({ MetadataURL: 'http://127.0.0.1:9/metadata' }));
    await later.close();
  });
});
