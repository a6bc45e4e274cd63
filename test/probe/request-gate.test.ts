import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequestGate } from '../../src/probe/request-gate.js';

/** A gate on a hand-moved clock; `log` records starts and misses in order. */
function harness(perOrigin: number, concurrency = 512) {
  let t = 1_000;
  const log: string[] = [];
  const gate = createRequestGate<string>({
    start: (name) => log.push(`start ${name}`),
    miss: (name) => log.push(`miss ${name}`),
    perOrigin,
    concurrency,
    now: () => t,
    sweepMs: 10,
  });
  const enter = (origin: string, name: string, windowEndsAt = Number.MAX_SAFE_INTEGER) =>
    gate.enter(origin, windowEndsAt, name);
  return {
    gate,
    log,
    enter,
    advance(ms: number) {
      t += ms;
    },
    now: () => t,
  };
}

test('request gate: at most perOrigin at once per origin, the rest in arrival order as slots free', () => {
  const h = harness(2);
  for (const n of ['a1', 'a2', 'a3', 'a4']) h.enter('http://a', n);
  h.enter('http://b', 'b1');
  // Another origin is not held by a's queue.
  assert.deepEqual(h.log, ['start a1', 'start a2', 'start b1']);
  assert.equal(h.gate.waiting, 2);
  assert.equal(h.gate.active, 3);
  h.gate.release('http://a');
  assert.deepEqual(h.log.slice(3), ['start a3']);
  h.gate.release('http://a');
  h.gate.release('http://a');
  assert.deepEqual(h.log.slice(4), ['start a4']);
  assert.equal(h.gate.waiting, 0);
  // a has one in flight (a4): of two more, one starts and one waits.
  h.enter('http://a', 'a5');
  h.enter('http://a', 'a6');
  assert.deepEqual(h.log.slice(5), ['start a5']);
  // A release of an origin with nothing in flight changes nothing.
  h.gate.release('http://nobody');
  assert.equal(h.gate.active, 3);
  h.gate.close();
});

test('request gate: the global cap holds every origin, and origins take turns when it frees', () => {
  const h = harness(10, 2);
  h.enter('http://a', 'a1');
  h.enter('http://a', 'a2');
  h.enter('http://a', 'a3');
  h.enter('http://b', 'b1');
  h.enter('http://c', 'c1');
  assert.deepEqual(h.log, ['start a1', 'start a2']);
  // a's own waiter goes first on a's release; the next release goes to b, not a again.
  h.gate.release('http://a');
  assert.deepEqual(h.log.slice(2), ['start a3']);
  h.gate.release('http://a');
  assert.deepEqual(h.log.slice(3), ['start b1']);
  h.gate.release('http://a');
  assert.deepEqual(h.log.slice(4), ['start c1']);
  assert.equal(h.gate.waiting, 0);
  assert.equal(h.gate.active, 2);
  h.gate.close();
});

test('request gate: a probe whose window ends while it waits is missed, never started late', async () => {
  const h = harness(1);
  h.enter('http://a', 'first');
  h.enter('http://a', 'short', h.now() + 50);
  h.enter('http://a', 'long', h.now() + 10_000);
  h.advance(60);
  // Freed after the short one's window: it is missed, the long one starts.
  h.gate.release('http://a');
  assert.deepEqual(h.log, ['start first', 'miss short', 'start long']);

  // Without any release, the sweep reports the miss promptly.
  h.enter('http://a', 'swept', h.now() + 20);
  h.advance(30);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(h.log.slice(3), ['miss swept']);
  assert.equal(h.gate.waiting, 0);
  h.gate.close();
});

test('request gate: abandon answers everything that waits with its miss (shutdown)', () => {
  const h = harness(1, 1);
  for (const n of ['x', 'y']) h.enter('http://a', n);
  h.enter('http://b', 'z');
  assert.equal(h.gate.waiting, 2);
  h.gate.abandon();
  assert.deepEqual(h.log, ['start x', 'miss y', 'miss z']);
  assert.equal(h.gate.waiting, 0);
  assert.equal(h.gate.active, 1);
  // The one in flight still releases normally.
  h.gate.release('http://a');
  assert.equal(h.gate.active, 0);
  h.gate.close();
});
