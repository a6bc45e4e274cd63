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

test('request gate overload: once the oldest waiter has waited past maxWaitMs, fresh probes are missed at once, owed ones wait and go first', () => {
  let t = 1_000;
  const log: string[] = [];
  const owed = new Set<string>();
  const gate = createRequestGate<string>({
    start: (name) => log.push(`start ${name}`),
    miss: (name) => log.push(`miss ${name}`),
    perOrigin: 1,
    now: () => t,
    maxWaitMs: 500,
    owed: (name) => owed.has(name),
  });
  const far = Number.MAX_SAFE_INTEGER;
  gate.enter('o', far, 'a');
  gate.enter('o', far, 'b');
  t += 400;
  // The oldest waiter (b) has waited 400 ms: not overloaded yet, c waits too.
  gate.enter('o', far, 'c');
  assert.deepEqual(log, ['start a']);
  t += 200;
  // b has now waited 600 ms: d is missed on arrival, e (owed) waits, ahead of b and c.
  gate.enter('o', far, 'd');
  owed.add('e');
  gate.enter('o', far, 'e');
  assert.deepEqual(log, ['start a', 'miss d']);
  assert.equal(gate.shed, 1);
  assert.equal(gate.waiting, 3);
  gate.release('o');
  gate.release('o');
  gate.release('o');
  gate.release('o');
  assert.deepEqual(log.slice(2), ['start e', 'start b', 'start c']);
  gate.close();
});

test('request gate overload at 1.5× what the caps run: the rate holds, no service misses two slots in a row, the queue stays bounded', () => {
  // 30 services due every 100 ms (300/s) at an origin that runs 2 at a time for 10 ms each (200/s).
  // As in the runner, a service has one probe at the gate at most; its next slot waits for it.
  type Probe = { id: number; windowEndsAt: number };
  let t = 0;
  const services = 30;
  const periodMs = 100;
  const seconds = 20;
  const runs = new Array<number>(services).fill(0);
  const history: string[][] = Array.from({ length: services }, () => []);
  const owed = new Set<number>();
  const atGate = new Set<number>();
  const next = new Map<number, Probe>();
  const active: Array<{ id: number; endsAt: number }> = [];
  let maxWaiting = 0;
  const settle = (id: number) => {
    atGate.delete(id);
    const n = next.get(id);
    next.delete(id);
    if (n !== undefined) enter(n);
  };
  const gate = createRequestGate<Probe>({
    start: (p) => {
      owed.delete(p.id);
      runs[p.id]!++;
      history[p.id]!.push('run');
      active.push({ id: p.id, endsAt: t + 10 });
    },
    miss: (p) => {
      owed.add(p.id);
      history[p.id]!.push('miss');
      settle(p.id);
    },
    perOrigin: 2,
    now: () => t,
    maxWaitMs: 50,
    owed: (p) => owed.has(p.id),
  });
  function enter(p: Probe): void {
    if (t >= p.windowEndsAt) {
      owed.add(p.id);
      history[p.id]!.push('miss');
      return;
    }
    atGate.add(p.id);
    gate.enter('o', p.windowEndsAt, p);
  }
  for (t = 0; t < seconds * 1000; t++) {
    // Finished requests free their slots first.
    for (let i = active.length - 1; i >= 0; i--) {
      const a = active[i]!;
      if (a.endsAt > t) continue;
      active.splice(i, 1);
      gate.release('o');
      settle(a.id);
    }
    for (let id = 0; id < services; id++) {
      // Phases spread over the period, as the scheduler spreads services.
      if ((t - Math.floor((id * periodMs) / services)) % periodMs !== 0) continue;
      const p = { id, windowEndsAt: t + periodMs };
      if (atGate.has(id)) next.set(id, p);
      else enter(p);
    }
    maxWaiting = Math.max(maxWaiting, gate.waiting);
  }
  gate.close();
  const executedPerSecond = runs.reduce((a, b) => a + b, 0) / seconds;
  // The caps run 200/s; an overloaded gate keeps running at least 0.9 of that.
  assert.ok(executedPerSecond >= 180, `executed ${executedPerSecond}/s`);
  for (let id = 0; id < services; id++) {
    const h = history[id]!;
    for (let i = 1; i < h.length; i++) {
      assert.ok(
        !(h[i] === 'miss' && h[i - 1] === 'miss'),
        `service ${id} missed two slots in a row at ${i}: ${h.slice(Math.max(0, i - 6), i + 1).join(' ')}`,
      );
    }
    // Fair: every service gets close to its share (200/300 of its slots).
    assert.ok(runs[id]! >= 0.55 * (seconds * 10), `service ${id} ran ${runs[id]} of ${seconds * 10}`);
  }
  // Bounded: one probe per service at most.
  assert.ok(maxWaiting <= services, `waiting peaked at ${maxWaiting}`);
});
