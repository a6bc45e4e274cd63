import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler, UPKEEP_EVERY_MS } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/log/logger.js';
import { runnerRig } from '../helpers/runner-rig.js';
import { tempStore } from '../helpers/temp-store.js';
import { jobRows, waitFor } from './fixtures.js';

test('upkeep is enqueued once an hour (the hour is its dedupe key), only when enabled', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  const hour = 527_000;
  let clock = hour * UPKEEP_EVERY_MS + 1000;
  const s = createScheduler({
    store: db.store,
    services: [],
    logger: silentLogger(),
    upkeepEnabled: true,
    now: () => clock,
  });
  // Three hours, ticked every 20 minutes and twice each time.
  for (let i = 0; i < 9; i++) {
    s.tick();
    s.tick();
    clock += 20 * 60_000;
  }
  const rows = jobRows(db.ldb, 'upkeep');
  assert.deepEqual(
    rows.map((r) => [r.dedupe_key, r.run_at]),
    [0, 1, 2].map((k) => [`upkeep:${hour + k}`, (hour + k) * UPKEEP_EVERY_MS]),
  );
  const off = tempStore();
  t.after(() => off.cleanup());
  createScheduler({ store: off.store, services: [], logger: silentLogger(), now: () => clock }).tick();
  assert.equal(jobRows(off.ldb, 'upkeep').length, 0);
});

test('an agent with an upkeep handler runs it at start, not only at the next hour', async (t) => {
  const rig = runnerRig(t);
  let runs = 0;
  const agent = rig.agent({
    upkeepHandler: async () => {
      runs++;
    },
  });
  agent.start();
  assert.ok(await waitFor(() => runs >= 1, 5000), 'upkeep ran at start');
  await agent.stop({ graceMs: 500 });
  const keys = jobRows(rig.db.ldb, 'upkeep').map((r) => r.dedupe_key ?? '');
  assert.ok(
    keys.some((k) => k.startsWith('upkeep:start:')),
    keys.join(' '),
  );
});
