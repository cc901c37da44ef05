// src/native/srp.ts against the real clients: amazon-cognito-identity-js 6 (its CognitoUser sign-in
// flow end to end over a stand-in transport, and its AuthenticationHelper directly) and Amplify v6's
// SRP helpers (what its handlePasswordVerifierChallenge calls), each computing A, the key and the
// PASSWORD_CLAIM_SIGNATURE with its own code.
import { createDiffieHellman, createHash, createHmac, getDiffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import {
  N, fakeVerifier, isValidA, makeVerifier, padHex, parseSrpTimestamp, serverChallenge, srpPoolName, srpTimestamp,
  verifyPasswordClaim, type SrpVerifier,
} from '../../src/native/srp.js';

const require = createRequire(import.meta.url);
const POOL_ID = 'local_Main1';
const POOL = srpPoolName(POOL_ID);
const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;

// ---- amazon-cognito-identity-js (no types for these internals: typed here as used) ----
interface JsbnInteger { toString(radix: number): string }
interface V5Helper {
  N: JsbnInteger;
  k: JsbnInteger;
  getLargeAValue(cb: (err: unknown, A: JsbnInteger) => void): void;
  getPasswordAuthenticationKey(username: string, password: string, B: JsbnInteger, salt: JsbnInteger, cb: (err: unknown, key: Buffer) => void): void;
  generateHashDevice(deviceGroupKey: string, username: string, cb: (err: unknown) => void): void;
  getSaltDevices(): string;
  getVerifierDevices(): string;
  getRandomPassword(): string;
}
const V5AuthenticationHelper = (require('amazon-cognito-identity-js/lib/AuthenticationHelper.js') as { default: new (poolName: string) => V5Helper }).default;
const V5BigInteger = (require('amazon-cognito-identity-js/lib/BigInteger.js') as { default: new (hex: string, radix: number) => JsbnInteger }).default;
const V5DateHelper = (require('amazon-cognito-identity-js/lib/DateHelper.js') as { default: new () => { getNowString(): string } }).default;

interface Challenge { SALT: string; SRP_B: string; SECRET_BLOCK: string; USER_ID_FOR_SRP: string }
interface Answer { A: string; timestamp: string; signature: string }

/** A v5 client's half: A now, then the answer to a challenge, the message built as CognitoUser.js builds it. */
function v5Client(poolName: string) {
  const helper = new V5AuthenticationHelper(poolName);
  let A = '';
  helper.getLargeAValue((err, a) => { assert.ifError(err); A = a.toString(16); });
  return {
    A,
    answer: (c: Challenge, password: string): Promise<Answer> => new Promise((resolve, reject) => {
      helper.getPasswordAuthenticationKey(c.USER_ID_FOR_SRP, password, new V5BigInteger(c.SRP_B, 16), new V5BigInteger(c.SALT, 16), (err, key) => {
        if (err) return reject(err);
        const timestamp = new V5DateHelper().getNowString();
        const message = Buffer.concat([
          Buffer.from(poolName, 'utf8'), Buffer.from(c.USER_ID_FOR_SRP, 'utf8'), Buffer.from(c.SECRET_BLOCK, 'base64'), Buffer.from(timestamp, 'utf8'),
        ]);
        resolve({ A, timestamp, signature: createHmac('sha256', key).update(message).digest('base64') });
      });
    }),
  };
}

// ---- Amplify v6 (its package exports hide these: imported by file, as its own modules import them) ----
interface AmplifyInteger { toString(radix: number): string }
interface AmplifySrp {
  getAuthenticationHelper(poolName: string): Promise<{ A: AmplifyInteger; getPasswordAuthenticationKey(o: { username: string; password: string; serverBValue: AmplifyInteger; salt: AmplifyInteger }): Promise<Uint8Array> }>;
  getNowString(): string;
  getSignatureString(o: { userPoolName: string; username: string; challengeParameters: Record<string, string>; dateNow: string; hkdf: Uint8Array }): string;
}
const amplifyDir = join(dirname(require.resolve('@aws-amplify/auth/package.json')), 'dist/esm/providers/cognito/utils/srp');
const amplifySrp = (await import(pathToFileURL(join(amplifyDir, 'index.mjs')).href)) as AmplifySrp;
const AmplifyBigInteger = ((await import(pathToFileURL(join(amplifyDir, 'BigInteger/index.mjs')).href)) as { BigInteger: new (hex: string, radix: number) => AmplifyInteger }).BigInteger;

/** An Amplify v6 client's half, as handlePasswordVerifierChallenge does it. */
async function amplifyClient(poolName: string) {
  const helper = await amplifySrp.getAuthenticationHelper(poolName);
  const A = helper.A.toString(16);
  return {
    A,
    answer: async (c: Challenge, password: string): Promise<Answer> => {
      const hkdf = await helper.getPasswordAuthenticationKey({
        username: c.USER_ID_FOR_SRP, password, serverBValue: new AmplifyBigInteger(c.SRP_B, 16), salt: new AmplifyBigInteger(c.SALT, 16),
      });
      const timestamp = amplifySrp.getNowString();
      const signature = amplifySrp.getSignatureString({ userPoolName: poolName, username: c.USER_ID_FOR_SRP, challengeParameters: { ...c }, dateNow: timestamp, hkdf });
      return { A, timestamp, signature };
    },
  };
}

// ---- the server's half ----
interface Issued extends Challenge { b: string; verifier: SrpVerifier; poolName: string }

function issue(verifier: SrpVerifier, userIdForSrp: string, poolName = POOL): Issued {
  const { b, B } = serverChallenge(verifier);
  return { SALT: verifier.salt, SRP_B: B, SECRET_BLOCK: randomBytes(64).toString('base64'), USER_ID_FOR_SRP: userIdForSrp, b, verifier, poolName };
}

function check(c: Issued, a: Answer, over: Partial<Parameters<typeof verifyPasswordClaim>[0]> = {}): boolean {
  return verifyPasswordClaim({
    poolName: c.poolName, userIdForSrp: c.USER_ID_FOR_SRP, verifier: c.verifier, A: a.A, b: c.b, B: c.SRP_B,
    secretBlock: c.SECRET_BLOCK, timestamp: a.timestamp, signature: a.signature, now: Date.now(), ...over,
  });
}

type Client = { A: string; answer(c: Challenge, password: string): Promise<Answer> };
const clients: [string, (poolName: string) => Client | Promise<Client>][] = [['amazon-cognito-identity-js', v5Client], ['Amplify v6', amplifyClient]];

test('N and k are the clients\'', () => {
  const helper = new V5AuthenticationHelper(POOL);
  assert.equal(helper.N.toString(16), N.toString(16));
  assert.equal(N.toString(2).length, 3072);
  const k = createHash('sha256').update(Buffer.from(padHex(N) + padHex(2n), 'hex')).digest('hex');
  assert.equal(BigInt(`0x${k}`).toString(16), helper.k.toString(16));
});

for (const [name, makeClient] of clients) {
  describe(`with ${name} as the client`, () => {
    const alice = makeVerifier(POOL, 'alice', PASSWORD);

    test('the right password is accepted', async () => {
      const client = await makeClient(POOL);
      const c = issue(alice, 'alice');
      const a = await client.answer(c, PASSWORD);
      assert.match(a.timestamp, /^[A-Z][a-z]{2} [A-Z][a-z]{2} [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}$/);
      assert.equal(check(c, a), true);
    });

    test('a non-ASCII password and user id are hashed as UTF-8 on both sides', async () => {
      const password = 'pässwörd ✓ 😀 密码';
      const v = makeVerifier(POOL, 'zoë', password);
      const c = issue(v, 'zoë');
      assert.equal(check(c, await (await makeClient(POOL)).answer(c, password)), true);
    });

    test('a wrong password is refused', async () => {
      const c = issue(alice, 'alice');
      assert.equal(check(c, await (await makeClient(POOL)).answer(c, `${PASSWORD}!`)), false);
    });

    test('a tampered secret block is refused', async () => {
      const c = issue(alice, 'alice');
      const a = await (await makeClient(POOL)).answer(c, PASSWORD);
      const block = Buffer.from(c.SECRET_BLOCK, 'base64');
      block[10]! ^= 1;
      assert.equal(check(c, a, { secretBlock: block.toString('base64') }), false);
      assert.equal(check(c, a), true);
    });

    test('a timestamp 10 minutes off is refused, 4 minutes is not', async () => {
      const c = issue(alice, 'alice');
      const a = await (await makeClient(POOL)).answer(c, PASSWORD);
      assert.equal(check(c, a, { now: Date.now() + 10 * MINUTE }), false);
      assert.equal(check(c, a, { now: Date.now() - 10 * MINUTE }), false);
      assert.equal(check(c, a, { now: Date.now() + 4 * MINUTE }), true);
      assert.equal(check(c, a, { now: Date.now() + 4 * MINUTE, maxSkewMs: 2 * MINUTE }), false);
    });

    test('the signature of another user is refused', async () => {
      const bob = makeVerifier(POOL, 'bob', PASSWORD); // the same password
      const c = issue(alice, 'alice');
      const a = await (await makeClient(POOL)).answer(c, PASSWORD);
      assert.equal(check(c, a, { userIdForSrp: 'bob', verifier: bob }), false); // alice's proof presented as bob's
      assert.equal(check(c, a, { userIdForSrp: 'bob' }), false); // the message names the user too
      assert.equal(check(c, a, { verifier: bob }), false);
      assert.equal(check(c, a), true);
    });

    test('another pool\'s proof is refused', async () => {
      const c = issue(alice, 'alice');
      const a = await (await makeClient('Other1')).answer(c, PASSWORD);
      assert.equal(check(c, a), false);
    });

    test('padding edges: a salt and a u starting with a 00 byte, a u with its top bit set', async () => {
      let v = makeVerifier(POOL, 'alice', PASSWORD);
      while (!v.salt.startsWith('00')) v = makeVerifier(POOL, 'alice', PASSWORD); // 1 in 256
      const uHex = (A: string, B: string) => createHash('sha256').update(Buffer.from(padHex(BigInt(`0x${A}`)) + padHex(BigInt(`0x${B}`)), 'hex')).digest('hex');
      for (const wanted of [/^00/, /^[89a-f]/]) {
        const client = await makeClient(POOL);
        let c = issue(v, 'alice');
        while (!wanted.test(uHex(client.A, c.SRP_B))) c = issue(v, 'alice');
        assert.equal(check(c, await client.answer(c, PASSWORD)), true, String(wanted));
      }
    });

    test('a proof answers its own challenge only (another B, another b)', async () => {
      const client = await makeClient(POOL);
      const c1 = issue(alice, 'alice');
      const c2 = issue(alice, 'alice');
      const a = await client.answer(c1, PASSWORD);
      assert.equal(check(c2, a), false);
      assert.equal(check({ ...c2, SECRET_BLOCK: c1.SECRET_BLOCK }, a), false);
      assert.equal(check(c1, a), true);
    });
  });
}

describe('A = 0 (mod N) and other degenerate A', () => {
  const v = makeVerifier(POOL, 'alice', PASSWORD);
  // What an attacker knows for A ≡ 0 without the password: S = 0, so K and the signature.
  function forged(c: Issued, A: string): Answer {
    const u = BigInt(`0x${createHash('sha256').update(Buffer.from(padHex(BigInt(`0x${A}`)) + padHex(BigInt(`0x${c.SRP_B}`)), 'hex')).digest('hex')}`);
    const key = Buffer.from(hkdfSync('sha256', Buffer.from(padHex(0n), 'hex'), Buffer.from(padHex(u), 'hex'), 'Caldera Derived Key', 16));
    const timestamp = srpTimestamp(Date.now());
    const signature = createHmac('sha256', key).update(POOL).update('alice').update(Buffer.from(c.SECRET_BLOCK, 'base64')).update(timestamp).digest('base64');
    return { A, timestamp, signature };
  }

  for (const [label, A] of [['0', 0n], ['N', N], ['2N', 2n * N], ['1', 1n], ['N − 1', N - 1n], ['N + 2', N + 2n]] as const) {
    test(`A = ${label} is refused`, () => {
      const hex = A.toString(16);
      assert.equal(isValidA(hex), false);
      const c = issue(v, 'alice');
      assert.equal(check(c, forged(c, hex)), false);
    });
  }

  test('isValidA takes a client\'s A and hex only', async () => {
    assert.equal(isValidA(v5Client(POOL).A), true);
    assert.equal(isValidA((await amplifyClient(POOL)).A), true);
    assert.equal(isValidA('2'), true);
    assert.equal(isValidA((N - 2n).toString(16).toUpperCase()), true);
    for (const bad of ['', 'xyz', '-5', '0x10', ' 12', '1'.repeat(1025)]) assert.equal(isValidA(bad), false, bad);
  });
});

describe('bad input is false, never a throw', () => {
  test('malformed fields', async () => {
    const v = makeVerifier(POOL, 'alice', PASSWORD);
    const c = issue(v, 'alice');
    const a = await v5Client(POOL).answer(c, PASSWORD);
    assert.equal(check(c, a), true); // each case below breaks one field of this good claim
    const cases: Partial<Parameters<typeof verifyPasswordClaim>[0]>[] = [
      { A: 'not hex' }, { b: '' }, { b: 'zz' }, { B: '' }, { B: '0' }, { B: N.toString(16) }, { B: (N + 5n).toString(16) },
      { verifier: { salt: v.salt, verifier: '' } }, { verifier: { salt: v.salt, verifier: '0' } }, { verifier: { salt: v.salt, verifier: '1' } },
      { verifier: { salt: v.salt, verifier: (N - 1n).toString(16) } }, { verifier: null as unknown as SrpVerifier },
      { secretBlock: '!!!!' }, { secretBlock: c.SECRET_BLOCK.slice(1) }, { secretBlock: c.SECRET_BLOCK.replace(/=+$/, '') },
      { signature: '' }, { signature: a.signature.slice(0, -4) }, { signature: `${a.signature} ` },
      { timestamp: '' }, { timestamp: 'yesterday' }, { timestamp: new Date().toUTCString() }, { timestamp: a.timestamp.replace('UTC', 'GMT') },
      { now: Number.NaN }, { maxSkewMs: Number.NaN },
    ];
    for (const over of cases) assert.equal(check(c, a, over), false, JSON.stringify(over));
  });
});

describe('timestamps', () => {
  test('written and read as the clients write them', () => {
    const at = Date.UTC(2026, 1, 3, 9, 5, 7);
    assert.equal(srpTimestamp(at), 'Tue Feb 3 09:05:07 UTC 2026');
    assert.equal(parseSrpTimestamp('Tue Feb 3 09:05:07 UTC 2026'), at);
    assert.equal(parseSrpTimestamp('Sat Dec 31 23:59:59 UTC 2022'), Date.UTC(2022, 11, 31, 23, 59, 59));
    for (const bad of [
      'Tue Feb 03 09:05:07 UTC 2026', // zero-padded day: refused by Cognito too
      'Wed Feb 3 09:05:07 UTC 2026', // wrong weekday: refused by Cognito too
      'Tue Feb 3 9:05:07 UTC 2026', 'Tue Feb 3 09:05:07 GMT 2026', 'Sun Feb 30 09:05:07 UTC 2026', 'Tue Feb 3 24:05:07 UTC 2026',
      'Tue feb 3 09:05:07 UTC 2026', 'Tue Feb 3 09:05:07 UTC 2026 ', 'Tue,Feb 3 09:05:07 UTC 2026',
    ]) assert.equal(parseSrpTimestamp(bad), null, bad);
  });

  test('the clients\' own clocks strings parse to now', () => {
    for (const s of [new V5DateHelper().getNowString(), amplifySrp.getNowString()]) {
      const at = parseSrpTimestamp(s);
      assert.ok(at !== null && Math.abs(at - Date.now()) < MINUTE, s);
    }
  });
});

describe('verifiers', () => {
  test('two verifiers of one password differ (salt), each proves it; another user\'s differs', async () => {
    const v1 = makeVerifier(POOL, 'alice', PASSWORD);
    const v2 = makeVerifier(POOL, 'alice', PASSWORD);
    const bob = makeVerifier(POOL, 'bob', PASSWORD);
    assert.match(v1.salt, /^[0-9a-f]{32}$/);
    assert.notEqual(v1.salt, v2.salt);
    assert.notEqual(v1.verifier, v2.verifier);
    assert.notEqual(v1.verifier, bob.verifier);
    for (const v of [v1, v2]) {
      const c = issue(v, 'alice');
      assert.equal(check(c, await v5Client(POOL).answer(c, PASSWORD)), true);
    }
    const c = issue(bob, 'alice');
    assert.equal(check(c, await v5Client(POOL).answer(c, PASSWORD)), false);
  });

  test('a verifier the client made (its device verifier: the same formula) proves its password', async () => {
    // DEVICE_SRP_AUTH's verifier: x over deviceGroupKey ‖ deviceKey ‖ ":" ‖ random password.
    const helper = new V5AuthenticationHelper('unused');
    await new Promise<void>((resolve, reject) => helper.generateHashDevice('group-1', 'device-1', (err) => (err ? reject(err) : resolve())));
    const v = { salt: helper.getSaltDevices(), verifier: helper.getVerifierDevices() };
    const c = issue(v, 'device-1', 'group-1');
    assert.equal(check(c, await v5Client('group-1').answer(c, helper.getRandomPassword())), true);
    assert.equal(check(c, await v5Client('group-1').answer(c, 'guess')), false);
  });

  test('fakeVerifier is stable for the same key, pool and name, and differs otherwise', async () => {
    const key = randomBytes(32);
    const f = fakeVerifier(key, POOL, 'ghost');
    assert.deepEqual(fakeVerifier(key, POOL, 'ghost'), f);
    assert.match(f.salt, /^[0-9a-f]{32}$/);
    assert.equal(isValidA(f.verifier), true); // a group element in range, as a real verifier is
    const others = [fakeVerifier(randomBytes(32), POOL, 'ghost'), fakeVerifier(key, 'Other1', 'ghost'), fakeVerifier(key, POOL, 'ghost2'),
      fakeVerifier(key, `${POOL}g`, 'host'), fakeVerifier(key, POOL, 'Ghost')];
    for (const o of others) {
      assert.notEqual(o.salt, f.salt);
      assert.notEqual(o.verifier, f.verifier);
    }
    // A challenge against it runs like any other and fails for a guess.
    const c = issue(f, 'ghost');
    assert.equal(check(c, await v5Client(POOL).answer(c, PASSWORD)), false);
  });

  test('SALT and SRP_B are unpadded lowercase hex, as Cognito sends them', () => {
    const c = issue(makeVerifier(POOL, 'alice', PASSWORD), 'alice');
    assert.match(c.SRP_B, /^[1-9a-f][0-9a-f]*$/);
    assert.ok(BigInt(`0x${c.SRP_B}`) < N);
    assert.match(c.SALT, /^[0-9a-f]{32}$/);
  });
});

describe('the whole sign-in of amazon-cognito-identity-js\'s CognitoUser', () => {
  // A stand-in for Cognito's InitiateAuth / RespondToAuthChallenge over the client's own transport
  // hook, answering with this module. Users: alice (email alias alice@example.com), USER_ID_FOR_SRP her username.
  const users = new Map([['alice', { userIdForSrp: 'alice', verifier: makeVerifier(POOL, 'alice', PASSWORD) }]]);
  users.set('alice@example.com', users.get('alice')!);
  const fakeKey = randomBytes(32);
  const jwt = (claims: object) => ['{"alg":"none"}', JSON.stringify(claims), ''].map((s) => Buffer.from(s).toString('base64url')).join('.');

  function stand(o: { clockMs?: number; tamper?: (r: Record<string, string>) => void } = {}) {
    const sessions = new Map<string, Issued & { A: string }>();
    const seen: { challenge?: Record<string, string>; responses?: Record<string, string> } = {};
    const request = (op: string, params: Record<string, unknown>, cb: (err: unknown, data?: unknown) => void): void => {
      if (op === 'InitiateAuth') {
        const p = params.AuthParameters as Record<string, string>;
        assert.equal(params.AuthFlow, 'USER_SRP_AUTH');
        assert.equal(isValidA(p.SRP_A!), true);
        const user = users.get(p.USERNAME!);
        const c = issue(user?.verifier ?? fakeVerifier(fakeKey, POOL, p.USERNAME!), user?.userIdForSrp ?? p.USERNAME!);
        const session = randomBytes(16).toString('hex');
        sessions.set(session, { ...c, A: p.SRP_A! });
        seen.challenge = { SALT: c.SALT, SRP_B: c.SRP_B, SECRET_BLOCK: c.SECRET_BLOCK, USERNAME: c.USER_ID_FOR_SRP, USER_ID_FOR_SRP: c.USER_ID_FOR_SRP };
        return cb(null, { ChallengeName: 'PASSWORD_VERIFIER', Session: session, ChallengeParameters: seen.challenge });
      }
      assert.equal(op, 'RespondToAuthChallenge');
      assert.equal(params.ChallengeName, 'PASSWORD_VERIFIER');
      const c = sessions.get(params.Session as string)!;
      const r = { ...(params.ChallengeResponses as Record<string, string>) };
      seen.responses = { ...r };
      o.tamper?.(r);
      const ok = r.USERNAME === c.USER_ID_FOR_SRP && verifyPasswordClaim({
        poolName: POOL, userIdForSrp: c.USER_ID_FOR_SRP, verifier: c.verifier, A: c.A, b: c.b, B: c.SRP_B,
        secretBlock: r.PASSWORD_CLAIM_SECRET_BLOCK!, timestamp: r.TIMESTAMP!, signature: r.PASSWORD_CLAIM_SIGNATURE!, now: Date.now() + (o.clockMs ?? 0),
      });
      if (!ok) return cb({ code: 'NotAuthorizedException', name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
      const exp = Math.floor(Date.now() / 1000) + 3600;
      return cb(null, { AuthenticationResult: { IdToken: jwt({ sub: c.USER_ID_FOR_SRP, exp }), AccessToken: jwt({ username: c.USER_ID_FOR_SRP, exp }), RefreshToken: 'r', ExpiresIn: 3600, TokenType: 'Bearer' } });
    };
    return { request, seen };
  }

  function signIn(name: string, password: string, s: ReturnType<typeof stand>): Promise<string> {
    const pool = new CognitoUserPool({ UserPoolId: POOL_ID, ClientId: 'client1' });
    const user = new CognitoUser({ Username: name, Pool: pool });
    (user as unknown as { client: { request: typeof s.request } }).client = { request: s.request };
    return new Promise((resolve) => user.authenticateUser(new AuthenticationDetails({ Username: name, Password: password }), {
      onSuccess: (session) => resolve(`signed in as ${session.getIdToken().payload.sub}`),
      onFailure: (err: { code?: string }) => resolve(err.code ?? String(err)),
    }));
  }

  test('the right password signs in, by username and by alias (the client signs for USER_ID_FOR_SRP)', async () => {
    const s = stand();
    assert.equal(await signIn('alice', PASSWORD, s), 'signed in as alice');
    assert.equal(await signIn('alice@example.com', PASSWORD, s), 'signed in as alice');
    assert.equal(s.seen.responses?.USERNAME, 'alice');
    assert.equal(s.seen.responses?.PASSWORD_CLAIM_SECRET_BLOCK, s.seen.challenge?.SECRET_BLOCK);
    assert.deepEqual(Object.keys(s.seen.responses ?? {}).sort(), ['PASSWORD_CLAIM_SECRET_BLOCK', 'PASSWORD_CLAIM_SIGNATURE', 'TIMESTAMP', 'USERNAME']);
  });

  test('a wrong password, an unknown user, a tampered block or signature, a skewed clock are refused', async () => {
    assert.equal(await signIn('alice', 'wrong', stand()), 'NotAuthorizedException');
    assert.equal(await signIn('ghost', PASSWORD, stand()), 'NotAuthorizedException');
    assert.equal(await signIn('alice', PASSWORD, stand({ tamper: (r) => void (r.PASSWORD_CLAIM_SECRET_BLOCK = randomBytes(64).toString('base64')) })), 'NotAuthorizedException');
    assert.equal(await signIn('alice', PASSWORD, stand({ tamper: (r) => void (r.PASSWORD_CLAIM_SIGNATURE = randomBytes(32).toString('base64')) })), 'NotAuthorizedException');
    assert.equal(await signIn('alice', PASSWORD, stand({ clockMs: 10 * MINUTE })), 'NotAuthorizedException');
    assert.equal(await signIn('alice', PASSWORD, stand({ clockMs: -10 * MINUTE })), 'NotAuthorizedException');
    assert.equal(await signIn('alice', PASSWORD, stand()), 'signed in as alice'); // the same stand-in, untampered
  });
});

test('what srp.ts relies on in Node: computeSecret is base^key mod N, zero-padded, for a base in [2, N−2] only', () => {
  const prime = getDiffieHellman('modp15').getPrime();
  const dh = createDiffieHellman(prime, Buffer.from([2]));
  dh.setPrivateKey(Buffer.from([3]));
  const bytes = (n: bigint) => Buffer.from(padHex(n), 'hex');
  const value = (b: Buffer) => BigInt(`0x${b.toString('hex')}`);
  const secret = dh.computeSecret(bytes(5n));
  assert.equal(secret.length, 384);
  assert.equal(value(secret), 125n);
  assert.equal(value(dh.computeSecret(bytes(N - 2n))), (N - 2n) ** 3n % N);
  for (const base of [0n, 1n, N - 1n, N, N + 1n]) assert.throws(() => dh.computeSecret(bytes(base)), { code: 'ERR_CRYPTO_INVALID_KEYLEN' });
});
