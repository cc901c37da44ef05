// USER_SRP_AUTH's server-side cost (src/native/srp.ts), one at a time on one core (the exponentiations
// are synchronous OpenSSL calls on the event loop): makeVerifier, serverChallenge, verifyPasswordClaim,
// beside the machine's limit measured in the same run, a bare g^e mod N (256-bit e, as ours) through
// createDiffieHellman. Also the one-time cost of the first call (the DiffieHellman object's prime check)
// and, for scale, what the client (amazon-cognito-identity-js, pure JS) spends on its side.
// The figures are measured in turn, ROUNDS times, and each keeps its best round (the machine may be shared).
//   node --import tsx bench/srp.ts      (BENCH_SECONDS=1 per figure per round, BENCH_ROUNDS=3)
import { createDiffieHellman, createHmac, getDiffieHellman, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { makeVerifier, serverChallenge, srpPoolName, verifyPasswordClaim } from '../src/native/srp.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/** Calls a second of `f`, run back to back for SECONDS. */
function rate(f: () => unknown): number {
  let n = 0;
  const t = process.hrtime.bigint();
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    f();
    n++;
  }
  return n / (ms(t) / 1000);
}

const line = (label: string, perSecond: number, note = '') =>
  console.log(`  ${label.padEnd(52)}${perSecond.toFixed(0).padStart(7)}/s ${(1000 / perSecond).toFixed(3).padStart(8)} ms each${note ? `   ${note}` : ''}`);

interface JsbnInteger { toString(radix: number): string }
interface V5Helper {
  getLargeAValue(cb: (err: unknown, A: JsbnInteger) => void): void;
  getPasswordAuthenticationKey(username: string, password: string, B: JsbnInteger, salt: JsbnInteger, cb: (err: unknown, key: Buffer) => void): void;
}

function main(): void {
  const poolName = srpPoolName('local_Main1');
  const password = 'correct horse battery staple';

  let t = process.hrtime.bigint();
  const verifier = makeVerifier(poolName, 'alice', password);
  const first = ms(t);

  // The machine's limit: one modular exponentiation, 3072-bit modulus, 256-bit exponent.
  const dh = createDiffieHellman(getDiffieHellman('modp15').getPrime(), Buffer.from([2]));
  const two = Buffer.from([2]);

  // A real claim, made once by the client; verifying a wrong one costs the same.
  const require = createRequire(import.meta.url);
  const Helper = (require('amazon-cognito-identity-js/lib/AuthenticationHelper.js') as { default: new (p: string) => V5Helper }).default;
  const BigInteger = (require('amazon-cognito-identity-js/lib/BigInteger.js') as { default: new (h: string, r: number) => JsbnInteger }).default;
  const DateHelper = (require('amazon-cognito-identity-js/lib/DateHelper.js') as { default: new () => { getNowString(): string } }).default;
  t = process.hrtime.bigint();
  const helper = new Helper(poolName);
  let A = '';
  helper.getLargeAValue((_err, a) => void (A = a.toString(16)));
  const clientA = ms(t);
  const { b, B } = serverChallenge(verifier);
  const secretBlock = randomBytes(64).toString('base64');
  let key: Buffer | undefined;
  t = process.hrtime.bigint();
  helper.getPasswordAuthenticationKey('alice', password, new BigInteger(B, 16), new BigInteger(verifier.salt, 16), (_err, k) => void (key = k));
  const clientKey = ms(t);
  if (!key) throw new Error('the client gave no key synchronously');
  const timestamp = new DateHelper().getNowString();
  const signature = createHmac('sha256', key).update(poolName).update('alice').update(Buffer.from(secretBlock, 'base64')).update(timestamp).digest('base64');
  const claim = { poolName, userIdForSrp: 'alice', verifier, A, b, B, secretBlock, timestamp, signature, now: Date.now() };
  if (!verifyPasswordClaim(claim)) throw new Error('the client\'s claim was refused');
  const wrong = { ...claim, signature: randomBytes(32).toString('base64') };

  const figures: Record<string, () => unknown> = {
    rawSecret: () => {
      dh.setPrivateKey(randomBytes(32));
      return dh.computeSecret(two);
    },
    rawGenerate: () => {
      dh.setPrivateKey(randomBytes(32));
      return dh.generateKeys();
    },
    makeVerifier: () => makeVerifier(poolName, 'alice', password),
    serverChallenge: () => serverChallenge(verifier),
    verifyRight: () => verifyPasswordClaim(claim),
    verifyWrong: () => verifyPasswordClaim(wrong),
  };
  const best: Record<string, number> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of Object.entries(figures)) best[name] = Math.max(best[name] ?? 0, rate(f));
  }
  const raw = best.rawSecret!;
  const [mk, ch, ok, bad] = [best.makeVerifier!, best.serverChallenge!, best.verifyRight!, best.verifyWrong!];

  console.log(`srp (3072-bit group, 256-bit exponents), one core, one at a time, best of ${ROUNDS} rounds of ${SECONDS} s, Node ${process.versions.node}, OpenSSL ${process.versions.openssl}`);
  console.log(`  ${'first call (creates the DiffieHellman object)'.padEnd(52)}${first.toFixed(0).padStart(7)} ms once`);
  line('machine: g^e mod N (setPrivateKey + computeSecret)', raw);
  line('machine: g^e mod N (setPrivateKey + generateKeys)', best.rawGenerate!);
  line('makeVerifier', mk, `${(mk / raw * 100).toFixed(0)}% of the machine's rate (one exponentiation)`);
  line('serverChallenge', ch, `${(ch / raw * 100).toFixed(0)}%`);
  line('verifyPasswordClaim (right signature)', ok, `${(ok / raw * 100).toFixed(0)}% (two exponentiations)`);
  line('verifyPasswordClaim (wrong signature)', bad, `${(bad / raw * 100).toFixed(0)}%`);
  console.log(`  client side, amazon-cognito-identity-js (pure JS), once: A ${clientA.toFixed(0)} ms, key ${clientKey.toFixed(0)} ms`);
}

main();
