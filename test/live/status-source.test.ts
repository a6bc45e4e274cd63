import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Database from 'better-sqlite3';
import { bucketStart } from '../../src/db/local/rollup-store.js';
import { createRollupHook } from '../../src/live/rollup-hook.js';
import { createStatusSource, type LiveService, PAST_REFRESH_MS } from '../../src/live/status-source.js';
import { bucketOf, bucketUpperMs } from '../../src/results/latency-histogram.js';
import { makeResult } from '../helpers/results.js';
import { tempStore } from '../helpers/temp-store.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 25, 12, 30, 20);
const N = 10_000;
const key = (i: number) => `svc${String(i).padStart(5, '0')}`;
const service = (i: number): LiveService => ({
  key: key(i),
  url: `http://127.0.0.1:8000/${i}`,
  method: 'GET',
  origin: 'http://127.0.0.1:8000',
});
// i % 100 == 0 down, == 1 degraded, else up; i % 1000 == 999 has no rows at all.
const H42 = `h${bucketOf(42)}`;

/** 10,000 services: status rows, 60 minute rows, 24 hour rows and 30 day rows each, all in SQL. */
function fill(sqlite: Database.Database): void {
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

test('status() at 10,000 services: every configured service, the right numbers, one query per table', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  fill(s.ldb.sqlite);
  const services = Array.from({ length: N }, (_, i) => service(i));
  const source = createStatusSource({ sqlite: s.ldb.sqlite, services: () => services, now: () => NOW });

  const started = process.hrtime.bigint();
  const all = source.status();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.diagnostic(`status() of ${N} services took ${ms.toFixed(0)} ms`);
  // A second read within PAST_REFRESH_MS reads only the current rows, as a polling page sees it.
  const again = process.hrtime.bigint();
  source.status();
  t.diagnostic(
    `again (finished hours and days kept): ${(Number(process.hrtime.bigint() - again) / 1e6).toFixed(0)} ms`,
  );

  assert.equal(all.length, N);
  assert.deepEqual(
    all.slice(0, 3).map((x) => x.key),
    ['svc00000', 'svc00001', 'svc00002'],
  );
  const [down, degraded, up] = all as [(typeof all)[0], (typeof all)[0], (typeof all)[0]];
  assert.equal(down.state, 'down');
  assert.equal(down.lastStatusCode, 500);
  assert.equal(down.lastErrorClass, 'http_status');
  assert.equal(down.uptime24h, 0.5);
  assert.equal(down.uptime7d, 0.5);
  assert.equal(down.uptime30d, (23 * 1440 + 7 * 720) / (30 * 1440));
  assert.deepEqual(down.openIncident, { id: 'inc-1', kind: 'down', openedAt: NOW - HOUR, cause: 'HTTP 500' });
  assert.equal(degraded.state, 'degraded');
  assert.equal(degraded.openIncident?.kind, 'degraded');
  // svc00002 has rows outside the windows (a down minute of 1 h ago, a down hour of 24 h ago …).
  assert.equal(up.state, 'up');
  assert.equal(up.since, NOW - HOUR);
  assert.equal(up.uptime24h, 1);
  assert.equal(up.uptime7d, 1);
  assert.equal(up.uptime30d, 1);
  assert.equal(up.openIncident, null);
  const b = bucketOf(42);
  for (const p of [up.latencyP50Ms, up.latencyP95Ms]) {
    assert.ok(p !== null && p > bucketUpperMs(b - 1) && p <= bucketUpperMs(b), `latency ${p}`);
  }
  const none = all[999]!;
  assert.equal(none.key, 'svc00999');
  assert.deepEqual(
    [
      none.state,
      none.since,
      none.lastAt,
      none.latencyP50Ms,
      none.uptime24h,
      none.uptime30d,
      none.openIncident,
    ],
    [null, null, null, null, null, null, null],
  );
  assert.equal(all.filter((x) => x.state === 'down').length, 100);
  assert.ok(!all.some((x) => x.key === 'gone'));
});

test('the finished hours are kept for PAST_REFRESH_MS; the current hour shows at once', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  const h0 = bucketStart('h', NOW);
  const add = (bucket: number, up: number, down: number) =>
    s.ldb.sqlite
      .prepare(
        `INSERT INTO rollups (res, bucket, service_key, n, up, down) VALUES ('h', ?, 'a', ?, ?, ?)
         ON CONFLICT DO UPDATE SET n = n + excluded.n, up = up + excluded.up, down = down + excluded.down`,
      )
      .run(bucket, up + down, up, down);
  add(h0, 1, 0);
  add(h0 - HOUR, 1, 0);
  let clock = NOW;
  const source = createStatusSource({
    sqlite: s.ldb.sqlite,
    services: () => [{ ...service(0), key: 'a' }],
    now: () => clock,
  });
  assert.equal(source.status()[0]?.uptime24h, 1);
  add(h0, 0, 2); // current hour: 1 up, 2 down
  assert.equal(source.status()[0]?.uptime24h, 2 / 4);
  add(h0 - HOUR, 0, 4); // a late result in a finished hour: not read again yet
  assert.equal(source.status()[0]?.uptime24h, 2 / 4);
  clock = NOW + PAST_REFRESH_MS;
  assert.equal(source.status()[0]?.uptime24h, 2 / 8);
});

test('history(): minute rows summed into steps up to 48 h, hour rows beyond; unknown service → null', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  s.store.setRecordHook(createRollupHook(s.ldb.sqlite));
  const t0 = Date.UTC(2026, 10, 25, 10, 0, 0);
  // One result a minute for 10 minutes; minutes 5..9 down (no response).
  s.store.recordProbeResults(
    Array.from({ length: 10 }, (_, i) => ({
      result: makeResult(
        'a',
        t0 + i * MIN,
        i < 5
          ? { durationMs: 10 * (i + 1) }
          : { state: 'down', ok: false, errorClass: 'timeout', statusCode: null },
      ),
      job: null,
    })),
  );
  const source = createStatusSource({
    sqlite: s.ldb.sqlite,
    services: () => [{ ...service(0), key: 'a' }],
    now: () => t0 + 10 * MIN,
  });
  const five = source.history('a', t0, t0 + 15 * MIN, 5 * MIN);
  assert.deepEqual(
    five?.map((x) => [x.at - t0, x.n, x.up, x.down, x.latencyAvgMs]),
    [
      [0, 5, 5, 0, 30],
      [5 * MIN, 5, 0, 5, null],
      [10 * MIN, 0, 0, 0, null],
    ],
  );
  assert.ok((five?.[0]?.latencyP95Ms ?? 0) > 32, 'p95 near the top of 10..50 ms');
  const days = source.history('a', t0 - 3 * DAY, t0 + DAY, DAY);
  assert.deepEqual(
    days?.map((x) => x.n),
    [0, 0, 0, 10],
  );
  assert.equal(source.history('nope', t0, t0 + HOUR, MIN), null);
  assert.throws(() => source.history('a', t0, t0 + DAY, 1), /at most/);
});
