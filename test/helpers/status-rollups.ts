import type Database from 'better-sqlite3';
import { bucketStart } from '../../src/db/local/rollup-store.js';
import type { LiveService } from '../../src/live/status-source.js';
import { bucketOf } from '../../src/results/latency-histogram.js';

/**
 * The live view's 10,000-service database, filled in SQL (test/live/status-source.test.ts checks
 * its numbers; status-worker.test.ts compares the worker's answers with them).
 */
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 10, 25, 12, 30, 20);
export const N = 10_000;
export const key = (i: number) => `svc${String(i).padStart(5, '0')}`;
export const service = (i: number): LiveService => ({
  key: key(i),
  url: `http://127.0.0.1:8000/${i}`,
  method: 'GET',
  origin: 'http://127.0.0.1:8000',
});
// i % 100 == 0 down, == 1 degraded, else up; i % 1000 == 999 has no rows at all.
const H42 = `h${bucketOf(42)}`;

/** 10,000 services: status rows, 60 minute rows, 24 hour rows and 30 day rows each, all in SQL. */
export function fill(sqlite: Database.Database): void {
  const m0 = bucketStart('m', NOW);
  const h0 = bucketStart('h', NOW);
  const d0 = bucketStart('d', NOW);
  const svc = `WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ${N}),
    k(i, key) AS (SELECT i, 'svc' || printf('%05d', i) FROM s WHERE i % 1000 != 999)`;
  sqlite.exec(`${svc}
    INSERT INTO service_status (service_key, state, since, last_at, last_duration_ms, last_status_code,
      last_error_class, last_result_id)
    SELECT key, CASE i % 100 WHEN 0 THEN 'down' WHEN 1 THEN 'degraded' ELSE 'up' END, ${NOW - HOUR},
      ${NOW - 5_000}, 42, CASE i % 100 WHEN 0 THEN 500 ELSE 200 END,
      CASE i % 100 WHEN 0 THEN 'http_status' ELSE NULL END, 'r' || i FROM k`);
  sqlite.exec(`${svc}, t(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM t WHERE j + 1 < 60)
    INSERT INTO rollups (res, bucket, service_key, n, up, degraded, down, lat_sum_ms, lat_count, ${H42})
    SELECT 'm', ${m0} - j * ${MIN}, key, 1, i % 100 > 1, i % 100 = 1, i % 100 = 0, 42, 1, 1 FROM k, t`);
  sqlite.exec(`${svc}, t(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM t WHERE j + 1 < 24)
    INSERT INTO rollups (res, bucket, service_key, n, up, degraded, down, missed, lat_sum_ms, lat_count, ${H42})
    SELECT 'h', ${h0} - j * ${HOUR}, key, 60, CASE WHEN i % 100 = 0 THEN 27 ELSE 54 END, 0,
      CASE WHEN i % 100 = 0 THEN 27 ELSE 0 END, 6, 42 * 54, 54, 54 FROM k, t`);
  sqlite.exec(`${svc}, t(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM t WHERE j + 1 < 30)
    INSERT INTO rollups (res, bucket, service_key, n, up, down)
    SELECT 'd', ${d0} - j * ${DAY}, key, 1440, CASE WHEN i % 100 = 0 AND j < 7 THEN 720 ELSE 1440 END,
      CASE WHEN i % 100 = 0 AND j < 7 THEN 720 ELSE 0 END FROM k, t`);
  // Outside every window, and a service no longer configured: neither may count.
  sqlite.exec(`INSERT INTO rollups (res, bucket, service_key, n, up, down, lat_count, h23) VALUES
    ('m', ${m0 - 60 * MIN}, 'svc00002', 1, 0, 1, 1, 1),
    ('h', ${h0 - 24 * HOUR}, 'svc00002', 60, 0, 60, 0, 0),
    ('d', ${d0 - 30 * DAY}, 'svc00002', 1440, 0, 1440, 0, 0),
    ('m', ${m0}, 'gone', 1, 1, 0, 1, 1)`);
  sqlite.exec(`INSERT INTO incidents (id, agent, service_key, url, method, kind, opened_at, cause,
      first_result_id, opening_result_id) VALUES
    ('inc-1', 'a', 'svc00000', 'u', 'GET', 'down', ${NOW - HOUR}, 'HTTP 500', 'r0', 'r0'),
    ('inc-2', 'a', 'svc00001', 'u', 'GET', 'degraded', ${NOW - HOUR}, 'slow', 'r1', 'r1')`);
}
