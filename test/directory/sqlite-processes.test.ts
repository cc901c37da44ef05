// Uniqueness on the SQLite store holds across processes sharing the file (WAL, busy timeout,
// immediate transactions), not only within one process's synchronous calls.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { poolSchema } from '../../src/directory/schema.js';
import { openSqliteStore } from '../../src/directory/sqlite/index.js';

/** test/support/sqlite-racer.ts in its own process: `ready` once it printed so, `go` to start it, its result. */
function racer(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/support/sqlite-racer.ts', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let isReady!: () => void;
  const ready = new Promise<void>((r) => (isReady = r));
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (out.startsWith('ready\n')) isReady();
  });
  const result = once(proc, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`a racer exited with ${code}:\n${out}`);
    return JSON.parse(out.replace(/^ready\n/, '')) as { won: number; lost: number };
  });
  // A racer that dies before it is ready fails the test instead of leaving it waiting.
  void result.catch(() => isReady());
  proc.stdin.on('error', () => {}); // writing to one that died: its result says why
  return { ready, result, go: () => proc.stdin.end('go\n') };
}

it('lets one of 4 processes × 5 attempts create a username on a shared SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'broker-procs-'));
  const file = join(dir, 'shared.sqlite');
  try {
    const store = openSqliteStore({ file });
    await store.pools.putPool({ id: 'race_Pool1', settings: poolSchema.parse({ Id: 'race_Pool1', PoolName: 'race' }) });
    await store.close();
    // Each racer says `ready` once its store is open; when all four have, one line sets them off together.
    const racers = Array.from({ length: 4 }, () => racer([file, 'race_Pool1', 'zoe', '5']));
    await Promise.all(racers.map((r) => r.ready));
    for (const r of racers) r.go();
    const results = await Promise.all(racers.map((r) => r.result));
    assert.equal(results.reduce((n, r) => n + r.won, 0), 1);
    assert.equal(results.reduce((n, r) => n + r.lost, 0), 19);
    const check = openSqliteStore({ file });
    assert.equal((await check.users.listUsers('race_Pool1')).items.length, 1);
    await check.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
