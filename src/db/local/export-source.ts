import type { ExportSource } from '../../queue/store.js';
import type { ProbeResult } from '../../results/types.js';
import { COUNTER, INCREMENT_COUNTER_SQL } from './counters.js';
import type { LocalDatabase } from './open.js';
import { type ResultRow, rowToResult, SELECT_RESULT_COLUMNS } from './result-rows.js';
import { prepared } from './statements.js';

/** Matches the partial index results_unexported_seq, so these queries walk only the backlog. */
export const UNEXPORTED = 'exported_at IS NULL AND set_aside_reason IS NULL';

/** The exporter's view of the results table. */
export function createExportSource(ldb: LocalDatabase): ExportSource {
  const { sqlite } = ldb;
  const select = prepared(
    sqlite,
    `SELECT ${SELECT_RESULT_COLUMNS} FROM results WHERE ${UNEXPORTED} ORDER BY seq LIMIT ?`,
  ).raw(true);
  const selectAfter = prepared(
    sqlite,
    `SELECT ${SELECT_RESULT_COLUMNS} FROM results
     WHERE ${UNEXPORTED} AND seq > (SELECT seq FROM results WHERE id = ?) ORDER BY seq LIMIT ?`,
  ).raw(true);
  const mark = prepared(sqlite, 'UPDATE results SET exported_at = ? WHERE id = ? AND exported_at IS NULL');
  const aside = prepared(
    sqlite,
    `UPDATE results SET set_aside_reason = ?, set_aside_at = ?, set_aside_sqlstate = ? WHERE id = ? AND ${UNEXPORTED}`,
  );
  const incrementCounter = prepared(sqlite, INCREMENT_COUNTER_SQL);
  const count = prepared(sqlite, `SELECT count(*) AS n FROM results WHERE ${UNEXPORTED}`);

  const markTx = sqlite.transaction((ids: readonly string[], at: number): number => {
    let changed = 0;
    for (const id of ids) changed += mark.run(at, id).changes;
    return changed;
  });
  const asideTx = sqlite.transaction(
    (id: string, reason: string, at: number, sqlstate: string | null): void => {
      if (aside.run(reason, at, sqlstate, id).changes > 0) incrementCounter.run(COUNTER.setAside, 1);
    },
  );

  return {
    selectUnexported(limit: number, afterId?: string): ProbeResult[] {
      if (limit <= 0) return [];
      const rows = afterId === undefined ? select.all(limit) : selectAfter.all(afterId, limit);
      return (rows as ResultRow[]).map(rowToResult);
    },
    markExported(ids, at) {
      if (ids.length === 0) return 0;
      return markTx(ids, at);
    },
    setAside(id, reason, at, sqlstate) {
      asideTx(id, reason, at, sqlstate ?? null);
    },
    countUnexported() {
      return (count.get() as { n: number }).n;
    },
  };
}
