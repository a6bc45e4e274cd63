/**
 * What the daemon of a `10k-alerts` run left in its local SQLite about alerting, read read-only
 * after it exited (bench/local-rows.ts says why then): incidents opened and resolved in the
 * window, attempts of delivery by outcome, and when the burst's incidents opened.
 */
import Database from 'better-sqlite3';
import type { Scalar } from './result.js';

export interface AlertRows {
  figures: Record<string, Scalar>;
  /** The last opened_at of the incidents of `burstUrls` opened at or after `burstFrom`; null when none. */
  burstLastOpenedAt: number | null;
  burstFirstOpenedAt: number | null;
  burstIncidents: number;
}

export function readAlertRows(
  path: string,
  [t0, t1]: [number, number],
  burst: { from: number; urls: readonly string[] } | null,
): AlertRows {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string, ...args: number[]) => (db.prepare(sql).get(...args) as { n: number }).n;
    const deliveries = db
      .prepare('SELECT status, count(*) AS n FROM deliveries WHERE at >= ? AND at < ? GROUP BY 1')
      .all(t0, t1) as Array<{ status: string; n: number }>;
    const accepted = deliveries.find((d) => d.status === 'accepted')?.n ?? 0;
    const figures: Record<string, Scalar> = {
      incidentsOpened: count(
        'SELECT count(*) AS n FROM incidents WHERE opened_at >= ? AND opened_at < ?',
        t0,
        t1,
      ),
      incidentsResolved: count(
        'SELECT count(*) AS n FROM incidents WHERE resolved_at >= ? AND resolved_at < ?',
        t0,
        t1,
      ),
      deliveriesAccepted: accepted,
      deliveriesNotAccepted: deliveries.reduce((n, d) => n + d.n, 0) - accepted,
      // Everything of the run, burst included: none should be left behind at the stop.
      notifyJobsLeft: count(
        "SELECT count(*) AS n FROM jobs WHERE kind = 'notify' AND state IN ('queued', 'running')",
      ),
    };
    let first: number | null = null;
    let last: number | null = null;
    let n = 0;
    if (burst !== null && burst.urls.length > 0) {
      const urls = JSON.stringify(burst.urls);
      const r = db
        .prepare(
          `SELECT count(*) AS n, min(opened_at) AS first, max(opened_at) AS last FROM incidents
            WHERE kind = 'down' AND opened_at >= ? AND url IN (SELECT value FROM json_each(?))`,
        )
        .get(burst.from, urls) as { n: number; first: number | null; last: number | null };
      [n, first, last] = [r.n, r.first, r.last];
    }
    return { figures, burstLastOpenedAt: last, burstFirstOpenedAt: first, burstIncidents: n };
  } finally {
    db.close();
  }
}
