import type Database from 'better-sqlite3';
import type { ResolvedService } from '../config/resolve.js';
import {
  type HistoryRow,
  readHistory,
  readStatusTables,
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

const ratio = (u: UptimeCounts | undefined): number | null =>
  u === undefined || u.counted <= 0 ? null : u.ok / u.counted;

const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);

/**
 * The rollups joined with the configured services: a service without rows yet has nulls, a row of
 * a service no longer configured is not shown.
 */
export function createStatusSource(options: StatusSourceOptions): StatusSource {
  const { sqlite } = options;
  const now = options.now ?? Date.now;
  return {
    status() {
      const t = readStatusTables(sqlite, now());
      return options.services().map((s): ServiceStatus => {
        const st = t.status.get(s.key);
        const hist = t.latency.get(s.key);
        const up = t.uptime.get(s.key);
        const inc = t.openIncidents.get(s.key);
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
          uptime24h: ratio(up?.d1),
          uptime7d: ratio(up?.d7),
          uptime30d: ratio(up?.d30),
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
