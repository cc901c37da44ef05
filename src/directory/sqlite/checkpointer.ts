// The WAL checkpoints of the embedded database, in a thread of their own. With synchronous = NORMAL a
// commit only appends to the WAL; the fsyncs come with checkpoints, which SQLite would otherwise run
// inside whichever commit crosses 1000 pages: a pause of milliseconds on the event loop every few
// hundred sign-ins (a sixth of an SRP sign-in's event-loop time, docs/performance.md). The thread
// opens its own connection and checkpoints PASSIVE (never blocking a writer) every interval; the main
// connection runs none of its own meanwhile, and takes them back if the thread is lost.
import { Worker } from 'node:worker_threads';

// The thread's whole program: plain JavaScript with no imports of ours, so it starts in milliseconds
// (no TypeScript loader; `execArgv: []`) wherever the broker runs from.
const THREAD = `
const { DatabaseSync } = require('node:sqlite');
const { parentPort, workerData } = require('node:worker_threads');
const db = new DatabaseSync(workerData.file, { timeout: 5000 });
db.exec('PRAGMA journal_size_limit = 67108864'); // a WAL grown in a busy spell is cut back once checkpointed
const checkpoint = () => {
  try { db.exec('PRAGMA wal_checkpoint(PASSIVE)'); } catch { /* busy: the next tick tries again */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
`;

export const CHECKPOINT_MS = 1000;

export interface Checkpointer {
  /** Checkpoints once more and ends the thread. */
  stop(): Promise<void>;
}

/** Starts the thread for `file`; `onLost` runs if it dies (the caller then checkpoints itself again). */
export function startCheckpointer(file: string, onLost: (err: Error) => void, intervalMs = CHECKPOINT_MS): Checkpointer {
  const worker = new Worker(THREAD, { eval: true, execArgv: [], workerData: { file, intervalMs } });
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (err) => {
    if (!stopping) onLost(err);
  });
  worker.on('exit', (code) => {
    if (!stopping) onLost(new Error(`checkpoint thread exited (${code})`));
  });
  worker.unref(); // after the listeners (adding one refs the thread again): never what keeps a process alive
  return {
    async stop() {
      stopping = true;
      worker.ref(); // the process waits for the last checkpoint
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
