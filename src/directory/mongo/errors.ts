// How MongoDB failures reach callers: unique-index violations are recognised here so each operation
// can answer its typed error, and connection-level failures become StoreUnavailable (HTTP 503).
import mongoose from 'mongoose';
import { DirectoryError, StoreUnavailable } from '../errors.js';

const { MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError } = mongoose.mongo;

/**
 * True for a unique-index violation. MongoDB answers 11000 (naming the index); FerretDB 1.24 answers
 * 11000 without the index name for inserts, and InternalError (code 1) carrying PostgreSQL's unique
 * violation for updates. So callers never rely on the index name: they look up what conflicts.
 */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code === 11000 || e?.code === 11001) return true;
  return typeof e?.message === 'string' && /duplicate key value violates unique constraint|SQLSTATE 23505/.test(e.message);
}

// Server answers that mean "not reachable right now" rather than "your request is wrong".
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436]);
const UNAVAILABLE_NAMES = new Set([
  'MongooseServerSelectionError', 'MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError',
  'MongoPoolClearedError', 'MongoPoolClosedError', 'MongoNotConnectedError', 'MongoTopologyClosedError',
  'MongoClientClosedError', 'MongoServerClosedError',
]);

export function isUnavailable(err: unknown): boolean {
  if (
    err instanceof MongoNetworkError || err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError || err instanceof MongoTopologyClosedError
  ) return true;
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof e?.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e?.code === 'number' && TRANSIENT_CODES.has(e.code)) return true;
  // mongoose's own message when a command is sent before (or after) the connection is up, and
  // FerretDB's InternalError when its PostgreSQL cannot be reached.
  return typeof e?.message === 'string' &&
    /Client must be connected|before initial connection is complete|connection .*closed|failed to connect|connection refused/i.test(e.message);
}

export function toStoreError(err: unknown): unknown {
  if (err instanceof DirectoryError) return err;
  if (isUnavailable(err)) return new StoreUnavailable(undefined, { cause: err });
  return err;
}

/** Wraps every method of a sub-store so that connection failures surface as StoreUnavailable. */
export function guarded<T extends object>(impl: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(impl)) {
    if (typeof value !== 'function') continue;
    out[name] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => Promise<unknown>).apply(impl, args);
      } catch (err) {
        throw toStoreError(err);
      }
    };
  }
  return out as T;
}

/** A short random pause before retrying a write that lost a race. */
export const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
