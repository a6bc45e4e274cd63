import assert from 'node:assert/strict';
import { test } from 'node:test';
import { singleFlight } from '../../src/util/single-flight.js';

test('single flight: calls while one runs join it; the next call after it settles runs again, also after a rejection', async () => {
  let runs = 0;
  let fail = false;
  const once = singleFlight(async () => {
    runs++;
    await new Promise((r) => setTimeout(r, 10));
    if (fail) throw new Error(`run ${runs} failed`);
    return runs;
  });
  const a = once();
  const b = once();
  assert.equal(a, b, 'the second call gets the same promise');
  assert.deepEqual(await Promise.all([a, b]), [1, 1]);
  assert.equal(await once(), 2);
  fail = true;
  await assert.rejects(once(), /run 3 failed/);
  fail = false;
  assert.equal(await once(), 4, 'a rejected run does not stay in flight');
});
