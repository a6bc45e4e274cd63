import type Database from 'better-sqlite3';
import type { ResolvedService } from '../config/resolve.js';
import {
  type HistoryRow,
  type PastTables,
  readCurrentTables,
  readHistory,
  readPastTables,
  type UptimeCounts,
} from '../db/local/rollup-queries.js';
import type { IncidentKind } from '../results/incident.js';
import { HIST_BUCKETS, quantileMs } from '../results/latency-histogram.js';
import type { ProbeState } from '../results/types.js';
import type { HistoryBucket, ServiceStatus, StatusSource } from './types.js';

/** The fields of a configured service the live view shows. */
export type LiveService = Pick<ResolvedService, 'key' | 'url' | 'method' | 'origin'>;

export interface StatusSourceOptions {
  /** The local database connection (the daemon's, or a read-only one of the CLI). */
  sqlite: Database.Database;
  /** The configured services, in config order; called on every read so a reload shows at once. */
  services: () => readonly LiveService[];
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

/** Most buckets one history() call returns (a year of days; a week of minutes is 10,080). */
export const HISTORY_MAX_BUCKETS = 20_000;

/**
 * The finished hours and days are read again at most this often (and at every new hour): they
 * change only by a result recorded after its bucket ended, and reading them is most of the cost
 * of status() (~0.3 s at 10,000 services, against a few tens of ms for the current rows).
 * 5 minutes.
 */
export const PAST_REFRESH_MS = 5 * 60_000;

const HOUR = 3_600_000;

/** Uptime of the current bucket's counts plus the past ones'; null with nothing counted. */
function ratio(a: UptimeCounts | undefined, b: UptimeCounts | undefined): number | null {
  const counted = (a?.counted ?? 0) + (b?.counted ?? 0);
  return counted <= 0 ? null : ((a?.ok ?? 0) + (b?.ok ?? 0)) / counted;
}

/** The current hour's histogram plus the previous hour's, weighted by its share of the last 60 min. */
function lastHour(
  current: number[] | undefined,
  previous: number[] | undefined,
  weight: number,
): number[] | null {
  if (current === undefined && previous === undefined) return null;
  const out = new Array<number>(HIST_BUCKETS).fill(0);
  for (let i = 0; i < HIST_BUCKETS; i++) out[i] = (current?.[i] ?? 0) + (previous?.[i] ?? 0) * weight;
  return out;
}

const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);

/**
 * The rollups joined with the configured services: a service without rows yet has nulls, a row of
 * a service no longer configured is not shown.
 */
export function createStatusSource(options: StatusSourceOptions): StatusSource {
  const { sqlite } = options;
  const now = options.now ?? Date.now;
  let past: (PastTables & { at: number }) | null = null;
  function pastAt(t: number): PastTables {
    if (past === null || past.hour !== Math.floor(t / HOUR) * HOUR || t - past.at >= PAST_REFRESH_MS) {
      past = { ...readPastTables(sqlite, t), at: t };
    }
    return past;
  }
  return {
    status() {
      const t = now();
      const cur = readCurrentTables(sqlite, t);
      const p = pastAt(t);
      const weight = 1 - (t - cur.hour) / HOUR;
      return options.services().map((s): ServiceStatus => {
        const st = cur.status.get(s.key);
        const hourNow = cur.hourNow.get(s.key);
        const dayNow = cur.dayNow.get(s.key);
        const hist = lastHour(hourNow?.hist, p.prevHist.get(s.key), weight);
        const inc = cur.openIncidents.get(s.key);
        return {
          key: s.key,
          url: s.url,
          method: s.method,
          origin: s.origin,
          state: (st?.state as ProbeState | undefined) ?? null,
          since: st?.since ?? null,
          lastAt: st?.lastAt ?? null,
          lastDurationMs: st?.lastDurationMs ?? null,
          lastStatusCode: st?.lastStatusCode ?? null,
          lastErrorClass: st?.lastErrorClass ?? null,
          latencyP50Ms: hist ? round(quantileMs(hist, 0.5)) : null,
          latencyP95Ms: hist ? round(quantileMs(hist, 0.95)) : null,
          uptime24h: ratio(hourNow, p.hours23.get(s.key)),
          uptime7d: ratio(dayNow, p.days6.get(s.key)),
          uptime30d: ratio(dayNow, p.days29.get(s.key)),
          openIncident: inc
            ? { id: inc.id, kind: inc.kind as IncidentKind, openedAt: inc.openedAt, cause: inc.cause }
            : null,
        };
      });
    },
    history(key, from, to, stepMs) {
      if (!options.services().some((s) => s.key === key)) return null;
      if (!(stepMs > 0) || !(to > from) || (to - from) / stepMs > HISTORY_MAX_BUCKETS) {
        throw new RangeError(
          `history needs from < to and a step that gives at most ${HISTORY_MAX_BUCKETS} buckets`,
        );
      }
      return rebucket(readHistory(sqlite, key, from, to), from, to, stepMs);
    },
  };
}

/** Rows summed into buckets of `stepMs` from `from`; empty buckets are there with n = 0. */
function rebucket(rows: readonly HistoryRow[], from: number, to: number, stepMs: number): HistoryBucket[] {
  const count = Math.ceil((to - from) / stepMs);
  const acc = Array.from({ length: count }, (_, i) => ({
    at: from + i * stepMs,
    n: 0,
    up: 0,
    degraded: 0,
    down: 0,
    missed: 0,
    latSum: 0,
    latCount: 0,
    hist: new Array<number>(HIST_BUCKETS).fill(0),
  }));
  for (const r of rows) {
    const b = acc[Math.floor((r.bucket - from) / stepMs)];
    if (b === undefined) continue;
    b.n += r.n;
    b.up += r.up;
    b.degraded += r.degraded;
    b.down += r.down;
    b.missed += r.missed;
    b.latSum += r.latSumMs;
    b.latCount += r.latCount;
    for (let i = 0; i < HIST_BUCKETS; i++) b.hist[i]! += r.hist[i] ?? 0;
  }
  return acc.map((b) => ({
    at: b.at,
    n: b.n,
    up: b.up,
    degraded: b.degraded,
    down: b.down,
    missed: b.missed,
    latencyAvgMs: b.latCount > 0 ? round(b.latSum / b.latCount) : null,
    latencyP95Ms: b.latCount > 0 ? round(quantileMs(b.hist, 0.95)) : null,
  }));
}
