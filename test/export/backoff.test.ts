import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionState } from '../../src/export/connection-state.js';
import { Backoff } from '../../src/util/backoff.js';
import { capturingLogger, messages } from '../helpers/logs.js';

test('backoff: full jitter under an exponential ceiling from 250 ms, capped at 10 s, reset on success', () => {
  const top = new Backoff({ random: () => 0.999999 });
  const ceilings = Array.from({ length: 10 }, () => {
    const c = top.ceiling();
    top.next();
    return c;
  });
  assert.deepEqual(ceilings, [250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000]);
  assert.equal(top.attempts, 10);
  for (let i = 0; i < 100; i++) top.next();
  assert.equal(top.ceiling(), 10000, 'no overflow after many failures');
  top.reset();
  assert.equal(top.ceiling(), 250);
  assert.equal(new Backoff({ random: () => 0 }).next(), 0, 'the wait is anywhere from 0');
  const half = new Backoff({ random: () => 0.5 });
  assert.deepEqual([half.next(), half.next(), half.next()], [125, 250, 500]);
});

test('connection state: one line per change of state, not per attempt', () => {
  const { logger, lines } = capturingLogger();
  const state = new ConnectionState(logger);
  assert.equal(state.state, 'unknown');
  state.succeeded();
  assert.equal(state.state, 'connected');
  assert.deepEqual(messages(lines), [], 'first success is silent');
  for (let i = 0; i < 5; i++) state.failed('connection', 'connect ECONNREFUSED 127.0.0.1:5432');
  state.failed('auth', 'password authentication failed for user "u"');
  state.failed('auth', 'password authentication failed for user "u"');
  assert.equal(state.state, 'disconnected');
  assert.equal(state.failedAttempts, 7);
  state.succeeded();
  state.succeeded();
  assert.deepEqual(messages(lines), [
    'lost connection to PostgreSQL: connect ECONNREFUSED 127.0.0.1:5432',
    'authentication to PostgreSQL failed: password authentication failed for user "u" — check the user and password in external_database_uri; results are kept locally and retried',
    'connection to PostgreSQL restored after 7 failed attempts',
  ]);
  const levels = lines.map((l) => (JSON.parse(l) as { level: number }).level);
  assert.deepEqual(levels, [40, 50, 30], 'warn, error (loud: auth), info');
});
