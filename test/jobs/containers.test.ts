import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LagHistogram } from '../../src/jobs/lag-histogram.js';
import { retryDelayMs } from '../../src/util/backoff.js';
import { Fifo, MinHeap } from '../../src/util/queues.js';

test('MinHeap pops in key order, whatever the push order', () => {
  const heap = new MinHeap<{ at: number }>((x) => x.at);
  const keys = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 1009);
  for (const at of keys) heap.push({ at });
  const out: number[] = [];
  for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x.at);
  assert.deepEqual(
    out,
    keys.toSorted((a, b) => a - b),
  );
  assert.equal(heap.length, 0);
  assert.equal(heap.peek(), undefined);
});

test('Fifo keeps order across compaction, removeWhere and drain', () => {
  const q = new Fifo<number>();
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 3000; i++) assert.equal(q.shift(), i);
  assert.equal(q.length, 2000);
  const removed = q.removeWhere((n) => n % 2 === 0);
  assert.equal(removed.length, 1000);
  assert.equal(q.shift(), 3001);
  q.push(9999);
  const rest = q.drain();
  assert.equal(rest.length, 1000);
  assert.equal(rest.at(-1), 9999);
  assert.equal(q.shift(), undefined);
});

test('LagHistogram percentiles', () => {
  const h = new LagHistogram(1000);
  for (let i = 1; i <= 100; i++) h.record(i);
  h.record(-5); // early timers count as 0
  h.record(5000); // beyond the range: the last bucket, and the max
  assert.equal(h.count, 102);
  assert.equal(h.percentile(0.5), 50);
  assert.equal(h.percentile(0.99), 100);
  assert.equal(h.percentile(1), 1000);
  assert.equal(h.max, 5000);
  h.reset();
  assert.equal(h.percentile(0.99), 0);
});

test('retry delay grows exponentially, is capped, and never drops below half its nominal value', () => {
  const low = { random: () => 0 };
  const high = { random: () => 0.999999 };
  assert.equal(retryDelayMs(1, low), 500);
  assert.equal(retryDelayMs(1, high), 1000);
  assert.equal(retryDelayMs(3, low), 2000);
  assert.equal(retryDelayMs(30, { ...high, maxMs: 60_000 }), 60_000);
  assert.equal(retryDelayMs(2, { baseMs: 100, random: () => 0.5 }), 150);
});
