// The broker on MongoDB (FerretDB) when the database comes and goes: it waits for it at start,
// answers 503 while it is away without dying, and recovers by itself.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, test } from 'node:test';
import { spawnBroker, waitForOutput, type SpawnedBroker } from '../support/broker-process.js';
import { ferretdbAvailable, freePort, startFerretdb } from '../support/ferretdb.js';

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

/** Asks again until `check` holds; fails if the broker exits first. No deadline: it waits for the broker, not a clock. */
async function eventually(broker: SpawnedBroker, check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) {
    assert.equal(broker.proc.exitCode, null, `the broker exited:\n${broker.output()}`);
    await new Promise((r) => setTimeout(r, 250)); // a pause between questions, not a limit
  }
}

if (!process.env.MONGODB_URI || !ferretdbAvailable()) {
  const why = 'needs MONGODB_URI and the FerretDB binary (scripts/ferretdb.sh install): the MongoDB outage test did not run';
  console.log(`# SKIPPED ${why}`);
  test('broker on MongoDB through an outage', { skip: why }, () => {});
} else {
  describe('broker on MongoDB through an outage', () => {
    it('waits for MongoDB at start, answers 503 while it is gone, and recovers', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'broker-outage-'));
      const port = await freePort();
      const uri = `mongodb://127.0.0.1:${port}/outage_${process.pid}`;
      const broker = spawnBroker({ MONGODB_URI: uri, BROKER_CONFIG: 'config/broker.yaml', DATA_DIR: dir });
      let ferret: { stop(): Promise<void> } | undefined;
      try {
        // Nothing listens yet: the broker says it is retrying, and keeps trying.
        await waitForOutput(broker, /MongoDB unreachable; retrying/);
        await waitForOutput(broker, /"attempt":2/);
        ferret = await startFerretdb(port, dir);
        const url = (await waitForOutput(broker, /listening on (\S+)/))[1]!;
        assert.equal(await status(`${url}/ready`), 200);

        await ferret.stop();
        assert.equal(await status(`${url}/ready`), 503, 'not ready while the store is away');
        assert.equal(await status(`${url}/health`), 200, 'but the process is up');
        assert.equal(broker.proc.exitCode, null);

        ferret = await startFerretdb(port, dir);
        await eventually(broker, async () => (await status(`${url}/ready`)) === 200);

        broker.proc.kill('SIGTERM');
        assert.equal(await broker.exited, 0);
      } finally {
        if (broker.proc.exitCode === null) broker.proc.kill('SIGKILL');
        await ferret?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
