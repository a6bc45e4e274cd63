import { COUNTER, INCREMENT_COUNTER_SQL } from './counters.js';
import { UNEXPORTED } from './export-source.js';
import type { LocalDatabase } from './open.js';
import { prepared } from './statements.js';

export interface BufferLimitOptions {
  /** Most unexported results kept; the oldest beyond it are dropped. */
  maxRows: number;
}

/**
 * Bound the local backlog while PostgreSQL is unreachable: drop the oldest unexported results
 * beyond `maxRows`, add the number to the persisted `dropped_results` counter (same transaction),
 * and return it. The caller logs it.
 */
export function enforceBufferLimit(ldb: LocalDatabase, opts: BufferLimitOptions): number {
  const { sqlite } = ldb;
  const maxRows = Math.max(0, Math.floor(opts.maxRows));
  const span = prepared(
    sqlite,
    `SELECT (SELECT seq FROM results WHERE ${UNEXPORTED} ORDER BY seq LIMIT 1) AS lo,
            (SELECT seq FROM results WHERE ${UNEXPORTED} ORDER BY seq DESC LIMIT 1) AS hi`,
  );
  const count = prepared(sqlite, `SELECT count(*) AS n FROM results WHERE ${UNEXPORTED}`);
  const drop = prepared(
    sqlite,
    `DELETE FROM results WHERE seq IN (SELECT seq FROM results WHERE ${UNEXPORTED} ORDER BY seq LIMIT ?)`,
  );
  const increment = prepared(sqlite, INCREMENT_COUNTER_SQL);
  return sqlite.transaction((): number => {
    // seq is unique, so the backlog holds at most hi - lo + 1 rows: two index probes settle the
    // usual case; the exact count (a scan of the backlog, ~45 ms per million) only runs near the limit.
    const { lo, hi } = span.get() as { lo: number | null; hi: number | null };
    if (lo === null || hi === null || hi - lo + 1 <= maxRows) return 0;
    const excess = (count.get() as { n: number }).n - maxRows;
    if (excess <= 0) return 0;
    const dropped = drop.run(excess).changes;
    increment.run(COUNTER.droppedResults, dropped);
    return dropped;
  })();
}
