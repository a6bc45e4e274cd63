import { UNEXPORTED } from './export-source.js';
import type { LocalDatabase } from './open.js';
import { prepared } from './statements.js';

/**
 * When the oldest result waiting for export finished (epoch ms), or null when none waits: one
 * step down the partial index results_unexported_seq, however long the backlog.
 */
export function oldestUnexportedAt(ldb: LocalDatabase): number | null {
  const row = prepared(
    ldb.sqlite,
    `SELECT finished_at AS at FROM results WHERE ${UNEXPORTED} ORDER BY seq LIMIT 1`,
  ).get() as { at: number } | undefined;
  return row?.at ?? null;
}

/**
 * Whether the database takes writes now: not opened read-only, and the write lock can be taken
 * (BEGIN IMMEDIATE, then rolled back: nothing is written). Inside a transaction it is taken, so true.
 */
export function takesWrites(ldb: LocalDatabase): boolean {
  const { sqlite } = ldb;
  if (sqlite.readonly) return false;
  if (sqlite.inTransaction) return true;
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    sqlite.exec('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}
