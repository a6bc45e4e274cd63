import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedAnswer } from '../../src/live/cached-status.js';

/** A computation the test finishes by hand: `calls` counts starts, `finish(i, v)` settles the i-th. */
function manual<T>() {
  const runs: { resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  return {
    compute: () => new Promise<T>((resolve, reject) => runs.push({ resolve, reject })),
    get calls() {
      return runs.length;
    },
    finish: (i: number, v: T) => runs[i]?.resolve(v),
    fail: (i: number, e: Error) => runs[i]?.reject(e),
  };
}

test('cachedAnswer: concurrent calls share one computation; its result serves the TTL; then computed again', async () => {
  let clock = 1_000;
  const m = manual<string>();
  const c = cachedAnswer(m.compute, 2_000, () => clock);
  const a = c.get();
  const b = c.get();
  assert.equal(m.calls, 1, 'single flight');
  m.finish(0, 'one');
  assert.deepEqual(await Promise.all([a, b]), ['one', 'one']);
  clock += 1_999;
  assert.equal(await c.get(), 'one');
  assert.equal(m.calls, 1, 'within the TTL of its start');
  clock += 1;
  const next = c.get();
  assert.equal(m.calls, 2);
  m.finish(1, 'two');
  assert.equal(await next, 'two');
});

test('cachedAnswer: invalidate() — the next call computes afresh and the computation running then is not kept; failures are not kept', async () => {
  const clock = 0;
  const m = manual<string>();
  const c = cachedAnswer(m.compute, 60_000, () => clock);
  const old = c.get();
  c.invalidate();
  const fresh = c.get();
  assert.equal(m.calls, 2, 'a call after invalidate does not join the older computation');
  m.finish(1, 'new');
  m.finish(0, 'old');
  assert.equal(await old, 'old', 'its own callers still get it');
  assert.equal(await fresh, 'new');
  assert.equal(await c.get(), 'new', 'the older result did not replace the newer');
  assert.equal(m.calls, 2);

  c.invalidate();
  const failing = c.get();
  m.fail(2, new Error('worker gone'));
  await assert.rejects(failing, /worker gone/);
  const retry = c.get();
  assert.equal(m.calls, 4, 'a failure is not cached');
  m.finish(3, 'back');
  assert.equal(await retry, 'back');
});
