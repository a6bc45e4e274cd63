import type { CollectStats } from '../../queue/store.js';
import { UNEXPORTED } from './export-source.js';
import type { LocalDatabase } from './open.js';
import { ROLLUP_KEEP_MS, type RollupRes } from './rollup-store.js';
import { prepared } from './statements.js';

/**
 * A maxDeletes that keeps one run near 10 ms at a few thousand probes/s (a deleted result costs
 * ~3 µs, a job ~1.5 µs, plus the checkpoint and the vacuum). For callers that run collect again
 * after a turn of the event loop while `more` is true, as the daemon does.
 */
export const COLLECT_SLICE_ROWS = 2_000;

export interface CollectOptions {
  /** Current time, epoch ms. */
  now: number;
  /** Exported results and finished jobs are kept this long after they finished. */
  graceMs: number;
  /**
   * Most rows deleted per table per run, so one run after a long outage cannot block the event
   * loop for seconds; a run that hit it returns `more: true`. Default 50,000.
   */
  maxDeletes?: number;
  /**
   * Free pages handed back to the file system per run (`incremental_vacuum`); 0 skips it. Default
   * 256: moving pages costs ~18 µs each (2,048 held the loop ~40 ms), and in a steady state the
   * pages freed by the deletes are reused by the next inserts anyway.
   */
  vacuumPages?: number;
}

export interface CollectResult extends CollectStats {
  /** Rollup rows past their resolution's keep (48 h of minutes, 90 d of hours and days). */
  rollupsDeleted: number;
  /** A limit was hit: run again soon. */
  more: boolean;
  /**
   * WAL frames still not copied into the database after the checkpoint (0 = fully checkpointed);
   * -1 when `more` (the checkpoint waits for the last run) or when a worker thread checkpoints.
   */
  walFramesLeft: number;
  /** Free pages left in the file after the incremental vacuum; -1 when `more` (no vacuum yet). */
  freePages: number;
}

// Exported rows are a prefix of the seq order (export takes the oldest first), so they are found by
// walking seq up to the oldest unexported row: no index on exported_at to maintain on every export
// and delete. The bound keeps a large unexported backlog out of the walk.
const DELETE_RESULTS_SQL = `DELETE FROM results WHERE seq IN (
  SELECT seq FROM results
  WHERE seq < coalesce((SELECT seq FROM results WHERE ${UNEXPORTED} ORDER BY seq LIMIT 1), 9223372036854775807)
    AND exported_at IS NOT NULL AND exported_at < ?
  ORDER BY seq LIMIT ?)`;
// Dead jobs go after the grace too: their last_error has been logged by the runner already.
// Finished jobs are in no index (see schema.ts); the oldest ids come first in the table itself.
const DELETE_JOBS_SQL = `DELETE FROM jobs WHERE id IN (
  SELECT id FROM jobs WHERE state IN ('done', 'dead') AND updated_at < ? ORDER BY id LIMIT ?)`;

/**
 * Alert history kept locally (`monitor alerts history`): delivery rows and incidents resolved and
 * exported this long ago go, so neither table grows with time. 30 days.
 */
export const ALERT_HISTORY_MS = 30 * 24 * 3_600_000;
const DELETE_DELIVERIES_SQL = `DELETE FROM deliveries WHERE id IN (
  SELECT id FROM deliveries WHERE at < ? ORDER BY id LIMIT ?)`;
const DELETE_INCIDENTS_SQL = `DELETE FROM incidents WHERE id IN (
  SELECT id FROM incidents WHERE resolved_at < ? AND exported_version >= version AND held_event IS NULL LIMIT ?)`;

// The oldest buckets are the prefix of the key (res, bucket, service_key): a range, no index.
const DELETE_ROLLUPS_SQL = `DELETE FROM rollups WHERE (res, bucket, service_key) IN (
  SELECT res, bucket, service_key FROM rollups WHERE res = ? AND bucket < ? ORDER BY bucket LIMIT ?)`;
const ROLLUP_RESOLUTIONS: readonly RollupRes[] = ['m', 'h', 'd'];

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * The collector: delete what is finished, checkpoint the WAL and give free pages back, each step
 * bounded so that the writer is never held for long.
 */
export function collect(ldb: LocalDatabase, opts: CollectOptions): CollectResult {
  const { sqlite } = ldb;
  const maxDeletes = opts.maxDeletes ?? 50_000;
  const cutoff = opts.now - opts.graceMs;

  const historyCutoff = opts.now - ALERT_HISTORY_MS;
  const { resultsDeleted, jobsDeleted, rollupsDeleted } = sqlite.transaction(() => {
    prepared(sqlite, DELETE_DELIVERIES_SQL).run(historyCutoff, maxDeletes);
    prepared(sqlite, DELETE_INCIDENTS_SQL).run(historyCutoff, maxDeletes);
    let rollupsDeleted = 0;
    for (const res of ROLLUP_RESOLUTIONS) {
      const left = maxDeletes - rollupsDeleted;
      if (left <= 0) break;
      rollupsDeleted += prepared(sqlite, DELETE_ROLLUPS_SQL).run(
        res,
        opts.now - ROLLUP_KEEP_MS[res],
        left,
      ).changes;
    }
    return {
      rollupsDeleted,
      resultsDeleted: prepared(sqlite, DELETE_RESULTS_SQL).run(cutoff, maxDeletes).changes,
      jobsDeleted: prepared(sqlite, DELETE_JOBS_SQL).run(cutoff, maxDeletes).changes,
    };
  })();

  const more = resultsDeleted >= maxDeletes || jobsDeleted >= maxDeletes || rollupsDeleted >= maxDeletes;
  // A caller slicing a big delete comes back at once: checkpoint and vacuum once, after the last
  // slice, not after each (they cost ~5 ms each per run).
  if (more) return { resultsDeleted, jobsDeleted, rollupsDeleted, more, walFramesLeft: -1, freePages: -1 };

  // With a checkpoint worker, a checkpoint here would only copy, on the event loop, the frames
  // the worker is about to copy anyway (a slice ending in one took ~85 ms at 10,000 probes/s).
  const walFramesLeft = ldb.checkpointsInBackground ? -1 : checkpoint(ldb);
  const vacuumPages = Math.floor(opts.vacuumPages ?? 256);
  // incremental_vacuum(0) would free the whole list at once: 0 means "skip" here.
  if (vacuumPages > 0) sqlite.pragma(`incremental_vacuum(${vacuumPages})`);
  const freePages = Number(sqlite.pragma('freelist_count', { simple: true }));

  return { resultsDeleted, jobsDeleted, rollupsDeleted, more, walFramesLeft, freePages };
}

/**
 * PASSIVE never waits. When it copied every frame (no reader in the way), TRUNCATE also resets
 * the WAL file to zero bytes; it runs with busy_timeout 0 so a reader that just arrived makes it
 * give up instead of blocking the event loop.
 */
function checkpoint(ldb: LocalDatabase): number {
  const { sqlite } = ldb;
  const passive = sqlite.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
  const p = passive[0];
  if (!p || p.log < 0) return 0; // not in WAL mode
  const left = p.log - p.checkpointed;
  if (p.busy !== 0 || left !== 0) return left;
  const timeout = Number(sqlite.pragma('busy_timeout', { simple: true }));
  sqlite.pragma('busy_timeout = 0');
  try {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`);
  }
  return 0;
}
