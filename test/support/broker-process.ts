// Runs the broker as a real process (as `npm start` does, through tsx) and waits for its
// `listening on <url>` line; collects its output for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface SpawnedBroker {
  proc: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
  /** Resolves when it prints more, or when its output has ended (it exited and the pipes are drained). */
  printed(): Promise<'more' | 'ended'>;
}

export interface BrokerProcess extends SpawnedBroker {
  url: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnBroker(env: Record<string, string>): SpawnedBroker {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let waiting: (() => void)[] = [];
  const wake = () => {
    const w = waiting;
    waiting = [];
    for (const f of w) f();
  };
  proc.stdout!.on('data', (d) => ((out += d), wake()));
  proc.stderr!.on('data', (d) => ((out += d), wake()));
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  // 'close' comes once the process has exited and its pipes are drained: nothing more will be printed.
  let ended = false;
  void once(proc, 'close').then(() => ((ended = true), wake()));
  const printed = () => (ended ? Promise.resolve<'more' | 'ended'>('ended') : new Promise<'more' | 'ended'>((r) => waiting.push(() => r(ended ? 'ended' : 'more'))));
  return { proc, output: () => out, exited, printed };
}

/**
 * Resolves when `pattern` appears in the output; rejects if the process ends without printing it.
 * No deadline: it waits for what the process does, not for a clock.
 */
export async function waitForOutput(p: Pick<SpawnedBroker, 'output' | 'printed'>, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const m = p.output().match(pattern);
    if (m) return m;
    if ((await p.printed()) === 'ended') {
      const last = p.output().match(pattern);
      if (last) return last;
      throw new Error(`broker exited before printing ${pattern}:\n${p.output()}`);
    }
  }
}

export async function startBroker(env: Record<string, string>): Promise<BrokerProcess> {
  const p = spawnBroker(env);
  const m = await waitForOutput(p, /listening on (\S+)/);
  return {
    ...p,
    url: m[1]!,
    stop: async (signal = 'SIGTERM') => {
      if (p.proc.exitCode === null) p.proc.kill(signal);
      return p.exited;
    },
  };
}
