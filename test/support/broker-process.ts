// Runs the broker as a real process (as `npm start` does, through tsx) and waits for its
// `listening on <url>` line; collects its output for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface BrokerProcess {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnBroker(env: Record<string, string>): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  return { proc, output: () => out, exited };
}

/** Resolves when `pattern` appears in the output; rejects if the process exits first or after `ms`. */
export async function waitForOutput(p: { output: () => string; exited: Promise<number | null> }, pattern: RegExp, ms = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  let exited = false;
  void p.exited.then(() => (exited = true));
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if (exited) throw new Error(`broker exited before printing ${pattern}:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startBroker(env: Record<string, string>): Promise<BrokerProcess> {
  const p = spawnBroker(env);
  const m = await waitForOutput(p, /listening on (\S+)/);
  return {
    url: m[1]!,
    proc: p.proc,
    output: p.output,
    stop: async (signal = 'SIGTERM') => {
      if (p.proc.exitCode === null) p.proc.kill(signal);
      return p.exited;
    },
  };
}
