import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketStart } from '../../src/db/local/rollup-store.js';
import { createRollupHook } from '../../src/live/rollup-hook.js';
import { createStatusSource, PAST_REFRESH_MS } from '../../src/live/status-source.js';
import { bucketOf, bucketUpperMs } from '../../src/results/latency-histogram.js';
import { makeResult } from '../helpers/results.js';
import { DAY, fill, HOUR, MIN, N, NOW, service } from '../helpers/status-rollups.js';
import { tempStore } from '../helpers/temp-store.js';

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
