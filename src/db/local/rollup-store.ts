import type Database from 'better-sqlite3';
import { ROLLUP_HIST_BUCKETS } from './schema.js';
import { prepared } from './statements.js';

/**
 * The rollups' writes (the live view's hook calls them inside the transaction that records the
 * results): add one aggregate to a (resolution, bucket, service) row, and replace a service's
 * current status.
 */

export type RollupRes = 'm' | 'h' | 'd';

/** Bucket sizes in ms; day buckets are UTC days. */
export const ROLLUP_RES_MS: Record<RollupRes, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** How long each resolution is kept (collect deletes older buckets): 48 h, 90 d, 90 d. */
export const ROLLUP_KEEP_MS: Record<RollupRes, number> = {
  m: 48 * 3_600_000,
  h: 90 * 86_400_000,
  d: 90 * 86_400_000,
};

export interface RollupDelta {
  res: RollupRes;
  bucket: number;
  serviceKey: string;
  n: number;
  up: number;
  degraded: number;
  down: number;
  missed: number;
  latSumMs: number;
  latCount: number;
  /** ROLLUP_HIST_BUCKETS counters. */
  hist: number[];
}

export interface StatusUpdate {
  serviceKey: string;
  state: string;
  /** When the trailing run of `state` in this transaction began. */
  since: number;
  /** Every result of this transaction had `state`: the stored `since` stands if it had it too. */
  sameRun: boolean;
  lastAt: number;
  lastDurationMs: number | null;
  lastStatusCode: number | null;
  lastErrorClass: string | null;
  lastResultId: string;
}

const HIST = Array.from({ length: ROLLUP_HIST_BUCKETS }, (_, i) => `h${i}`);
const SUMMED = ['n', 'up', 'degraded', 'down', 'missed', 'lat_sum_ms', 'lat_count', ...HIST];

const UPSERT_ROLLUP_SQL = `INSERT INTO rollups (res, bucket, service_key, ${SUMMED.join(', ')})
  VALUES (?, ?, ?, ${SUMMED.map(() => '?').join(', ')})
  ON CONFLICT (res, bucket, service_key) DO UPDATE SET
  ${SUMMED.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;

// An older result arriving late (a resend after a crash) does not move the status back.
const UPSERT_STATUS_SQL = `INSERT INTO service_status (service_key, state, since, last_at,
    last_duration_ms, last_status_code, last_error_class, last_result_id)
  VALUES (@serviceKey, @state, @since, @lastAt, @lastDurationMs, @lastStatusCode, @lastErrorClass, @lastResultId)
  ON CONFLICT (service_key) DO UPDATE SET
    since = CASE WHEN @sameRun = 1 AND service_status.state = excluded.state
      THEN service_status.since ELSE excluded.since END,
    state = excluded.state, last_at = excluded.last_at, last_duration_ms = excluded.last_duration_ms,
    last_status_code = excluded.last_status_code, last_error_class = excluded.last_error_class,
    last_result_id = excluded.last_result_id
  WHERE excluded.last_at >= service_status.last_at`;

export interface RollupWriter {
  addRollup(d: RollupDelta): void;
  setStatus(s: StatusUpdate): void;
}

export function createRollupWriter(sqlite: Database.Database): RollupWriter {
  const rollup = prepared(sqlite, UPSERT_ROLLUP_SQL);
  const status = prepared(sqlite, UPSERT_STATUS_SQL);
  return {
    addRollup(d) {
      rollup.run(
        d.res,
        d.bucket,
        d.serviceKey,
        d.n,
        d.up,
        d.degraded,
        d.down,
        d.missed,
        Math.round(d.latSumMs),
        d.latCount,
        ...d.hist,
      );
    },
    setStatus(s) {
      status.run({ ...s, sameRun: s.sameRun ? 1 : 0 });
    },
  };
}

/** Bucket start of `at` in a resolution. */
export function bucketStart(res: RollupRes, at: number): number {
  const size = ROLLUP_RES_MS[res];
  return Math.floor(at / size) * size;
}
