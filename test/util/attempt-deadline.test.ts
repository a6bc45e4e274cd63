import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import { test } from 'node:test';
import { attemptDeadline } from '../../src/util/attempt-deadline.js';

test('the timeout fires the signal and says so', async () => {
  const parent = new AbortController();
  const d = attemptDeadline(parent.signal, 20);
  await once(d.signal, 'abort');
  assert.equal(d.timedOut(), true);
  assert.equal((d.signal.reason as Error).name, 'TimeoutError');
  d.dispose();
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
});

test('the parent fires it too, with its reason, and that is not a timeout', () => {
  const parent = new AbortController();
  const d = attemptDeadline(parent.signal, 60_000);
  parent.abort(new Error('stopping'));
  assert.equal(d.signal.aborted, true);
  assert.equal((d.signal.reason as Error).message, 'stopping');
  assert.equal(d.timedOut(), false);
  d.dispose();
  const late = attemptDeadline(parent.signal, 60_000);
  assert.equal(late.signal.aborted, true, 'an already aborted parent');
  late.dispose();
});

test('dispose leaves nothing on the long-lived parent, and a later parent abort does not reach the attempt', () => {
  const parent = new AbortController();
  const attempts = Array.from({ length: 100 }, () => attemptDeadline(parent.signal, 60_000));
  assert.equal(getEventListeners(parent.signal, 'abort').length, 100);
  for (const a of attempts) a.dispose();
  assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
  parent.abort();
  assert.equal(attempts[0]!.signal.aborted, false);
});
