// The SRP exponentiations off the event loop. Each is about 0.7 ms of OpenSSL, synchronous, and a
// sign-in needs three (a sign-up one): on the event loop they would hold every other request. They
// run in a few worker threads instead (one fewer than the cores, at least one, at most four), each
// taking the next call from one queue; the functions are srp.ts's, unchanged.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type * as srp from './srp.js';
import type { SrpOp } from './srp-worker.js';

type Fn<K extends SrpOp> = (typeof srp)[K];
interface Call { id: number; op: SrpOp; args: unknown[]; resolve(v: unknown): void; reject(e: Error): void }

const THREADS = Math.max(1, Math.min(4, availableParallelism() - 1));
// Run from source (tsx: tests, benches) or built (dist/…/*.js): the worker is the sibling file of the same kind.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './srp-worker.ts' : './srp-worker.js', import.meta.url);

class SrpThreads {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Call>();
  private readonly queue: Call[] = [];
  private started = 0;
  private next = 0;

  run<K extends SrpOp>(op: K, ...args: Parameters<Fn<K>>): Promise<ReturnType<Fn<K>>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.next, op, args, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Starts the threads now (their engines take about 1.5 s to make), so the first sign-in does not wait. */
  warm(): void {
    while (this.started < THREADS) this.idle.push(this.spawn());
  }

  private dispatch(): void {
    while (this.queue.length) {
      const worker = this.idle.pop() ?? (this.started < THREADS ? this.spawn() : undefined);
      if (!worker) return;
      const call = this.queue.shift()!;
      this.busy.set(worker, call);
      worker.ref(); // a call in flight keeps the process alive; an idle thread does not
      worker.postMessage({ id: call.id, op: call.op, args: call.args });
    }
  }

  private spawn(): Worker {
    this.started++;
    const worker = new Worker(WORKER_URL);
    worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const call = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      worker.unref();
      if (call) {
        if (m.error !== undefined) call.reject(new Error(m.error));
        else call.resolve(m.result);
      }
      this.dispatch();
    });
    // A thread that dies fails its call; the next call starts another.
    let dead = false;
    const lost = (err: Error) => {
      if (dead) return;
      dead = true;
      const call = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.started--;
      call?.reject(err);
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`SRP thread exited (${code})`)));
    worker.unref(); // idle, never what keeps a stopping process alive (after the listeners: adding one refs it again)
    return worker;
  }
}

const threads = new SrpThreads();

/** srp.ts's exponentiating functions, answered by the SRP threads. */
export const srpMath = {
  makeVerifier: (...a: Parameters<Fn<'makeVerifier'>>) => threads.run('makeVerifier', ...a),
  fakeVerifier: (...a: Parameters<Fn<'fakeVerifier'>>) => threads.run('fakeVerifier', ...a),
  serverChallenge: (...a: Parameters<Fn<'serverChallenge'>>) => threads.run('serverChallenge', ...a),
  verifyPasswordClaim: (...a: Parameters<Fn<'verifyPasswordClaim'>>) => threads.run('verifyPasswordClaim', ...a),
  warm: () => threads.warm(),
};
