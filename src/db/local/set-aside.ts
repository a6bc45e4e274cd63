import type { LocalDatabase } from './open.js';
import { prepared } from './statements.js';

/**
 * Results PostgreSQL refused row by row (see src/db/remote/sqlstate.ts), kept out of the export
 * queue until someone re-queues them. These run from the CLI while a daemon may be writing the same
 * file (WAL): every write is a short transaction, so the daemon waits at most milliseconds.
 */

/** Matches the partial index results_set_aside_seq. */
const SET_ASIDE = 'set_aside_reason IS NOT NULL AND exported_at IS NULL';

export interface SetAsideRow {
  id: string;
  url: string;
  method: string;
  /** Epoch ms. */
  scheduledAt: number;
  /** The SQLSTATE PostgreSQL refused the row with; null for rows set aside by an older monitor. */
  sqlstate: string | null;
  reason: string;
  /** Epoch ms. */
  setAsideAt: number;
}

/** The oldest `limit` set-aside results and how many there are in all. */
export function listSetAside(ldb: LocalDatabase, limit: number): { rows: SetAsideRow[]; total: number } {
  const rows = prepared(
    ldb.sqlite,
    `SELECT id, url, method, scheduled_at AS scheduledAt, set_aside_sqlstate AS sqlstate,
            set_aside_reason AS reason, set_aside_at AS setAsideAt
       FROM results WHERE ${SET_ASIDE} ORDER BY seq LIMIT ?`,
  ).all(Math.max(0, Math.floor(limit))) as SetAsideRow[];
  const { n } = prepared(ldb.sqlite, `SELECT count(*) AS n FROM results WHERE ${SET_ASIDE}`).get() as {
    n: number;
  };
  return { rows, total: n };
}

/** Rows re-queued per transaction: a large pile never holds the writer for long. */
const REQUEUE_SLICE = 1000;

const CLEAR = 'set_aside_reason = NULL, set_aside_at = NULL, set_aside_sqlstate = NULL';

/**
 * Put set-aside results back in the export queue (they keep their place: the oldest go first):
 * those in `ids`, or all of them. Ids that are not set aside are skipped; check them first with
 * `missingSetAside`. Returns how many were re-queued.
 */
export function requeueSetAside(ldb: LocalDatabase, ids: readonly string[] | 'all'): number {
  const { sqlite } = ldb;
  if (ids === 'all') {
    const slice = prepared(
      sqlite,
      `UPDATE results SET ${CLEAR} WHERE seq IN (SELECT seq FROM results WHERE ${SET_ASIDE} ORDER BY seq LIMIT ?)`,
    );
    let total = 0;
    for (;;) {
      const changed = slice.run(REQUEUE_SLICE).changes;
      total += changed;
      if (changed < REQUEUE_SLICE) return total;
    }
  }
  const one = prepared(sqlite, `UPDATE results SET ${CLEAR} WHERE id = ? AND ${SET_ASIDE}`);
  const unique = [...new Set(ids)];
  let total = 0;
  for (let i = 0; i < unique.length; i += REQUEUE_SLICE) {
    const part = unique.slice(i, i + REQUEUE_SLICE);
    total += sqlite.transaction((): number => {
      let changed = 0;
      for (const id of part) changed += one.run(id).changes;
      return changed;
    })();
  }
  return total;
}

/** The ids among `ids` that are not set-aside results (unknown, exported, or already queued). */
export function missingSetAside(ldb: LocalDatabase, ids: readonly string[]): string[] {
  const isAside = prepared(ldb.sqlite, `SELECT 1 FROM results WHERE id = ? AND ${SET_ASIDE}`).pluck();
  return [...new Set(ids)].filter((id) => isAside.get(id) === undefined);
}
