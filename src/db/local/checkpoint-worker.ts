/**
 * Worker thread body of background checkpoints (see checkpointer.ts): its own connection to the
 * database copies WAL frames into the file every `everyMs`, so that work and its fsyncs leave the
 * event loop of the main thread. PASSIVE never waits for the writer; a busy round is just skipped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface CheckpointWorkerData {
  path: string;
  everyMs: number;
  /** Set to 1 (and notified) once this connection is closed; the main thread waits on it. */
  closed: Int32Array;
}

const { path, everyMs, closed } = workerData as CheckpointWorkerData;
const db = new Database(path, { fileMustExist: true });
db.pragma('busy_timeout = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // SQLITE_BUSY (another checkpoint is running) or a transient error: the next round retries,
    // and the main connection's automatic checkpoint still bounds the WAL.
  }
}, everyMs);

parentPort?.on('message', (msg: unknown) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    parentPort?.close();
  }
});
