// One SRP math thread (srp-math.ts starts them): runs srp.ts's exponentiating functions for the event
// loop. It makes its OpenSSL engine at once, so the prime check (about 1.5 s) is paid here, not by a caller.
import { parentPort } from 'node:worker_threads';
import { fakeVerifier, makeVerifier, serverChallenge, verifyPasswordClaim, warmUp } from './srp.js';

const OPS = { fakeVerifier, makeVerifier, serverChallenge, verifyPasswordClaim } as const;
export type SrpOp = keyof typeof OPS;

warmUp();
parentPort!.on('message', ({ id, op, args }: { id: number; op: SrpOp; args: unknown[] }) => {
  try {
    const result = (OPS[op] as (...a: unknown[]) => unknown)(...args);
    parentPort!.postMessage({ id, result });
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message });
  }
});
