// Enterprise SAML through the broker against the SAML IdP stand-in: SP metadata, SP-initiated sign-in
// (by provider name and by email domain), IdP-initiated sign-in, encrypted assertions, single logout,
// and every attack of docs/security.md, "SAML responses", fed through the ACS: a refusal with no
// session, no user, no code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startSamlIdp, type SamlAttack, type SamlIdp } from '../fakes/saml-idp.js';
import { pkce, tokenRequest } from '../oauth/helpers.js';
import { Browser, type Response } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { claimsOf } from '../support/jwt.js';
import { certificatePem } from '../support/keys.js';

const POOL = 'local_Saml1';
const CB = 'http://127.0.0.1:5580/cb';
const EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const GROUPS = 'http://schemas.xmlsoap.org/claims/Group';

describe('SAML through the broker', () => {
  let broker: TestBroker;
  let corp: SamlIdp;
  let portal: SamlIdp;
  let acs: string;
  let spEntityId: string;
  let spSigningCert: string;
  let spEncryptionCert: string;
  const { verifier, challenge } = pkce();

  before(async () => {
    corp = await startSamlIdp({ entityId: 'https://idp.corp.example/saml' });
    portal = await startSamlIdp({ entityId: 'https://portal.example/saml' });
    const mapping = `{ email: "${EMAIL}", name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", "custom:groups": "${GROUPS}" }`;
    broker = await startTestBroker(`
pools:
  - Id: ${POOL}
    PoolName: SAML pool
    Schema: [{ Name: groups }]
    Clients:
      - ClientId: app
        CallbackURLs: ["${CB}"]
        LogoutURLs: ["http://127.0.0.1:5580/bye"]
        AllowedOAuthScopes: [openid, email, profile]
        SupportedIdentityProviders: [COGNITO, Corp]
      - ClientId: portal
        ClientSecret: portal-client-secret-0123456789
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email]
        SupportedIdentityProviders: [Portal]
    IdentityProviders:
      - ProviderName: Corp
        ProviderType: SAML
        ProviderDetails: ${JSON.stringify({ MetadataFile: corp.metadataXml({ rollover: true }), IDPSignout: 'true', RequestSigningAlgorithm: 'rsa-sha256', EncryptedResponses: 'false' })}
        AttributeMapping: ${mapping}
        IdpIdentifiers: [corp.example]
      - ProviderName: Portal
        ProviderType: SAML
        ProviderDetails: ${JSON.stringify({ MetadataURL: portal.metadataUrl, IDPInit: 'true', EncryptedResponses: 'true' })}
        AttributeMapping: ${mapping}
`);
    const iss = broker.issuer(POOL);
    acs = `${iss}/saml2/idpresponse`;
    const metadata = await (await fetch(`${iss}/saml2/metadata`)).text();
    spEntityId = /entityID="([^"]+)"/.exec(metadata)![1]!;
    const certs = [...metadata.matchAll(/<KeyDescriptor use="(signing|encryption)">[\s\S]*?<(?:ds:)?X509Certificate>([^<]+)</g)];
    spSigningCert = certificatePem(certs.find((c) => c[1] === 'signing')![2]!);
    spEncryptionCert = certificatePem(certs.find((c) => c[1] === 'encryption')![2]!);
  });
  after(async () => {
    await broker.close();
    await corp.close();
    await portal.close();
  });

  const authorize = (extra: Record<string, string>) =>
    `${broker.issuer(POOL)}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'app', redirect_uri: CB, scope: 'openid email profile', state: 'saml-state', code_challenge: challenge, code_challenge_method: 'S256', ...extra,
    })}`;

  /** Starts an SP-initiated sign-in; returns the browser, the AuthnRequest id and the RelayState. */
  async function start(extra: Record<string, string> = { identity_provider: 'Corp' }) {
    const browser = new Browser();
    const res = await browser.get(authorize(extra));
    assert.equal(res.status, 302, res.body);
    assert.ok(res.location!.startsWith(corp.ssoUrl), res.location);
    const request = corp.readAuthnRequest(res.location!, spSigningCert);
    return { browser, request };
  }

  /** Posts a SAMLResponse as the IdP's auto-submitted form does (cross-site: no cookies), then follows our continuation. */
  async function post(browser: Browser, samlResponse: string, relayState: string | null): Promise<Response> {
    const res = await fetch(acs, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ SAMLResponse: samlResponse, ...(relayState ? { RelayState: relayState } : {}) }).toString() });
    if (res.status !== 303 || !res.headers.get('location')?.includes('/saml2/idpresponse?resume=')) return { status: res.status, headers: res.headers, body: await res.text(), url: acs, ...(res.headers.get('location') ? { location: res.headers.get('location')! } : {}) };
    return browser.get(new URL(res.headers.get('location')!, acs).toString());
  }

  async function idToken(res: Response, clientId = 'app', auth: Record<string, string> = {}): Promise<Record<string, unknown>> {
    assert.equal(res.status, 303, res.body);
    const url = new URL(res.location!);
    assert.equal(`${url.origin}${url.pathname}`, CB);
    const form: Record<string, string> = { grant_type: 'authorization_code', client_id: clientId, code: url.searchParams.get('code')!, redirect_uri: CB, ...(clientId === 'app' ? { code_verifier: verifier } : {}) };
    const t = await tokenRequest(broker, form, auth, POOL);
    assert.equal(t.status, 200, JSON.stringify(t.json));
    return claimsOf(String(t.json.id_token));
  }

  it('publishes SP metadata with the ACS, SLO and both certificates', async () => {
    const md = await (await fetch(`${broker.issuer(POOL)}/saml2/metadata`)).text();
    assert.equal(spEntityId, broker.issuer(POOL));
    assert.match(md, new RegExp(`AssertionConsumerService[^>]+Location="${acs.replace(/[/.]/g, '\\$&')}"`));
    assert.match(md, /SingleLogoutService[^>]+\/saml2\/logout"/);
    assert.ok(spSigningCert && spEncryptionCert);
  });

  it('signs a user in SP-initiated: a signed AuthnRequest, the Response checked, the user mapped', async () => {
    corp.setUser('ann@corp.example', { [EMAIL]: 'ann@corp.example', [GROUPS]: ['admins', 'dev ops'] });
    const { browser, request } = await start();
    assert.equal(request.signatureValid, true, 'RequestSigningAlgorithm: rsa-sha256');
    assert.equal(request.acsUrl, acs);
    assert.equal(request.issuer, spEntityId);
    assert.ok(request.relayState && request.relayState.length <= 64, 'an opaque RelayState');
    const res = await post(browser, corp.response({ spEntityId, acsUrl: acs, inResponseTo: request.id, nameId: 'ann@corp.example', attributes: { [EMAIL]: 'ann@corp.example', [GROUPS]: ['admins', 'dev ops'] } }), request.relayState);
    const id = await idToken(res);
    assert.equal(id['cognito:username'], 'Corp_ann@corp.example');
    assert.equal(id.email, 'ann@corp.example');
    assert.equal(id['custom:groups'], 'admins,dev+ops', 'multi-valued attributes joined as Cognito does');
    const identity = (id.identities as Record<string, string>[])[0]!;
    assert.equal(identity.providerType, 'SAML');
    assert.equal(identity.issuer, corp.entityId);
  });

  it('routes by email domain from idp_identifier', async () => {
    const res = await new Browser().get(authorize({ idp_identifier: 'someone@Corp.Example' }));
    assert.equal(res.status, 302);
    assert.ok(res.location!.startsWith(corp.ssoUrl));
    const page = await new Browser().get(`${broker.issuer(POOL)}/login?${new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: CB, code_challenge: challenge, code_challenge_method: 'S256' })}`);
    assert.match(page.body, /name="idp_identifier" type="email"/, 'the hosted page asks for a work email');
  });

  it('refuses every SAML forgery (docs/security.md) with no session, no user and no code', async () => {
    const attacks: SamlAttack[] = [
      'xsw1', 'xsw2', 'xsw3', 'xsw4', 'xsw5', 'xsw6', 'xsw7', 'xsw8', 'assertion-in-extensions', 'stripped-signature', 'attacker-signed',
      'tampered-after-signing', 'wrong-audience', 'wrong-destination', 'wrong-recipient', 'wrong-issuer', 'wrong-assertion-issuer', 'expired',
      'not-yet-valid', 'two-assertions', 'status-responder', 'no-bearer', 'no-conditions', 'no-authnstatement', 'in-response-to-mismatch',
      'dtd-external-entity', 'billion-laughs', 'xslt-transform', 'two-signed-info',
    ];
    for (const attack of attacks) {
      const nameId = `victim-${attack}@corp.example`;
      const { browser, request } = await start();
      const res = await post(browser, corp.response({ spEntityId, acsUrl: acs, inResponseTo: request.id, nameId, attack }), request.relayState);
      assert.equal(res.status, 400, `${attack}: ${res.status} ${res.body.slice(0, 200)}`);
      assert.ok(!res.location?.includes('code='), attack);
      assert.equal(browser.cookie('brk_session'), undefined, `${attack}: no session`);
      for (const n of [nameId, 'admin@evil.example']) assert.equal(await broker.store.users.findUserByUsername(POOL, `Corp_${n}`), null, `${attack}: no user`);
    }
    // SHA-1 unless the provider opts in; an oversized message; a replayed assertion.
    const { browser, request } = await start();
    assert.equal((await post(browser, corp.response({ spEntityId, acsUrl: acs, inResponseTo: request.id, nameId: 'sha1@corp.example', digest: 'sha1' }), request.relayState)).status, 400);
    assert.equal((await post(new Browser(), 'A'.repeat(400_000), null)).status, 413, 'an oversized post is cut off before any parsing');
  });

  it('keeps the whole NameID when a comment splits it', async () => {
    const { browser, request } = await start();
    const res = await post(browser, corp.response({ spEntityId, acsUrl: acs, inResponseTo: request.id, nameId: 'admin@corp.example', attack: 'comment-in-nameid' }), request.relayState);
    assert.equal((await idToken(res))['cognito:username'], 'Corp_admin@corp.example.evil.example', 'the whole signed value');
    assert.equal(await broker.store.users.findUserByUsername(POOL, 'Corp_admin@corp.example'), null, 'never the cut value');
  });

  it('accepts a Response once: a replay is refused', async () => {
    const { browser, request } = await start();
    const response = corp.response({ spEntityId, acsUrl: acs, inResponseTo: request.id, nameId: 'bob@corp.example' });
    assert.equal((await post(browser, response, request.relayState)).status, 303);
    assert.equal((await post(browser, response, request.relayState)).status, 400);
  });

  it('refuses a Response for another browser or another request', async () => {
    const first = await start();
    const second = await start();
    const forFirst = corp.response({ spEntityId, acsUrl: acs, inResponseTo: first.request.id, nameId: 'cat@corp.example' });
    assert.equal((await post(second.browser, forFirst, second.request.relayState)).status, 400, 'InResponseTo of another request');
    assert.equal((await post(second.browser, forFirst, first.request.relayState)).status, 400, 'the flow of another browser');
  });

  it('takes an IdP-initiated, encrypted Response only fresh, unsolicited and naming a registered redirect URI', async () => {
    portal.setUser('dan@portal.example', { [EMAIL]: 'dan@portal.example' });
    const relay = new URLSearchParams({ identity_provider: 'Portal', client_id: 'portal', redirect_uri: CB, response_type: 'code', scope: 'openid email' }).toString();
    const basic = { authorization: `Basic ${Buffer.from('portal:portal-client-secret-0123456789').toString('base64')}` };
    const unsolicited = portal.response({ spEntityId, acsUrl: acs, nameId: 'dan@portal.example', attributes: { [EMAIL]: 'dan@portal.example' }, encryptFor: spEncryptionCert });
    const ok = await post(new Browser(), unsolicited, relay);
    assert.equal((await idToken(ok, 'portal', basic))['cognito:username'], 'Portal_dan@portal.example');
    assert.equal((await post(new Browser(), unsolicited, relay)).status, 400, 'never replayed');
    const plain = await post(new Browser(), portal.response({ spEntityId, acsUrl: acs, nameId: 'dan2@portal.example' }), relay);
    assert.equal(plain.status, 400, 'EncryptedResponses: a plain assertion is refused');
    const stale = await post(new Browser(), portal.response({ spEntityId, acsUrl: acs, nameId: 'dan3@portal.example', encryptFor: spEncryptionCert, issueInstantShiftMs: -7 * 60_000 }), relay);
    assert.equal(stale.status, 400, 'older than 6 minutes');
    const unsignedEnc = await post(new Browser(), portal.response({ spEntityId, acsUrl: acs, nameId: 'dan4@portal.example', encryptFor: spEncryptionCert, attack: 'encrypted-unsigned' }), relay);
    assert.equal(unsignedEnc.status, 400, 'encrypted but unsigned');
    const offList = await post(new Browser(), portal.response({ spEntityId, acsUrl: acs, nameId: 'dan5@portal.example', encryptFor: spEncryptionCert }), relay.replace(encodeURIComponent(CB), encodeURIComponent('https://evil.example/cb')));
    assert.equal(offList.status, 400, 'RelayState must name a registered redirect URI');
    const corpUnsolicited = await post(new Browser(), corp.response({ spEntityId, acsUrl: acs, nameId: 'eve@corp.example' }), relay.replace('Portal', 'Corp'));
    assert.equal(corpUnsolicited.status, 400, 'IDPInit is off for Corp');
  });

  it('rotates the SAML keys on request, keeping the previous encryption certificate published', async () => {
    const { MONGODB_URI: _mongo, ...env } = process.env;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'rotate-saml-keys', POOL],
      { env: { ...env, DATA_DIR: broker.dataDir, BROKER_CONFIG: `${broker.dataDir}/broker.yaml`, BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789' } });
    assert.match(stdout, /rotated the SAML keys of local_Saml1/);
    // Running brokers pick the keys up within 30 s (their cache); the store has them now.
    const published = (await broker.store.keys.listPublishedKeys(POOL, Date.now())).filter((k) => k.purpose === 'saml-encryption');
    assert.equal(published.length, 2, 'the new and the previous encryption keys');
    assert.equal(published.filter((k) => k.active).length, 1);
  });

  it('signs out through the IdP (SP-initiated SLO) and ends sessions on an IdP LogoutRequest', async () => {
    const { browser, request } = await start();
    await idToken(await post(browser, corp.response({ spEntityId, acsUrl: acs, inResponseTo: request.id, nameId: 'fay@corp.example', sessionIndex: 'sess-fay' }), request.relayState));
    const out = await browser.get(`${broker.issuer(POOL)}/logout?client_id=app&logout_uri=${encodeURIComponent('http://127.0.0.1:5580/bye')}`);
    assert.equal(out.status, 302);
    assert.ok(out.location!.startsWith(corp.sloUrl), out.location);
    const logoutRequest = corp.readLogoutRequest(out.location!, spSigningCert);
    assert.equal(logoutRequest.signatureValid, true);
    assert.equal(logoutRequest.nameId, 'fay@corp.example');
    assert.equal(logoutRequest.sessionIndex, 'sess-fay');
    const back = await browser.get(corp.logoutResponseUrl({ spSloUrl: `${broker.issuer(POOL)}/saml2/logout`, inResponseTo: logoutRequest.id, relayState: logoutRequest.relayState! }));
    assert.equal(back.status, 302);
    assert.equal(back.location, 'http://127.0.0.1:5580/bye');

    // IdP-initiated: a signed, fresh LogoutRequest ends the user's sessions and is answered.
    const second = await start();
    await idToken(await post(second.browser, corp.response({ spEntityId, acsUrl: acs, inResponseTo: second.request.id, nameId: 'gil@corp.example' }), second.request.relayState));
    const unsigned = await new Browser().get(corp.logoutRequestUrl({ spSloUrl: `${broker.issuer(POOL)}/saml2/logout`, nameId: 'gil@corp.example', unsigned: true }));
    assert.equal(unsigned.status, 400);
    const answered = await new Browser().get(corp.logoutRequestUrl({ spSloUrl: `${broker.issuer(POOL)}/saml2/logout`, nameId: 'gil@corp.example' }));
    assert.equal(answered.status, 302);
    assert.ok(answered.location!.startsWith(corp.sloUrl));
    const silent = await second.browser.get(authorize({ prompt: 'none' }));
    assert.equal(new URL(silent.location!).searchParams.get('error'), 'login_required', 'the session is over');
  });
});
