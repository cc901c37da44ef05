// TOTP-MFA sign-ins through the Cognito JSON API: InitiateAuth USER_PASSWORD_AUTH (the password step,
// answered with SOFTWARE_TOKEN_MFA) then RespondToAuthChallenge with the authenticator's code (the MFA
// step, answered with tokens), by BENCH_CLIENTS concurrent clients over HTTP against the whole broker
// in this process on a temp SQLite directory. Beside it, in the same run: the same sign-ins without
// MFA (a second pool), and the machine's limit, argon2id verifications a second with the hashing
// gate's concurrency (what every password sign-in costs, MFA or not). Each code is good once, so each
// user signs in at most twice (this step's code, the next one's). Then passkey sign-ins (USER_AUTH
// WEB_AUTHN: InitiateAuth + RespondToAuthChallenge with a software authenticator's ES256 assertion,
// made outside the timed window), beside ES256 verifications a second on one thread.
//   npm run bench:mfa   (BENCH_CLIENTS=8, BENCH_USERS=300)
import { performance } from 'node:perf_hooks';
import { hash, verify } from '@node-rs/argon2';
import { Secret, TOTP } from 'otpauth';
import { Agent, request } from 'undici';
import { DEFAULT_HASH_CONCURRENCY } from '../src/native/hash-gate.js';
import { PASSWORD_HASH_OPTIONS } from '../src/native/passwords.js';
import { createSign, generateKeyPairSync, createVerify } from 'node:crypto';
import { SoftAuthenticator } from '../test/support/authenticator.js';
import { startTestBroker } from '../test/support/broker-app.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const USERS = Number(process.env.BENCH_USERS ?? 300);
const PASSWORD = 'correct horse battery staple';
const pool = (id: string, client: string, mfa: string) => `
  - Id: ${id}
    PoolName: ${id}
    UsernameAttributes: [email]
    AutoVerifiedAttributes: [email]
    ${mfa}
    RateLimits: { SignUpsAndCodesPerSourceAddress: 100000, SignUpsAndCodesPerPool: 100000 }
    Clients:
      - ClientId: ${client}
        ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]`;
const CONFIG = `pools:${pool('bench_Mfa1', 'mfa', 'MfaConfiguration: OPTIONAL\n    SoftwareTokenMfaConfiguration: { Enabled: true }')}${pool('bench_Plain1', 'plain', 'MfaConfiguration: OFF')}${
  pool('bench_Key1', 'key', 'Policies: { SignInPolicy: { AllowedFirstAuthFactors: [PASSWORD, WEB_AUTHN] } }').replace('ALLOW_USER_PASSWORD_AUTH,', 'ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_AUTH,')}\n`;

const broker = await startTestBroker(CONFIG, {}, {});
const agent = new Agent({ connections: CLIENTS * 2 });
async function call(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await request(broker.url, {
    method: 'POST', dispatcher: agent, body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
  });
  const json = (await res.body.json()) as Record<string, unknown>;
  if (res.statusCode !== 200) throw new Error(`${action}: ${res.statusCode} ${String(json.__type)} ${String(json.message)}`);
  return json;
}
const code = (secret: string, steps = 0) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + steps * 30_000 });
const signIn = (client: string, email: string) => call('InitiateAuth', { ClientId: client, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } });

/** A confirmed user; with `app`, an authenticator enrolled and preferred. Its secret. */
async function user(client: string, email: string, app: boolean): Promise<string> {
  await call('SignUp', { ClientId: client, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] });
  await call('ConfirmSignUp', { ClientId: client, Username: email, ConfirmationCode: await broker.lastCode(email) });
  if (!app) return '';
  const access = ((await signIn(client, email)).AuthenticationResult as { AccessToken: string }).AccessToken;
  const { SecretCode } = (await call('AssociateSoftwareToken', { AccessToken: access })) as { SecretCode: string };
  await call('VerifySoftwareToken', { AccessToken: access, UserCode: code(SecretCode, -1) });
  await call('SetUserMFAPreference', { AccessToken: access, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true } });
  return SecretCode;
}

/** `jobs` sign-ins by CLIENTS concurrent clients; sign-ins a second. */
async function rate(jobs: (() => Promise<void>)[]): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (next < jobs.length) await jobs[next++]!();
  }));
  return jobs.length / ((performance.now() - t) / 1000);
}

async function argonLimit(seconds: number): Promise<number> {
  const stored = await hash(PASSWORD, PASSWORD_HASH_OPTIONS);
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t = performance.now();
  await Promise.all(Array.from({ length: DEFAULT_HASH_CONCURRENCY }, async () => {
    while (Date.now() < end) {
      await verify(stored, PASSWORD);
      n++;
    }
  }));
  return n / ((performance.now() - t) / 1000);
}

/** ES256 signature verifications a second, one at a time (the check each passkey sign-in makes). */
function es256Limit(seconds: number): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.alloc(100, 1);
  const sig = createSign('sha256').update(data).sign(privateKey);
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t = performance.now();
  while (Date.now() < end) {
    createVerify('sha256').update(data).verify(publicKey, sig);
    n++;
  }
  return n / ((performance.now() - t) / 1000);
}

/** RS256 signatures a second, one at a time: a sign-in signs two tokens (ID and access). */
function rs256Limit(seconds: number): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = Buffer.alloc(600, 1);
  let n = 0;
  const end = Date.now() + seconds * 1000;
  const t = performance.now();
  while (Date.now() < end) {
    createSign('sha256').update(data).sign(privateKey);
    n++;
  }
  return n / ((performance.now() - t) / 1000);
}

