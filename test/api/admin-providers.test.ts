// Identity providers managed at run time through the AWS SDK, signed with SigV4: an enterprise's SAML
// IdP registered with CreateIdentityProvider signs its users in at the next sign-in, on this broker
// and on a second broker process sharing the store, with no restart; bad metadata is refused saying why and
// stores nothing; a SAML identity is linked to a native user and unlinked again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AdminCreateUserCommand, AdminDisableProviderForUserCommand, AdminLinkProviderForUserCommand, CognitoIdentityProviderClient, CreateIdentityProviderCommand,
  DeleteIdentityProviderCommand, DescribeIdentityProviderCommand, GetIdentityProviderByIdentifierCommand, ListIdentityProvidersCommand,
  UpdateIdentityProviderCommand, UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { startSamlIdp, type SamlIdp } from '../fakes/saml-idp.js';
import { pkce, tokenRequest } from '../oauth/helpers.js';
import { Browser } from '../support/browser.js';
import { startTestBroker, type TestBroker } from '../support/broker-app.js';
import { startBroker, type BrokerProcess } from '../support/broker-process.js';
import { freePort } from '../support/ferretdb.js';
import { refused } from '../support/refused.js';
import { adminSdk, awsCli } from '../support/admin.js';
import { claimsOf } from '../support/jwt.js';


const POOL = 'local_Idp1';
const CB = 'http://127.0.0.1:5581/cb';
const EMAIL = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const CONFIG = `
pools:
  - Id: ${POOL}
    PoolName: Run-time IdPs
    Clients:
      - ClientId: web
        CallbackURLs: ["${CB}"]
        AllowedOAuthScopes: [openid, email]
`;

/** What the sign-in helpers need of a broker: its URL and its pools' issuers. */
type Broker = Pick<TestBroker, 'url' | 'issuer'>;

