import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect } from '../../src/db/local/collect.js';
import { bucketStart, createRollupWriter, ROLLUP_KEEP_MS } from '../../src/db/local/rollup-store.js';
import { createRollupHook } from '../../src/live/rollup-hook.js';
import { composeHooks } from '../../src/queue/record-hooks.js';
import type { RecordHook } from '../../src/queue/store.js';
import { bucketOf, HIST_BUCKETS, quantileMs } from '../../src/results/latency-histogram.js';
import { makeResult } from '../helpers/results.js';
import { tempStore } from '../helpers/temp-store.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);

interface Row {
  res: string;
  bucket: number;
  service_key: string;
  n: number;
  up: number;
  degraded: number;
  down: number;
  missed: number;
  lat_sum_ms: number;
  lat_count: number;
  [h: string]: unknown;
}

function rows(s: ReturnType<typeof tempStore>, res: string): Row[] {
  return s.ldb.sqlite
    .prepare('SELECT * FROM rollups WHERE res = ? ORDER BY bucket, service_key')
    .all(res) as Row[];
}

test('results recorded through the job store are rolled up per minute, hour and day, with a status per service', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  s.store.setRecordHook(createRollupHook(s.ldb.sqlite));
  // a: three up in minute 0 (one transaction), one degraded, one down and one missed in minute 1.
  s.store.recordProbeResults(
    [
      makeResult('a', T0, { durationMs: 10 }),
      makeResult('a', T0 + 20_000, { durationMs: 20 }),
      makeResult('a', T0 + 40_000, { durationMs: 400 }),
      makeResult('b', T0, {
        state: 'down',
        ok: false,
        errorClass: 'connect',
        statusCode: null,
        durationMs: 5,
      }),
    ].map((result) => ({ result, job: null })),
  );
  s.store.recordProbeResults(
    [
      makeResult('a', T0 + MIN, { state: 'degraded', durationMs: 30 }),
      makeResult('a', T0 + MIN + 20_000, {
        state: 'down',
        ok: false,
        errorClass: 'http_status',
        statusCode: 500,
      }),
      makeResult('a', T0 + MIN + 40_000, {
        state: 'unknown',
        ok: false,
        errorClass: 'missed',
        statusCode: null,
        durationMs: null,
        startedAt: null,
      }),
    ].map((result) => ({ result, job: null })),
  );

  const m = rows(s, 'm');
  assert.deepEqual(
    m.map((r) => [r.bucket - T0, r.service_key, r.n, r.up, r.degraded, r.down, r.missed, r.lat_count]),
    [
      [0, 'a', 3, 3, 0, 0, 0, 3],
      [0, 'b', 1, 0, 0, 1, 0, 0], // no response: no latency
      [MIN, 'a', 3, 0, 1, 1, 1, 2],
    ],
  );
  assert.equal(m[0]?.lat_sum_ms, 430);
  assert.equal(m[0]?.[`h${bucketOf(400)}`], 1);
  const h = rows(s, 'h');
  assert.deepEqual(
    h.map((r) => [r.bucket, r.service_key, r.n, r.up, r.degraded, r.down, r.missed]),
    [
      [bucketStart('h', T0), 'a', 6, 3, 1, 1, 1],
      [bucketStart('h', T0), 'b', 1, 0, 0, 1, 0],
    ],
  );
  assert.equal(rows(s, 'd').length, 2);

  const st = s.ldb.sqlite.prepare('SELECT * FROM service_status ORDER BY service_key').all() as {
    service_key: string;
    state: string;
    since: number;
    last_at: number;
    last_status_code: number | null;
  }[];
  // The missed slot changes neither the state nor the last result.
  assert.deepEqual(
    st.map((r) => [r.service_key, r.state, r.since - T0, r.last_at - T0, r.last_status_code]),
    [
      ['a', 'down', MIN + 20_045, MIN + 20_045, 500],
      ['b', 'down', 45, 45, null],
    ],
  );
});