try {
  console.log(`setting up ${USERS} users with an authenticator app and ${USERS} without…`);
  const mfaUsers: { email: string; secret: string }[] = [];
  for (let i = 0; i < USERS; i++) mfaUsers.push({ email: `m${i}@bench.example`, secret: await user('mfa', `m${i}@bench.example`, true) });
  const plainUsers: string[] = [];
  for (let i = 0; i < USERS; i++) plainUsers.push(`p${i}@bench.example`), await user('plain', `p${i}@bench.example`, false);

  const limitBefore = await argonLimit(2);
  // Each user's two sign-ins use this step's code and the next one's (a code is good once).
  const mfaJobs = [0, 1].flatMap((step) => mfaUsers.map((u) => async () => {
    const c = await signIn('mfa', u.email);
    if (c.ChallengeName !== 'SOFTWARE_TOKEN_MFA') throw new Error(`expected SOFTWARE_TOKEN_MFA, got ${String(c.ChallengeName)}`);
    const done = await call('RespondToAuthChallenge', { ClientId: 'mfa', ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: c.Session, ChallengeResponses: { USERNAME: u.email, SOFTWARE_TOKEN_MFA_CODE: code(u.secret, step) } });
    if (!done.AuthenticationResult) throw new Error('no tokens');
  }));
  const mfaRate = await rate(mfaJobs);
  const plainRate = await rate([...plainUsers, ...plainUsers].map((email) => async () => {
    if (!(await signIn('plain', email)).AuthenticationResult) throw new Error('no tokens');
  }));
  const limitAfter = await argonLimit(2);

  // Passkeys: each user registers one; each sign-in's assertion is made before the timed window.
  const keyUsers: { email: string; key: SoftAuthenticator }[] = [];
  for (let i = 0; i < USERS; i++) {
    const email = `k${i}@bench.example`;
    await user('key', email, false);
    const access = ((await signIn('key', email)).AuthenticationResult as { AccessToken: string }).AccessToken;
    const key = new SoftAuthenticator();
    const { CredentialCreationOptions } = (await call('StartWebAuthnRegistration', { AccessToken: access })) as { CredentialCreationOptions: never };
    await call('CompleteWebAuthnRegistration', { AccessToken: access, Credential: key.create(CredentialCreationOptions, new URL(broker.url).origin) });
    keyUsers.push({ email, key });
  }
  const origin = new URL(broker.url).origin;
  const challenges = await Promise.all(keyUsers.map(async (u) => {
    const c = await call('InitiateAuth', { ClientId: 'key', AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: u.email, PREFERRED_CHALLENGE: 'WEB_AUTHN' } });
    const options = JSON.parse((c.ChallengeParameters as { CREDENTIAL_REQUEST_OPTIONS: string }).CREDENTIAL_REQUEST_OPTIONS) as { challenge: string; rpId: string };
    return { u, session: c.Session as string, credential: JSON.stringify(u.key.get(options, origin)) };
  }));
  // Timed: the answers (the server's whole check), and separately the InitiateAuth calls that make challenges.
  const keyRate = await rate(challenges.map((c) => async () => {
    const done = await call('RespondToAuthChallenge', { ClientId: 'key', ChallengeName: 'WEB_AUTHN', Session: c.session, ChallengeResponses: { USERNAME: c.u.email, CREDENTIAL: c.credential } });
    if (!done.AuthenticationResult) throw new Error('no tokens');
  }));
  const startRate = await rate(keyUsers.map((u) => async () => {
    await call('InitiateAuth', { ClientId: 'key', AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: u.email, PREFERRED_CHALLENGE: 'WEB_AUTHN' } });
  }));
  const keyBoth = 1 / (1 / keyRate + 1 / startRate);
  const es256 = es256Limit(2);
  const rs256 = rs256Limit(2);
  const limit = (limitBefore + limitAfter) / 2;
  const f0 = (x: number) => x.toFixed(0);
  console.log(`\nTOTP-MFA sign-ins (USER_PASSWORD_AUTH + SOFTWARE_TOKEN_MFA), ${CLIENTS} clients, ${mfaJobs.length} sign-ins: ${f0(mfaRate)}/s`);
  console.log(`the same sign-ins without MFA: ${f0(plainRate)}/s  (MFA costs ${f0((1 - mfaRate / plainRate) * 100)}%)`);
  console.log(`machine limit: argon2id verifications ${f0(limit)}/s with the gate's ${DEFAULT_HASH_CONCURRENCY} at a time (${f0(limitBefore)}/s before, ${f0(limitAfter)}/s after)`);
  console.log(`= MFA sign-ins at ${f0((mfaRate / limit) * 100)}% of the argon2id limit, plain at ${f0((plainRate / limit) * 100)}%`);
  console.log(`\n| Measure | Result | Machine limit (same run) | Share |\n|---|---|---|---|`);
  console.log(`| TOTP-MFA sign-ins (2 calls) | ${f0(mfaRate)}/s | argon2id ${f0(limit)}/s (${DEFAULT_HASH_CONCURRENCY} at a time) | ${f0((mfaRate / limit) * 100)}% |`);
  console.log(`| USER_PASSWORD_AUTH, no MFA | ${f0(plainRate)}/s | same | ${f0((plainRate / limit) * 100)}% |`);
  console.log(`| passkey sign-ins (USER_AUTH WEB_AUTHN, 2 calls) | ${f0(keyBoth)}/s (challenges ${f0(startRate)}/s, answers ${f0(keyRate)}/s) | RS256 ${f0(rs256)}/s on one thread = ${f0(rs256 / 2)} sign-ins/s (2 tokens each); ES256 verify ${f0(es256)}/s | ${f0((keyBoth / (rs256 / 2)) * 100)}% |`);
} finally {
  await agent.close();
  await broker.close();
}
