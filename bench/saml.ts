// SAML benchmark: ACS throughput and latency for signed ~4 KB Responses, and for signed-and-encrypted
// ones, posted IdP-initiated (each one fresh: the replay memory sees a new assertion every time).
// The broker runs in this process on SQLite; responses are made by the SAML stand-in beforehand.
//   npm run bench:saml            RESPONSES=1000 CONCURRENCY=20 npm run bench:saml
import { Agent, request } from 'undici';
import { startSamlIdp, type SamlIdp } from '../test/fakes/saml-idp.js';
import { startTestBroker } from '../test/support/broker-app.js';

const RESPONSES = Number(process.env.RESPONSES ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
const POOL = 'bench_Saml1';
const CB = 'http://127.0.0.1:5590/cb';
const EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;

const plain = await startSamlIdp({ entityId: 'https://plain.idp.example/saml' });
const sealed = await startSamlIdp({ entityId: 'https://sealed.idp.example/saml' });
const provider = (name: string, idp: SamlIdp, encrypted: boolean) => `
      - ProviderName: ${name}
        ProviderType: SAML
        ProviderDetails: ${JSON.stringify({ MetadataFile: idp.metadataXml(), IDPInit: 'true', EncryptedResponses: String(encrypted) })}
        AttributeMapping: { email: "${EMAIL}", "custom:profile": "profile" }`;
const broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: bench
    Schema: [{ Name: profile }]
    Clients:
      - { ClientId: portal, ClientSecret: bench-portal-secret-0123456789, CallbackURLs: ["${CB}"], AllowedOAuthScopes: [openid, email], SupportedIdentityProviders: [Plain, Sealed] }
    IdentityProviders:${provider('Plain', plain, false)}${provider('Sealed', sealed, true)}
`);
const dispatcher = new Agent({ connections: CONCURRENCY });
try {
  const iss = broker.issuer(POOL);
  const acs = `${iss}/saml2/idpresponse`;
  const metadata = await (await fetch(`${iss}/saml2/metadata`)).text();
  const spEntityId = /entityID="([^"]+)"/.exec(metadata)![1]!;
  const encB64 = /<KeyDescriptor use="encryption">[\s\S]*?<(?:ds:)?X509Certificate>([^<]+)</.exec(metadata)![1]!.replace(/\s+/g, '');
  const spEncryptionCert = `-----BEGIN CERTIFICATE-----\n${encB64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

  for (const [label, idp, name, encryptFor] of [['signed', plain, 'Plain', undefined], ['signed + encrypted', sealed, 'Sealed', spEncryptionCert]] as const) {
    const relay = new URLSearchParams({ identity_provider: name, client_id: 'portal', redirect_uri: CB, response_type: 'code', scope: 'openid email' }).toString();
    // ~4 KB of XML: a filler attribute brings a typical response up to the size enterprise IdPs send.
    const bodies = Array.from({ length: RESPONSES }, (_, i) => {
      const saml = idp.response({ spEntityId, acsUrl: acs, nameId: `user${i % 200}@corp.example`, attributes: { [EMAIL]: `user${i % 200}@corp.example`, profile: 'x'.repeat(120) }, ...(encryptFor ? { encryptFor } : {}) });
      return new URLSearchParams({ SAMLResponse: saml, RelayState: relay }).toString();
    });
    const xmlBytes = Buffer.from(new URLSearchParams(bodies[0]!).get('SAMLResponse')!, 'base64').length;
    const times: number[] = [];
    let next = 0;
    let failed = 0;
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        const t = performance.now();
        const res = await request(acs, { method: 'POST', dispatcher, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bodies[i]! });
        await res.body.dump();
        if (res.statusCode !== 303 || !String(res.headers.location).includes('code=')) failed++;
        times.push(performance.now() - t);
      }
    }));
    const secs = (performance.now() - start) / 1000;
    times.sort((a, b) => a - b);
    console.log(`ACS, ${label} (${(xmlBytes / 1024).toFixed(1)} KB of XML, ${CONCURRENCY} at a time): ${Math.round(RESPONSES / secs)} responses/s, p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms${failed ? `, ${failed} FAILED` : ''}`);
  }
} finally {
  await dispatcher.close();
  await broker.close();
  await plain.close();
  await sealed.close();
}
