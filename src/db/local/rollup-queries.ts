import type Database from 'better-sqlite3';
import { bucketStart, ROLLUP_RES_MS, type RollupRes } from './rollup-store.js';
import { ROLLUP_HIST_BUCKETS } from './schema.js';
import { prepared } from './statements.js';

/**
 * The live view's reads of the rollups. Every function reads every service at once — one query per
 * table, never one per service (an N+1 read is what makes dashboards die at a few hundred
 * services) — and the caller joins the maps with its list of services.
 *
 * Windows (`now` in epoch ms):
 * - latency: the hour row of the current hour, plus the previous hour's row weighted by the share
 *   of it inside the last 60 minutes. Summing 24 histogram columns of 60 minute rows per service
 *   took ~900 ms at 10,000 services (SQLite sorts 600,000 wide rows for the GROUP BY); two hour
 *   rows take ~30 ms;
 * - uptime 24 h: the hour rows of the current hour and the 23 before it (the minute rows would be
 *   1,440 rows per service: 14 million at 10,000 services);
 * - uptime 7 d / 30 d: the day rows of the current UTC day and the 6 / 29 before it.
 */

export interface StatusRow {
  serviceKey: string;
  state: string;
  since: number;
  lastAt: number;
  lastDurationMs: number | null;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
}

/** Answered (up + degraded) and counted (results − missed) over a window. */
export interface UptimeCounts {
  ok: number;
  counted: number;
}

export interface UptimeRow {
  d1: UptimeCounts;
  d7: UptimeCounts;
  d30: UptimeCounts;
}

export interface OpenIncidentRow {
  id: string;
  kind: string;
  openedAt: number;
  cause: string;
}

export interface StatusTables {
  status: Map<string, StatusRow>;
  /** Latency histogram of the last hour (ROLLUP_HIST_BUCKETS counters). */
  latency: Map<string, number[]>;
  uptime: Map<string, UptimeRow>;
  openIncidents: Map<string, OpenIncidentRow>;
}

const HIST = Array.from({ length: ROLLUP_HIST_BUCKETS }, (_, i) => `h${i}`);
const DAY = ROLLUP_RES_MS.d;
const HOUR = ROLLUP_RES_MS.h;

const STATUS_SQL = `SELECT service_key AS serviceKey, state, since, last_at AS lastAt,
  last_duration_ms AS lastDurationMs, last_status_code AS lastStatusCode,
  last_error_class AS lastErrorClass FROM service_status`;
const LATENCY_SQL = `SELECT service_key AS k,
  ${HIST.map((h) => `sum(CASE WHEN bucket = @current THEN ${h} ELSE ${h} * @weight END)`).join(', ')}
  FROM rollups WHERE res = 'h' AND bucket >= @current - ${HOUR} GROUP BY service_key`;
const UPTIME_24H_SQL = `SELECT service_key AS k, sum(up + degraded) AS ok, sum(n - missed) AS counted
  FROM rollups WHERE res = 'h' AND bucket >= ? GROUP BY service_key`;
const UPTIME_DAYS_SQL = `SELECT service_key AS k,
  sum(CASE WHEN bucket >= @d7 THEN up + degraded ELSE 0 END) AS ok7,
  sum(CASE WHEN bucket >= @d7 THEN n - missed ELSE 0 END) AS counted7,
  sum(up + degraded) AS ok30, sum(n - missed) AS counted30
  FROM rollups WHERE res = 'd' AND bucket >= @d30 GROUP BY service_key`;
// A service with both kinds open shows its down incident.
const OPEN_INCIDENTS_SQL = `SELECT service_key AS k, id, kind, opened_at AS openedAt, cause
  FROM incidents WHERE resolved_at IS NULL ORDER BY kind = 'down', opened_at DESC`;

const EMPTY: UptimeCounts = { ok: 0, counted: 0 };

