import { Worker } from 'node:worker_threads';
import { toError } from '../../errors.js';
import type { LocalDatabase } from './open.js';

/** How long stop() waits for the worker to close its connection. */
const STOP_WAIT_MS = 2_000;

export interface BackgroundCheckpointOptions {
  /** How often the worker checkpoints. Default 250 ms. */
  everyMs?: number;
  /**
   * The main connection's automatic checkpoint moves to this many WAL pages (4 KiB), a bound for
   * when the worker falls behind or dies. Default 16,384 (64 MiB); SQLite's own default is 1,000.
   */
  autocheckpointPages?: number;
}

export interface BackgroundCheckpoints {
  /**
   * Stops the worker and waits (up to 2 s) until its connection is closed; call before closing
   * the database. Safe to call twice.
   */
  stop(): void;
}

/**
 * Checkpoints the WAL from a worker thread. Without it the automatic checkpoint runs inside
 * whichever probe write crosses 1,000 WAL pages, several times a second at a few thousand
 * probes/s, copying pages and fsyncing on the event loop (p99 of claim and result writes ~14 ms
 * → ~7 ms with it, bench agent at 15,000 services). Durability is unchanged: commits go to the
 * WAL as before (WAL + synchronous=NORMAL); only when they are copied into the file moves.
 * Usually started by openLocalDatabase({ backgroundCheckpoints: true }), whose close() stops it.
 */
export function startBackgroundCheckpoints(
  ldb: LocalDatabase,
  opts: BackgroundCheckpointOptions = {},
): BackgroundCheckpoints {
  const everyMs = Math.max(10, Math.floor(opts.everyMs ?? 250));
  const pages = Math.max(1000, Math.floor(opts.autocheckpointPages ?? 16_384));
  const previous = Number(ldb.sqlite.pragma('wal_autocheckpoint', { simple: true }));
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: { path: ldb.path, everyMs, closed },
  });
  // Never what keeps the process alive.
  worker.unref();
  let stopped = false;
  let alive = true;
  worker.on('exit', () => {
    alive = false;
  });
  worker.on('error', (e: unknown) => {
    ldb.logger.warn({ err: toError(e), path: ldb.path }, 'background checkpoints stopped');
    restore();
  });
  ldb.sqlite.pragma(`wal_autocheckpoint = ${pages}`);

  function restore(): void {
    if (stopped) return;
    stopped = true;
    if (ldb.sqlite.open) ldb.sqlite.pragma(`wal_autocheckpoint = ${previous}`);
  }

  return {
    stop() {
      if (stopped) return;
      restore();
      if (!alive) return;
      worker.postMessage('stop');
      // Wait (bounded) for the worker's connection to close. Were both connections closing at the
      // same moment, each would see the other still open, neither would be the last, and the WAL
      // would be left behind un-checkpointed (CI saw it once under load).
      Atomics.wait(closed, 0, 0, STOP_WAIT_MS);
    },
  };
}
