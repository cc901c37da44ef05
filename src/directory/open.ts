// Choosing and opening the store: MongoDB when MONGODB_URI is set (retrying with backoff until it
// answers), the embedded SQLite file in DATA_DIR otherwise.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { withConfigCache } from './config-cache.js';
import { openSqliteStore } from './sqlite/index.js';
import type { Store } from './store.js';

export interface OpenOptions {
  dataDir: string;
  mongodbUri?: string | undefined;
  log: Logger;
  /** Stops the retries (shutdown while MongoDB is still unreachable). */
  signal?: AbortSignal;
}

export async function openStore(o: OpenOptions): Promise<Store> {
  if (!o.mongodbUri) {
    mkdirSync(o.dataDir, { recursive: true });
    const file = join(o.dataDir, 'broker.sqlite');
    o.log.info({ store: 'sqlite', file }, 'store opened');
    return withConfigCache(openSqliteStore({ file }));
  }
  const uri = o.mongodbUri;
  // Loaded only when used: mongoose is a large part of an idle broker's memory.
  const { openMongoStore } = await import('./mongo/index.js');
  for (let attempt = 1, delay = 500; ; attempt++, delay = Math.min(delay * 2, 30_000)) {
    try {
      const store = await openMongoStore({ uri });
      o.log.info({ store: 'mongo', host: redactUri(uri) }, 'store opened');
      return withConfigCache(store);
    } catch (err) {
      if (o.signal?.aborted) throw err;
      o.log.warn({ store: 'mongo', host: redactUri(uri), attempt, retryInMs: delay, reason: reasonOf(err) }, 'MongoDB unreachable; retrying');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        o.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      if (o.signal?.aborted) throw new Error('shut down while waiting for MongoDB');
    }
  }
}

/** The URI without credentials, for logs. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** The underlying driver message (StoreUnavailable wraps it), for operators reading the log. */
function reasonOf(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return e.cause?.message ?? e.message ?? String(err);
}
