/**
 * The local SQLite database `monitor start` left behind, read read-only after it exited (it holds
 * the only writer and its instance lock while it runs; once it exited cleanly the WAL is folded in).
 * Counts the results of a window of scheduled times by error class: a slot the daemon could not
 * start in time is a row with error_class 'missed' (src/results/types.ts).
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface LocalRows {
  /** Result rows with scheduled_at in the window. */
  rows: number;
  /** Of which error_class = 'missed'. */
  missed: number;
  /** Distinct (service_key, scheduled_at) among them: rows − slots = duplicates. */
  slots: number;
  /** Rows of the window by error_class ('none' for ok or a status verdict without error). */
  byClass: Record<string, number>;
}

/** Size of the database file and its WAL, bytes (0 when absent). */
export function localDbBytes(path: string): { main: number; wal: number } {
  const size = (p: string) => (existsSync(p) ? statSync(p).size : 0);
  return { main: size(path), wal: size(`${path}-wal`) };
}

export function readLocalRows(path: string, t0: number, t1: number): LocalRows {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const classes = db
      .prepare(
        `SELECT coalesce(error_class, 'none') AS cls, count(*) AS n
           FROM results WHERE scheduled_at >= ? AND scheduled_at < ? GROUP BY 1`,
      )
      .all(t0, t1) as Array<{ cls: string; n: number }>;
    const { slots } = db
      .prepare(
        `SELECT count(*) AS slots FROM (SELECT DISTINCT service_key, scheduled_at FROM results
           WHERE scheduled_at >= ? AND scheduled_at < ?)`,
      )
      .get(t0, t1) as { slots: number };
    const byClass = Object.fromEntries(classes.map((c) => [c.cls, c.n]));
    return {
      rows: classes.reduce((n, c) => n + c.n, 0),
      missed: byClass['missed'] ?? 0,
      slots,
      byClass,
    };
  } finally {
    db.close();
  }
}
