import type pg from 'pg';
import { ROLLUP_MEASURES, rollupFoldSql, rollupGroupSql } from './rollup-upsert.js';
import { qualifiedName, type RemoteTable, rollupPendingTable } from './table.js';

/**
 * The fold: moves `<t>_rollup_pending` (per-minute aggregates the export statement appends) into
 * `<t>_rollup_minute` and `<t>_rollup_hour`. Each step is one statement in one transaction —
 * `WITH d AS (DELETE … RETURNING), m AS (upsert minutes from d), h AS (upsert hours from d)` — so a
 * step interrupted anywhere (a killed connection, a statement_timeout, a crash) changes nothing,
 * and the rows it deletes are exactly the rows it adds: rollups + pending = the raw rows'
 * aggregates at every commit.
 *
 * One agent folds at a time: each step takes `pg_try_advisory_xact_lock` on the table's name, and
 * an agent that does not get it skips (two folders would only wait on each other's row locks).
 * Exporters never wait for it: they only append to the pending table.
 */

/** Pending rows per fold statement. Bounded so that one step stays well under statement_timeout. */
export const FOLD_MAX_ROWS = 100_000;

/** How long one run keeps folding (new steps start until then). */
export const FOLD_BUDGET_MS = 10_000;

export interface FoldOptions {
  /** Default FOLD_MAX_ROWS. */
  maxRows?: number;
  /** Default FOLD_BUDGET_MS. */
  budgetMs?: number;
  /** Stops between steps. */
  signal?: AbortSignal;
  /** Default Date.now. */
  now?: () => number;
}

export interface FoldReport {
  /** False when another session held the fold lock (nothing was folded by this run). */
  ran: boolean;
  /** Pending rows folded (deleted and added to the rollups). */
  folded: number;
  /** Fold statements committed. */
  steps: number;
  /** The run stopped with pending rows probably left (budget, signal, or the lock taken meanwhile). */
  more: boolean;
}

/** The advisory lock's key text: one folder per results table, whatever the agent. */
export function foldLockKey(target: RemoteTable): string {
  return `monitor-rollup-fold:${target.schema}.${target.table}`;
}

/** One fold step. Parameter $1: the most pending rows to take. Returns one row, `folded`. */
export function foldSql(target: RemoteTable): string {
  const pending = qualifiedName(rollupPendingTable(target));
  const columns = ['service_key', 'location', 'bucket', ...ROLLUP_MEASURES].join(', ');
  // No index on the pending table: a bounded set of rows is picked by physical address (a TID scan),
  // in whatever order the heap has them; the fold's result does not depend on the order.
  return (
    `WITH d AS (DELETE FROM ${pending} ` +
    `WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${pending} LIMIT $1::int)) RETURNING ${columns}), ` +
    `g AS (${rollupGroupSql('d')}), ` +
    `m AS (${rollupFoldSql(target, 'minute', 'g')}), ` +
    `h AS (${rollupFoldSql(target, 'hour', 'g')}) ` +
    'SELECT count(*)::int AS folded FROM d'
  );
}

/**
 * Folds pending rows in steps of at most `maxRows` until none are left, the budget is spent or the
 * signal fires. `client` must not be inside a transaction. Rejects as the driver does (after
 * rolling back what it began); the steps committed before stay committed.
 */
export async function foldRollups(
  client: pg.ClientBase,
  target: RemoteTable,
  options: FoldOptions = {},
): Promise<FoldReport> {
  const maxRows = options.maxRows ?? FOLD_MAX_ROWS;
  const now = options.now ?? Date.now;
  const until = now() + (options.budgetMs ?? FOLD_BUDGET_MS);
  const sql = foldSql(target);
  const report: FoldReport = { ran: false, folded: 0, steps: 0, more: false };
  for (;;) {
    if (options.signal?.aborted || (report.steps > 0 && now() >= until)) {
      report.more = true;
      return report;
    }
    await client.query('BEGIN');
    let n: number;
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [foldLockKey(target)],
      );
      if (rows[0]?.locked !== true) {
        await client.query('ROLLBACK');
        report.more = report.steps > 0;
        return report;
      }
      report.ran = true;
      const folded = await client.query<{ folded: number }>(sql, [maxRows]);
      n = folded.rows[0]?.folded ?? 0;
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    report.steps++;
    report.folded += n;
    if (n < maxRows) return report;
  }
}