test('since stays while the state holds across transactions, and moves when it changes', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  s.store.setRecordHook(createRollupHook(s.ldb.sqlite));
  const record = (at: number, state: 'up' | 'down') =>
    s.store.recordProbeResults([
      {
        result: makeResult('a', at, state === 'up' ? {} : { state, ok: false, errorClass: 'connect' }),
        job: null,
      },
    ]);
  const since = () => s.ldb.sqlite.prepare('SELECT since FROM service_status').pluck().get() as number;
  record(T0, 'up');
  record(T0 + MIN, 'up');
  assert.equal(since(), T0 + 45);
  record(T0 + 2 * MIN, 'down');
  assert.equal(since(), T0 + 2 * MIN + 45);
  record(T0 + 3 * MIN, 'down');
  assert.equal(since(), T0 + 2 * MIN + 45);
});

test('a transaction that rolls back leaves no rollup rows, and the next one counts from zero', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  const boom: RecordHook = {
    mark() {},
    recorded(r) {
      if (r.serviceKey === 'boom') throw new Error('boom');
    },
    committed() {},
    rolledBack() {},
  };
  s.store.setRecordHook(composeHooks([createRollupHook(s.ldb.sqlite), boom]));
  assert.throws(
    () =>
      s.store.recordProbeResults(
        [makeResult('a', T0), makeResult('boom', T0)].map((result) => ({ result, job: null })),
      ),
    /boom/,
  );
  assert.equal(s.ldb.sqlite.prepare('SELECT count(*) FROM rollups').pluck().get(), 0);
  assert.equal(s.ldb.sqlite.prepare('SELECT count(*) FROM service_status').pluck().get(), 0);
  s.store.recordProbeResults([{ result: makeResult('a', T0 + 1000), job: null }]);
  assert.equal(rows(s, 'm')[0]?.n, 1);
});

test('a slot recorded twice (a resend) counts once', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  s.store.setRecordHook(createRollupHook(s.ldb.sqlite));
  const r = makeResult('a', T0);
  s.store.recordProbeResults([{ result: r, job: null }]);
  s.store.recordProbeResults([{ result: { ...r }, job: null }]);
  assert.equal(rows(s, 'm')[0]?.n, 1);
});

test('percentiles from the histogram land within a bucket of the truth', () => {
  const counts = new Array<number>(HIST_BUCKETS).fill(0);
  const values: number[] = [];
  for (let i = 1; i <= 1000; i++) {
    const v = i; // 1..1000 ms, uniform
    values.push(v);
    counts[bucketOf(v)]! += 1;
  }
  const p50 = quantileMs(counts, 0.5)!;
  const p95 = quantileMs(counts, 0.95)!;
  assert.ok(p50 > 500 / 1.6 && p50 < 500 * 1.6, `p50 ${p50}`);
  assert.ok(p95 > 950 / 1.6 && p95 < 950 * 1.6, `p95 ${p95}`);
  assert.equal(quantileMs(new Array<number>(HIST_BUCKETS).fill(0), 0.5), null);
  assert.equal(bucketOf(0.5), 0);
  assert.equal(bucketOf(1e9), HIST_BUCKETS - 1);
});

test('collect deletes minute buckets older than 48 h and hour buckets older than 90 d', (t) => {
  const s = tempStore();
  t.after(s.cleanup);
  const w = createRollupWriter(s.ldb.sqlite);
  const now = Date.UTC(2026, 10, 25, 12, 0, 0);
  const add = (res: 'm' | 'h' | 'd', bucket: number) =>
    w.addRollup({
      res,
      bucket,
      serviceKey: 'a',
      n: 1,
      up: 1,
      degraded: 0,
      down: 0,
      missed: 0,
      latSumMs: 1,
      latCount: 1,
      hist: new Array<number>(HIST_BUCKETS).fill(0),
    });
  add('m', now - ROLLUP_KEEP_MS.m - MIN);
  add('m', now - ROLLUP_KEEP_MS.m + MIN);
  add('h', now - ROLLUP_KEEP_MS.h - 3_600_000);
  add('h', now - 47 * 3_600_000 - MIN * 60); // older than 48 h, but hours stay 90 d
  add('d', now - ROLLUP_KEEP_MS.d - 86_400_000);
  add('d', now - 86_400_000);
  const r = collect(s.ldb, { now, graceMs: 0 });
  assert.equal(r.rollupsDeleted, 3);
  assert.deepEqual(s.ldb.sqlite.prepare('SELECT res, bucket FROM rollups ORDER BY res, bucket').all(), [
    { res: 'd', bucket: now - 86_400_000 },
    { res: 'h', bucket: now - 48 * 3_600_000 },
    { res: 'm', bucket: now - ROLLUP_KEEP_MS.m + MIN },
  ]);
});
