// A real SQLite store in a temp dir, a pool, Delivery writing to the outbox file, Accounts on a settable
// clock, and every log line captured (to prove codes and passwords never reach it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Delivery, outboxFileTransport } from '../../src/delivery/index.js';
import { BrokerError } from '../../src/shared/errors.js';
import { poolSchema } from '../../src/directory/schema.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';
import type { Pool } from '../../src/directory/types.js';
import { Accounts } from '../../src/native/index.js';
import { codeIn, readOutbox, type OutboxLine } from '../support/outbox.js';

export const CTX = { clientId: 'client1', ip: '192.0.2.1' };
export const GOOD = 'correct horse battery staple';


export async function harness(settings: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'broker-native-'));
  const file = join(dir, 'broker.sqlite');
  const store = openSqliteStore({ file });
  const parsed = poolSchema.parse({ Id: 'local_Native1', PoolName: 'Native', ...settings });
  const pool: Pool = await store.pools.putPool({ id: parsed.Id, settings: parsed });
  const logs: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) });
  const delivery = new Delivery({ store, transport: outboxFileTransport(dir), log });
  let t = Date.now();
  const accounts = new Accounts({ store, delivery, log, now: () => t });

  const outbox = async (): Promise<OutboxLine[]> => {
    await delivery.flush();
    return readOutbox(dir);
  };
  return {
    dir, file, store, pool, logs, log, delivery, accounts,
    advance: (ms: number) => void (t += ms),
    now: () => t,
    outbox,
    /** The code in the last message to `to`. */
    async lastCode(to: string): Promise<string> {
      const m = (await outbox()).filter((l) => l.to === to).at(-1);
      assert.ok(m, `no message to ${to}`);
      const code = codeIn(m.body);
      assert.ok(code, `no code in the last message to ${to}`);
      return code;
    },
    async cleanup() {
      await delivery.flush();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof harness>>;

/** Asserts a rejection with that Cognito code (and message, when given). */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<BrokerError> {
  let caught: unknown;
  await assert.rejects(p, (e: unknown) => ((caught = e), true));
  assert.ok(caught instanceof BrokerError, `expected a BrokerError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

/** Signs up and confirms a user with an email. */
export async function confirmedUser(h: Harness, username: string, email: string, password = GOOD) {
  await h.accounts.signUp(h.pool, { clientId: CTX.clientId, username, password, attributes: { email } });
  return h.accounts.confirmSignUp(h.pool, username, await h.lastCode(email));
}