describe('identity providers through the management API (SigV4)', () => {
  let a: TestBroker;
  /** A second broker, a real OS process (as `npm start`), on the same SQLite store. */
  let b: Broker;
  let bProcess: BrokerProcess;
  let idp: SamlIdp;
  let admin: CognitoIdentityProviderClient;
  const { verifier, challenge } = pkce();

  before(async () => {
    idp = await startSamlIdp({ entityId: 'https://idp.acme.example/saml' });
    a = await startTestBroker(CONFIG);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    bProcess = await startBroker({
      PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_DIR: a.dataDir, BROKER_CONFIG: `${a.dataDir}/broker.yaml`, LOG_LEVEL: 'warn',
      BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789', ADMIN_ACCESS_KEY_ID: 'BRKRTESTTESTTESTTEST', ADMIN_SECRET_ACCESS_KEY: 'test-admin-secret-0123456789',
    });
    b = { url, issuer: (poolId) => `${url}/${poolId}` };
    admin = adminSdk(a.url);
  });
  after(async () => {
    admin.destroy();
    await bProcess.stop();
    await a.close();
    await idp.close();
  });

  const authorize = (broker: Broker) =>
    `${broker.issuer(POOL)}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: 'web', redirect_uri: CB, scope: 'openid email', state: 's', code_challenge: challenge, code_challenge_method: 'S256', identity_provider: 'Acme',
    })}`;

  /** A whole SP-initiated sign-in at `broker` as `nameId`; the ID token's claims. */
  async function signIn(broker: Broker, nameId: string): Promise<Record<string, unknown>> {
    const browser = new Browser();
    const start = await browser.get(authorize(broker));
    assert.equal(start.status, 302, start.body);
    assert.ok(start.location!.startsWith(idp.ssoUrl), start.location);
    const request = idp.readAuthnRequest(start.location!);
    const acs = `${broker.issuer(POOL)}/saml2/idpresponse`;
    const posted = await fetch(acs, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: idp.response({ spEntityId: broker.issuer(POOL), acsUrl: acs, inResponseTo: request.id, nameId, attributes: { [EMAIL]: nameId } }), RelayState: request.relayState! }).toString(),
    });
    assert.equal(posted.status, 303, await posted.text());
    const done = await browser.get(new URL(posted.headers.get('location')!, acs).toString());
    assert.equal(done.status, 303, done.body);
    const code = new URL(done.location!).searchParams.get('code')!;
    const t = await tokenRequest(broker as TestBroker, { grant_type: 'authorization_code', client_id: 'web', code, redirect_uri: CB, code_verifier: verifier }, {}, POOL);
    assert.equal(t.status, 200, JSON.stringify(t.json));
    return claimsOf(String(t.json.id_token));
  }

  const create = (details: Record<string, string>, name = 'Acme') =>
    admin.send(new CreateIdentityProviderCommand({ UserPoolId: POOL, ProviderName: name, ProviderType: 'SAML', ProviderDetails: details, AttributeMapping: { email: EMAIL }, IdpIdentifiers: ['acme.example'] }));

  it('refuses SAML metadata that cannot serve, saying what is wrong, and stores nothing', async () => {
    for (const [details, why] of [
      [{ MetadataFile: idp.metadataXml({ expiredCert: true }) }, /expired/i],
      [{ MetadataFile: idp.metadataXml({ noSso: true }) }, /SingleSignOnService|SSO/],
      [{ MetadataURL: 'http://127.0.0.1:9/metadata' }, /could not be fetched/],
      [{ MetadataURL: 'http://metadata.example/saml' }, /https/],
      [{}, /MetadataURL or MetadataFile/],
    ] as const) {
      const e = await refused(create(details));
      assert.equal(e.name, 'InvalidParameterException', e.message);
      assert.match(e.message, why);
    }
    assert.deepEqual(await a.store.pools.listProviders(POOL), []);
  });

  it('a SAML IdP registered at run time signs users in at once, on both brokers, without a restart', async () => {
    // Broker B has read the pool already (its cache is warm): the provider does not exist there yet.
    const atIdp = async (broker: Broker) => (await new Browser().get(authorize(broker))).location?.startsWith(idp.ssoUrl) ?? false;
    assert.equal(await atIdp(b), false);
    const made = (await create({ MetadataURL: idp.metadataUrl })).IdentityProvider!;
    assert.equal(made.ProviderName, 'Acme');
    assert.equal(made.ProviderDetails?.SSORedirectBindingURI, idp.ssoUrl);
    await admin.send(new UpdateUserPoolClientCommand({
      UserPoolId: POOL, ClientId: 'web', CallbackURLs: [CB], AllowedOAuthScopes: ['openid', 'email'], AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, SupportedIdentityProviders: ['COGNITO', 'Acme'],
    }));
    const onA = await signIn(a, 'ann@acme.example');
    assert.equal(onA['cognito:username'], 'Acme_ann@acme.example');
    assert.equal(onA.email, 'ann@acme.example');
    // B sees the change within its cache's few seconds (config-cache.ts): look again until it does.
    for (let n = 0; !(await atIdp(b)); n++) {
      assert.ok(n < 100, 'the second broker never saw the provider');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await signIn(b, 'bob@acme.example'))['cognito:username'], 'Acme_bob@acme.example');
  });

  it('describes, finds by identifier, lists, updates and deletes', async () => {
    const got = (await admin.send(new DescribeIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Acme' }))).IdentityProvider!;
    assert.equal(got.ProviderType, 'SAML');
    assert.deepEqual(got.IdpIdentifiers, ['acme.example']);
    assert.equal((await admin.send(new GetIdentityProviderByIdentifierCommand({ UserPoolId: POOL, IdpIdentifier: 'ACME.example' }))).IdentityProvider?.ProviderName, 'Acme');
    assert.deepEqual((await admin.send(new ListIdentityProvidersCommand({ UserPoolId: POOL }))).Providers?.map((p) => p.ProviderName), ['Acme']);
    const cli = await awsCli<{ IdentityProvider: { ProviderType: string } }>(a.url, 'describe-identity-provider', '--user-pool-id', POOL, '--provider-name', 'Acme');
    assert.equal(cli.IdentityProvider.ProviderType, 'SAML', 'the AWS CLI too');
    assert.equal((await refused(create({ MetadataURL: idp.metadataUrl }))).name, 'DuplicateProviderException');
    const updated = (await admin.send(new UpdateIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Acme', IdpIdentifiers: ['acme.example', 'acme.test'] }))).IdentityProvider!;
    assert.deepEqual(updated.IdpIdentifiers, ['acme.example', 'acme.test']);
    assert.equal(updated.ProviderDetails?.MetadataURL, idp.metadataUrl, 'what is not given is kept');
    const bad = await refused(admin.send(new UpdateIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Acme', ProviderDetails: { MetadataFile: idp.metadataXml({ expiredCert: true }) } })));
    assert.equal(bad.name, 'InvalidParameterException');
    assert.equal((await a.store.pools.getProvider(POOL, 'Acme'))?.settings.ProviderDetails.MetadataURL, idp.metadataUrl, 'the refused update changed nothing');

    // A social provider's secret is sealed and never described.
    await admin.send(new CreateIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Google', ProviderType: 'Google', ProviderDetails: { client_id: 'g-id', client_secret: 'g-secret-value', authorize_scopes: 'openid email' } }));
    const google = (await admin.send(new DescribeIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Google' }))).IdentityProvider!;
    assert.equal(google.ProviderDetails?.client_secret, undefined);
    assert.notEqual((await a.store.pools.getProvider(POOL, 'Google'))?.settings.ProviderDetails.client_secret, 'g-secret-value', 'sealed at rest');
    const misnamed = await refused(admin.send(new CreateIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'MyGoogle', ProviderType: 'Google', ProviderDetails: { client_id: 'x', client_secret: 'y' } })));
    assert.match(misnamed.message, /must be named Google/);
    await admin.send(new DeleteIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Google' }));
    assert.equal((await refused(admin.send(new DescribeIdentityProviderCommand({ UserPoolId: POOL, ProviderName: 'Google' })))).name, 'ResourceNotFoundException');
  });

  it('links a SAML identity that has not signed in to a native user, and unlinks it', async () => {
    await admin.send(new AdminCreateUserCommand({ UserPoolId: POOL, Username: 'carol', MessageAction: 'SUPPRESS' }));
    const link = (value: string) => admin.send(new AdminLinkProviderForUserCommand({
      UserPoolId: POOL, DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'carol' },
      SourceUser: { ProviderName: 'Acme', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: value },
    }));
    await link('carol@acme.example');
    assert.equal((await signIn(a, 'carol@acme.example'))['cognito:username'], 'carol', 'the identity signs in as the native user');
    assert.equal((await refused(link('carol@acme.example'))).name, 'AliasExistsException', 'already linked');
    const byEmail = await refused(admin.send(new AdminLinkProviderForUserCommand({
      UserPoolId: POOL, DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'carol' }, SourceUser: { ProviderName: 'Acme', ProviderAttributeName: 'email', ProviderAttributeValue: 'x@acme.example' },
    })));
    assert.match(byEmail.message, /Cognito_Subject/);
    await admin.send(new AdminDisableProviderForUserCommand({ UserPoolId: POOL, User: { ProviderName: 'Acme', ProviderAttributeName: 'Cognito_Subject', ProviderAttributeValue: 'carol@acme.example' } }));
    assert.equal((await signIn(a, 'carol@acme.example'))['cognito:username'], 'Acme_carol@acme.example', 'unlinked: a user of its own');
  });
});
