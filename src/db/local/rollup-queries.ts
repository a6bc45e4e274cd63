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
 *   of it inside the last 60 minutes (summing the histograms of 60 minute rows per service took
 *   ~900 ms at 10,000 services: SQLite sorts 600,000 wide rows for the GROUP BY);
 * - uptime 24 h: the hour rows of the current hour and the 23 before it (the minute rows would be
 *   1,440 rows per service: 14 million at 10,000 services);
 * - uptime 7 d / 30 d: the day rows of the current UTC day and the 6 / 29 before it.
 *
 * Split in two: `readCurrentTables` (the rows still changing: one row per service per query, no
 * GROUP BY) and `readPastTables` (the finished hours and days, which a caller may keep for a while:
 * they only change by a late result).
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

export interface OpenIncidentRow {
  id: string;
  kind: string;
  openedAt: number;
  cause: string;
}

export interface CurrentTables {
  /** The bucket start of the current hour these were read for. */
  hour: number;
  status: Map<string, StatusRow>;
  /** The current hour's row: counts and latency histogram (ROLLUP_HIST_BUCKETS counters). */
  hourNow: Map<string, UptimeCounts & { hist: number[] }>;
  /** The current UTC day's row. */
  dayNow: Map<string, UptimeCounts>;
  openIncidents: Map<string, OpenIncidentRow>;
}

export interface PastTables {
  hour: number;
  /** The previous hour's histogram. */
  prevHist: Map<string, number[]>;
  /** The 23 hours before the current one. */
  hours23: Map<string, UptimeCounts>;
  /** The 6 and the 29 days before the current one. */
  days6: Map<string, UptimeCounts>;
  days29: Map<string, UptimeCounts>;
}

const HIST = Array.from({ length: ROLLUP_HIST_BUCKETS }, (_, i) => `h${i}`);
const DAY = ROLLUP_RES_MS.d;
const HOUR = ROLLUP_RES_MS.h;

const STATUS_SQL = `SELECT service_key AS serviceKey, state, since, last_at AS lastAt,
  last_duration_ms AS lastDurationMs, last_status_code AS lastStatusCode,
  last_error_class AS lastErrorClass FROM service_status`;
const HOUR_ROWS_SQL = `SELECT service_key, up + degraded, n - missed, ${HIST.join(', ')}
  FROM rollups WHERE res = 'h' AND bucket = ?`;
const DAY_ROW_SQL = `SELECT service_key AS k, up + degraded AS ok, n - missed AS counted
  FROM rollups WHERE res = 'd' AND bucket = ?`;
const PAST_HOURS_SQL = `SELECT service_key AS k, sum(up + degraded) AS ok, sum(n - missed) AS counted
  FROM rollups WHERE res = 'h' AND bucket >= ? AND bucket < ? GROUP BY service_key`;
const PAST_DAYS_SQL = `SELECT service_key AS k,
  sum(CASE WHEN bucket >= @d6 THEN up + degraded ELSE 0 END) AS ok6,
  sum(CASE WHEN bucket >= @d6 THEN n - missed ELSE 0 END) AS counted6,
  sum(up + degraded) AS ok29, sum(n - missed) AS counted29
  FROM rollups WHERE res = 'd' AND bucket >= @d29 AND bucket < @day GROUP BY service_key`;
// A service with both kinds open shows its down incident.
const OPEN_INCIDENTS_SQL = `SELECT service_key AS k, id, kind, opened_at AS openedAt, cause
  FROM incidents WHERE resolved_at IS NULL ORDER BY kind = 'down', opened_at DESC`;

/** Every service's current status (the fleet heartbeat sends the changed ones), by key. */
export function readServiceStatus(sqlite: Database.Database): Map<string, StatusRow> {
  const status = new Map<string, StatusRow>();
  for (const r of prepared(sqlite, STATUS_SQL).all() as StatusRow[]) status.set(r.serviceKey, r);
  return status;
}

/** Each service's row of one hour bucket, raw: [key, ok, counted, h0 … h23]. */
function hourRows(sqlite: Database.Database, bucket: number): unknown[][] {
  const stmt = prepared(sqlite, HOUR_ROWS_SQL).raw(true);
  try {
    return stmt.all(bucket) as unknown[][];
  } finally {
    stmt.raw(false);
  }
}

/** The rows that change with every result: a few thousand µs per 1,000 services. */
export function readCurrentTables(sqlite: Database.Database, now: number): CurrentTables {
  const status = readServiceStatus(sqlite);
  const hour = bucketStart('h', now);
  const hourNow = new Map<string, UptimeCounts & { hist: number[] }>();
  for (const r of hourRows(sqlite, hour)) {
    hourNow.set(r[0] as string, {
      ok: r[1] as number,
      counted: r[2] as number,
      hist: r.slice(3) as number[],
    });
  }
  const dayNow = new Map<string, UptimeCounts>();
  const days = prepared(sqlite, DAY_ROW_SQL).all(bucketStart('d', now)) as ({ k: string } & UptimeCounts)[];
  for (const { k, ok, counted } of days) dayNow.set(k, { ok, counted });
  const openIncidents = new Map<string, OpenIncidentRow>();
  const open = prepared(sqlite, OPEN_INCIDENTS_SQL).all() as ({ k: string } & OpenIncidentRow)[];
  // Ordered worst and newest last: the last one written per service stays.
  for (const { k, ...i } of open) openIncidents.set(k, i);
  return { hour, status, hourNow, dayNow, openIncidents };
}

/** The finished hours and days of the windows (GROUP BY over up to 30 rows per service). */
export function readPastTables(sqlite: Database.Database, now: number): PastTables {
  const hour = bucketStart('h', now);
  const prevHist = new Map<string, number[]>();
  for (const r of hourRows(sqlite, hour - HOUR)) prevHist.set(r[0] as string, r.slice(3) as number[]);
  const hours23 = new Map<string, UptimeCounts>();
  const hours = prepared(sqlite, PAST_HOURS_SQL).all(hour - 23 * HOUR, hour) as ({
    k: string;
  } & UptimeCounts)[];
  for (const { k, ok, counted } of hours) hours23.set(k, { ok, counted });
  const day = bucketStart('d', now);
  const days6 = new Map<string, UptimeCounts>();
  const days29 = new Map<string, UptimeCounts>();
  const days = prepared(sqlite, PAST_DAYS_SQL).all({ d6: day - 6 * DAY, d29: day - 29 * DAY, day }) as {
    k: string;
    ok6: number;
    counted6: number;
    ok29: number;
    counted29: number;
  }[];
  for (const r of days) {
    days6.set(r.k, { ok: r.ok6, counted: r.counted6 });
    days29.set(r.k, { ok: r.ok29, counted: r.counted29 });
  }
  return { hour, prevHist, hours23, days6, days29 };
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
