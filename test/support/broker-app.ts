// Runs the whole broker in this process (settings, store, config apply, HTTP server on 127.0.0.1) on a
// fresh SQLite directory, exactly as main.ts does, for flow tests over HTTP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { start, type Running } from '../../src/main.js';
import { loadSettings } from '../../src/settings.js';
import { freePort } from './ferretdb.js';
import { codeIn, readOutbox } from './outbox.js';
import { writeFileSync } from 'node:fs';

export interface TestBroker extends Running {
  dataDir: string;
  issuer(poolId: string): string;
  /** The last message the broker sent to `to` (from DATA_DIR/outbox.jsonl). */
  lastMessage(to: string): { subject: string; body: string; channel: string } | undefined;
  /** The last message to `to`, once there are more than `after` (waiting for the background send, failing once none is pending). */
  nextMessage(to: string, after?: number): Promise<{ subject: string; body: string; channel: string }>;
  /** How many messages went to `to` so far (pass it to lastCode to wait for the next one). */
  messageCount(to: string): number;
  /**
   * The 6-digit code in the last message to `to`, past the first `after` (messages are sent in the
   * background: it waits while the broker holds one for `to` unsent, and fails once it holds none).
   */
  lastCode(to: string, after?: number): Promise<string>;
  close(): Promise<void>;
  /** The broker's log lines so far (warn and above, unless TEST_LOG_LEVEL says otherwise). */
  logs(): string[];
}

export async function startTestBroker(configYaml: string, env: Record<string, string> = {}, options: Parameters<typeof start>[2] = {}): Promise<TestBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'broker-flow-'));
  const configFile = join(dataDir, 'broker.yaml');
  writeFileSync(configFile, configYaml);
  const port = await freePort();
  const settings = loadSettings({
    PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: dataDir, BROKER_CONFIG: configFile,
    BROKER_KEY_SECRET: 'test-broker-key-secret-0123456789', ADMIN_ACCESS_KEY_ID: 'BRKRTESTTESTTESTTEST', ADMIN_SECRET_ACCESS_KEY: 'test-admin-secret-0123456789', ...env,
    // `{port}` in a PUBLIC_URL given (e.g. http://localhost:{port}, for WebAuthn, which takes no IP address) is the port chosen here.
    ...(env.PUBLIC_URL ? { PUBLIC_URL: env.PUBLIC_URL.replace('{port}', String(port)) } : {}),
  });
  // Warnings and errors are kept (a test can prove what was, or was not, logged); TEST_LOG_LEVEL shows them.
  const lines: string[] = [];
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }, {
    write: (line: string) => {
      lines.push(line);
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(line);
    },
  });
  const running = await start(settings, log, { warmSrp: false, ...options }); // tests start the SRP threads at their first SRP call
  const messages = () => readOutbox(dataDir);
  const lastMessage = (to: string) => messages().filter((m) => m.to === to).at(-1);
  const nextMessage = async (to: string, after = 0) => {
    for (;;) {
      // Asked first: a message not pending now has been written to the file (read next), or was never made.
      const pending = (await running.store.outbox.listPending(10_000)).some((m) => m.to === to);
      const all = messages().filter((m) => m.to === to);
      if (all.length > after) return all.at(-1)!;
      if (!pending) throw new Error(`no message was sent to ${to}`);
      await new Promise((r) => setTimeout(r, 20)); // the background send: a pause between looks, not a limit
    }
  };
  return {
    ...running,
    dataDir,
    issuer: (poolId) => `${running.url}/${poolId}`,
    lastMessage,
    nextMessage,
    lastCode: async (to, after = 0) => {
      const code = codeIn((await nextMessage(to, after)).body);
      if (!code) throw new Error(`the last message to ${to} holds no code`);
      return code;
    },
    logs: () => lines,
    messageCount: (to) => messages().filter((m) => m.to === to).length,
    close: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