/** Everything `status()` needs, in five queries whatever the number of services. */
export function readStatusTables(sqlite: Database.Database, now: number): StatusTables {
  const status = new Map<string, StatusRow>();
  for (const r of prepared(sqlite, STATUS_SQL).all() as StatusRow[]) status.set(r.serviceKey, r);

  const latency = new Map<string, number[]>();
  const latencyStmt = prepared(sqlite, LATENCY_SQL).raw(true);
  const current = bucketStart('h', now);
  const weight = 1 - (now - current) / HOUR;
  for (const r of latencyStmt.iterate({ current, weight }) as Iterable<unknown[]>) {
    latency.set(r[0] as string, r.slice(1) as number[]);
  }
  latencyStmt.raw(false);

  const uptime = new Map<string, UptimeRow>();
  const day = bucketStart('d', now);
  const days = prepared(sqlite, UPTIME_DAYS_SQL).all({ d7: day - 6 * DAY, d30: day - 29 * DAY }) as {
    k: string;
    ok7: number;
    counted7: number;
    ok30: number;
    counted30: number;
  }[];
  for (const r of days) {
    uptime.set(r.k, {
      d1: EMPTY,
      d7: { ok: r.ok7, counted: r.counted7 },
      d30: { ok: r.ok30, counted: r.counted30 },
    });
  }
  const hours = prepared(sqlite, UPTIME_24H_SQL).all(bucketStart('h', now) - 23 * HOUR) as ({
    k: string;
  } & UptimeCounts)[];
  for (const r of hours) {
    const u = uptime.get(r.k);
    const d1 = { ok: r.ok, counted: r.counted };
    if (u === undefined) uptime.set(r.k, { d1, d7: EMPTY, d30: EMPTY });
    else u.d1 = d1;
  }

  const openIncidents = new Map<string, OpenIncidentRow>();
  const open = prepared(sqlite, OPEN_INCIDENTS_SQL).all() as ({ k: string } & OpenIncidentRow)[];
  // Ordered worst and newest last: the last one written per service stays.
  for (const { k, ...i } of open) openIncidents.set(k, i);
  return { status, latency, uptime, openIncidents };
}

export interface HistoryRow {
  bucket: number;
  n: number;
  up: number;
  degraded: number;
  down: number;
  missed: number;
  latSumMs: number;
  latCount: number;
  hist: number[];
}

/** Ranges up to this long read minute rows; longer ones hour rows. */
export const MINUTE_HISTORY_MAX_MS = 48 * HOUR;

// One primary-key seek per bucket of the range (the key is time first): a range scan filtered by
// service would read every service's rows in the range.
const HISTORY_SQL = `WITH RECURSIVE b(x) AS (SELECT @first UNION ALL SELECT x + @size FROM b WHERE x + @size < @to)
  SELECT r.bucket, r.n, r.up, r.degraded, r.down, r.missed, r.lat_sum_ms, r.lat_count, ${HIST.map((h) => `r.${h}`).join(', ')}
  FROM b CROSS JOIN rollups r ON r.res = @res AND r.bucket = b.x AND r.service_key = @key`;

/** One service's rollup rows over [from, to): minute rows for ranges ≤ 48 h, else hour rows. */
export function readHistory(sqlite: Database.Database, key: string, from: number, to: number): HistoryRow[] {
  if (!(to > from)) return [];
  const res: RollupRes = to - from <= MINUTE_HISTORY_MAX_MS ? 'm' : 'h';
  const first = bucketStart(res, from) + (bucketStart(res, from) < from ? ROLLUP_RES_MS[res] : 0);
  if (first >= to) return [];
  const stmt = prepared(sqlite, HISTORY_SQL).raw(true);
  try {
    const rows = stmt.all({ first, size: ROLLUP_RES_MS[res], to, res, key }) as number[][];
    return rows.map((r) => ({
      bucket: r[0] as number,
      n: r[1] as number,
      up: r[2] as number,
      degraded: r[3] as number,
      down: r[4] as number,
      missed: r[5] as number,
      latSumMs: r[6] as number,
      latCount: r[7] as number,
      hist: r.slice(8),
    }));
  } finally {
    stmt.raw(false);
  }
}
