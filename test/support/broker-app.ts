// Runs the whole broker in this process (settings, store, config apply, HTTP server on 127.0.0.1) on a
// fresh SQLite directory, exactly as main.ts does, for flow tests over HTTP.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { start, type Running } from '../../src/main.js';
import { loadSettings } from '../../src/settings.js';
import { freePort } from './ferretdb.js';
import { writeFileSync } from 'node:fs';

export interface TestBroker extends Running {
  dataDir: string;
  issuer(poolId: string): string;
  /** The last message the broker sent to `to` (from DATA_DIR/outbox.jsonl). */
  lastMessage(to: string): { subject: string; body: string; channel: string } | undefined;
  /** How many messages went to `to` so far (pass it to lastCode to wait for the next one). */
  messageCount(to: string): number;
  /** The 6-digit code in the last message to `to` (waits a moment: messages are sent in the background). */
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
  });
  // Warnings and errors are kept (a test can prove what was, or was not, logged); TEST_LOG_LEVEL shows them.
  const lines: string[] = [];
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }, {
    write: (line: string) => {
      lines.push(line);
      if (process.env.TEST_LOG_LEVEL) process.stderr.write(line);
    },
  });
  const running = await start(settings, log, options);
  const messages = () => {
    try {
      return readFileSync(join(dataDir, 'outbox.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { to: string; subject: string; body: string; channel: string });
    } catch {
      return [];
    }
  };
  const lastMessage = (to: string) => messages().filter((m) => m.to === to).at(-1);
  return {
    ...running,
    dataDir,
    issuer: (poolId) => `${running.url}/${poolId}`,
    lastMessage,
    lastCode: async (to, after = 0) => {
      for (let waited = 0; waited < 5000; waited += 20) {
        const all = messages().filter((m) => m.to === to);
        const code = all.length > after ? /\b(\d{6})\b/.exec(all.at(-1)!.body)?.[1] : undefined;
        if (code) return code;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no code was sent to ${to}`);
    },
    logs: () => lines,
    messageCount: (to) => messages().filter((m) => m.to === to).length,
    close: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
