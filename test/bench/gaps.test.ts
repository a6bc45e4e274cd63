import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapStats, quantile } from '../../bench/gaps.js';
import { resolveService } from '../../src/config/resolve.js';
import { phaseOf } from '../../src/jobs/phase.js';

const INTERVAL = 5000;
const services = [0, 1, 2].map((i) =>
  resolveService({
    url: `http://127.0.0.1:1/svc/${i}`,
    method: 'GET',
    check_regex: false,
    regex: null,
    interval_sec: 5,
    timeout: 15,
  }),
);

/** The first slot of service i at or after `from`. */
function firstSlot(i: number, from: number): number {
  const phase = phaseOf(services[i]!.key, INTERVAL);
  return phase + Math.ceil((from - phase) / INTERVAL) * INTERVAL;
}

test('gapStats: on time, duplicates, gap deviation and lag from an arrival log, warm-up excluded', () => {
  const t0 = 1_000_000_000_000;
  const t1 = t0 + 4 * INTERVAL;
  const index: number[] = [];
  const at: number[] = [];
  const arrive = (i: number, when: number) => {
    index.push(i);
    at.push(when);
  };
  // Service 0: every slot on time (+10 ms), and a warm-up arrival 3 s late right before the window
  // (its gap to the first window arrival is the warm-up's, not the window's).
  const s0 = firstSlot(0, t0);
  arrive(0, s0 - INTERVAL + 3000);
  for (let k = 0; k < 4; k++) arrive(0, s0 + k * INTERVAL + 10);
  // Service 1: slot 2 of 4 never arrives, slot 3 arrives twice.
  const s1 = firstSlot(1, t0);
  arrive(1, s1 - INTERVAL + 10);
  arrive(1, s1 + 10);
  arrive(1, s1 + 2 * INTERVAL + 10);
  arrive(1, s1 + 3 * INTERVAL + 10);
  arrive(1, s1 + 3 * INTERVAL + 400);
  // Service 2: one start 200 ms late (a gap 200 ms long, then one 200 ms short).
  const s2 = firstSlot(2, t0);
  for (let k = 0; k < 4; k++) arrive(2, s2 + k * INTERVAL + (k === 1 ? 210 : 10));
  // Arrivals after the window do not count.
  arrive(2, s2 + 4 * INTERVAL + 10);

  const order = at.map((_, k) => k).sort((a, b) => at[a]! - at[b]!);
  const g = gapStats(
    { index: Int32Array.from(order.map((k) => index[k]!)), at: Float64Array.from(order.map((k) => at[k]!)) },
    services,
    t0,
    t1,
  );
  assert.equal(g.scheduled, 12);
  assert.equal(g.executed, 11);
  assert.equal(g.duplicates, 1);
  assert.equal(g.servicesWithMisses, 1);
  // Gaps inside the window: service 0: 3 × 0; service 1: one of two intervals (5000), one of 0;
  // service 2: 0, 200, 200 (the first arrival has no window predecessor).
  assert.equal(g.gaps, 3 + 2 + 3);
  assert.equal(g.gapDeviationMaxMs, 5000);
  assert.equal(g.arrivalLagMaxMs, 210);
  assert.equal(g.arrivalLagMinMs, 10);
  assert.ok(Math.abs(g.onTimePct! - (11 / 12) * 100) < 1e-9);
});

test('quantile is the nearest rank', () => {
  const v = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(quantile(v, 0.5), 5);
  assert.equal(quantile(v, 0.99), 10);
  assert.equal(quantile(new Float64Array(0), 0.5), null);
});
