// Starts and stops a FerretDB of the test's own (the binary scripts/ferretdb.sh builds), for tests
// that take MongoDB away from a running broker and bring it back.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

export const FERRETDB_BIN = process.env.FERRETDB_BIN ?? '.ferretdb/bin/ferretdb';
const PG_URL = process.env.FERRETDB_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/ferretdb_broker';

export const ferretdbAvailable = () => existsSync(FERRETDB_BIN);

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  return port;
}

async function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

export async function startFerretdb(port: number, stateDir: string): Promise<{ stop(): Promise<void> }> {
  const proc: ChildProcess = spawn(FERRETDB_BIN, [
    '--handler=postgresql', `--postgresql-url=${PG_URL}`, `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-', '--telemetry=disable', `--state-dir=${stateDir}`, '--log-level=ERROR',
  ], { stdio: 'ignore' });
  const exited = once(proc, 'exit');
  let failed = false;
  proc.once('error', () => (failed = true));
  // Until it accepts connections, or exits: what it does, not how long it takes.
  while (!(await accepting(port))) {
    if (proc.exitCode !== null || failed) throw new Error('FerretDB exited at start');
    await new Promise((r) => setTimeout(r, 50)); // a pause between tries, not a limit
  }
  return {
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
