import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler, ROLLUP_EVERY_MS } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/log/logger.js';
import { runnerRig } from '../helpers/runner-rig.js';
import { tempStore } from '../helpers/temp-store.js';
import { jobRows, waitFor } from './fixtures.js';

test('the rollup job is enqueued every 30 s (the period is its dedupe key), only when enabled', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  const period = 60_000_000;
  let clock = period * ROLLUP_EVERY_MS + 1000;
  const s = createScheduler({
    store: db.store,
    services: [],
    logger: silentLogger(),
    rollupEnabled: true,
    now: () => clock,
  });
  // A minute and a half, ticked every 10 s and twice each time.
  for (let i = 0; i < 9; i++) {
    s.tick();
    s.tick();
    clock += 10_000;
  }
  assert.deepEqual(
    jobRows(db.ldb, 'rollup').map((r) => [r.dedupe_key, r.run_at]),
    [0, 1, 2].map((k) => [`rollup:${period + k}`, (period + k) * ROLLUP_EVERY_MS]),
  );
  const off = tempStore();
  t.after(() => off.cleanup());
  createScheduler({ store: off.store, services: [], logger: silentLogger(), now: () => clock }).tick();
  assert.equal(jobRows(off.ldb, 'rollup').length, 0);
});

test('a rollup run that leaves rows queues the next one at once; one that finishes does not', async (t) => {
  const rig = runnerRig(t);
  const answers = [true, true, false];
  let runs = 0;
  const agent = rig.agent({
    rollupHandler: async () => answers[runs++] ?? false,
  });
  agent.start();
  assert.ok(await waitFor(() => runs >= 3, 10_000), `ran ${runs} times`);
  await agent.stop({ graceMs: 500 });
  const keys = jobRows(rig.db.ldb, 'rollup').map((r) => r.dedupe_key ?? '');
  // The period job, then one follow-up per `true`; a run that answered false queued none.
  assert.equal(keys.filter((k) => k.startsWith('rollup:more:')).length, 2, keys.join(' '));
});
