/**
 * The collect job: deletes what is finished from the local database (exported results, done
 * jobs) through db/local/collect.ts, in bounded slices with a turn of the event loop between them,
 * so that a big backlog that was just exported never holds the probes' start times.
 */
import { COLLECT_SLICE_ROWS, collect, type LocalDatabase } from '../db/local/index.js';

/** Exported rows are kept this long before collect deletes them (a short grace, like the original's 2 s loop). */
export const COLLECT_GRACE_MS = 5_000;

/** Bounded collect slices per collect job, a loop turn between slices. */
export const MAX_COLLECT_RUNS = 25;

export interface CollectorOptions {
  /** Called once per job with the results it deleted, when it deleted any. Default: nothing. */
  onDeleted?: (deleted: number) => void;
  /** Wraps each slice (the benchmark times it). Default: calls it. */
  slice?: <T>(run: () => T) => T;
}

/** The collect job's handler. Between slices it stops early once `signal` aborts (shutdown). */
export function createCollector(
  ldb: LocalDatabase,
  options: CollectorOptions = {},
): (signal?: AbortSignal) => Promise<void> {
  const slice = options.slice ?? ((run) => run());
  return async (signal) => {
    let deleted = 0;
    for (let run = 0; run < MAX_COLLECT_RUNS; run++) {
      const stats = slice(() =>
        collect(ldb, { now: Date.now(), graceMs: COLLECT_GRACE_MS, maxDeletes: COLLECT_SLICE_ROWS }),
      );
      deleted += stats.resultsDeleted;
      if (!stats.more || signal?.aborted) break;
      await new Promise((r) => setImmediate(r));
    }
    if (deleted > 0) options.onDeleted?.(deleted);
  };
}
