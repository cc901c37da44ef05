// Password hashing gets its own bounded concurrency and queue. argon2 runs on libuv's small thread pool,
// which token signing (jose → node:crypto) also uses: unbounded, a flood of password guesses queues
// there and every refresh grant and JWKS answer waits behind it. Here at most `concurrency` hashes run
// at once, at most `maxQueued` more wait, and anything beyond is refused at once
// (TooManyRequestsException), so the other work keeps its threads and its speed.
import { availableParallelism } from 'node:os';
import { TooManyRequestsException } from './errors.js';

export class HashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxQueued: number,
  ) {}

  /** True when new work would be refused now: callers check it before counting an attempt. */
  get full(): boolean {
    return this.running >= this.concurrency && this.waiting.length >= this.maxQueued;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new TooManyRequestsException();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else this.running--;
    }
  }
}

/**
 * One hash at a time per core but one (at least one), so a core stays free for the event loop and
 * token signing, and never more than libuv's pool minus two threads (UV_THREADPOOL_SIZE, 4 by
 * default), which stay free for signing; a queue of about a quarter of a second of hashing (~20 ms
 * each) per running hash. Measured with `npm run bench:flood` (docs/performance.md).
 */
const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE) || 4;
export const DEFAULT_HASH_CONCURRENCY = Math.max(1, Math.min(availableParallelism() - 1, POOL_THREADS - 2));
export const DEFAULT_HASH_QUEUE = 12 * DEFAULT_HASH_CONCURRENCY;
