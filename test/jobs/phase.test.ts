import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_WINDOW_MS, phaseOf, requestsPerMinute, slotsBetween } from '../../src/jobs/phase.js';
import { resolvedService } from '../helpers/services.js';

test('10,000 services at 5 s spread over the interval: no 100 ms bucket holds 3x the average', () => {
  const buckets = new Array<number>(50).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const s = resolvedService(`http://host-${i % 37}.example:8080/path/${i}`, { timeout: 15 });
    const phase = phaseOf(s.key, 5000);
    assert.ok(phase >= 0 && phase < 5000);
    buckets[Math.floor(phase / 100)]!++;
  }
  const average = 10_000 / 50;
  const max = Math.max(...buckets);
  const min = Math.min(...buckets);
  assert.ok(max <= 3 * average, `fullest 100 ms bucket holds ${max}, average ${average}`);
  assert.ok(min > 0, 'every 100 ms bucket gets some services');
});

test('grid slots: phase + k·interval, adjacent ranges neither repeat nor skip a slot', () => {
  const s = resolvedService('http://127.0.0.1:1/a', { interval_sec: 0.2, timeout: 15 });
  const phase = phaseOf(s.key, 200);
  const t0 = 1_700_000_000_000;
  const whole = slotsBetween(s, t0, t0 + 10_000);
  assert.equal(whole.length, 50);
  for (const slot of whole) {
    assert.equal((slot.scheduledAt - phase) % 200, 0);
    assert.equal(slot.windowEndsAt, slot.scheduledAt + 200);
  }
  const parts = [];
  for (let t = t0; t < t0 + 10_000; t += 137)
    parts.push(...slotsBetween(s, t, Math.min(t + 137, t0 + 10_000)));
  assert.deepEqual(
    parts.map((p) => p.scheduledAt),
    whole.map((p) => p.scheduledAt),
  );
  // from is inclusive, to exclusive.
  const first = whole[0]!.scheduledAt;
  assert.equal(slotsBetween(s, first, first + 1).length, 1);
  assert.equal(slotsBetween(s, first - 1, first).length, 0);
});

test('the phase depends on the key, so a reload with the same service keeps its slots', () => {
  const a = resolvedService('http://127.0.0.1:1/a', { interval_sec: 5, timeout: 15 });
  const again = resolvedService('http://127.0.0.1:1/a', { interval_sec: 5, timeout: 3 });
  const t0 = 1_700_000_000_000;
  assert.deepEqual(slotsBetween(a, t0, t0 + 20_000), slotsBetween(again, t0, t0 + 20_000));
});

test('cron services use croner run times; the window is the gap to the next run, capped', () => {
  const everyTwo = resolvedService('http://127.0.0.1:1/c', { cron: '*/2 * * * * *', timeout: 15 });
  const t0 = Date.UTC(2030, 0, 1, 0, 0, 0);
  const slots = slotsBetween(everyTwo, t0, t0 + 10_000);
  assert.deepEqual(
    slots.map((s) => s.scheduledAt - t0),
    [0, 2000, 4000, 6000, 8000],
  );
  assert.ok(slots.every((s) => s.windowEndsAt === s.scheduledAt + 2000));
  const hourly = resolvedService('http://127.0.0.1:1/h', { cron: '0 0 * * * *', timeout: 15 });
  const h = slotsBetween(hourly, t0, t0 + 3 * 3_600_000);
  assert.equal(h.length, 3);
  assert.equal(h[0]!.windowEndsAt - h[0]!.scheduledAt, MAX_WINDOW_MS);
  assert.equal(requestsPerMinute(everyTwo, t0), 30);
  assert.equal(
    requestsPerMinute(resolvedService('http://127.0.0.1:1/i', { interval_sec: 5, timeout: 15 })),
    12,
  );
});
