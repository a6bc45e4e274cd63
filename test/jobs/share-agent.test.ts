import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runnerRig } from '../helpers/runner-rig.js';
import { resolvedService } from '../helpers/services.js';
import { jobRows, resultRows, sleep, waitFor } from './fixtures.js';

/** What share mode needs from the agent: lease jobs, and services dropped at once when a lease goes. */

test('lease jobs run every leaseEveryMs, one at a time', async (t) => {
  const rig = runnerRig(t);
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  const agent = rig.agent({
    leaseEveryMs: 200,
    leaseHandler: async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(50);
      running--;
    },
  });
  agent.start();
  assert.ok(await waitFor(() => calls >= 4, 5000), `lease rounds: ${calls}`);
  await agent.stop({ graceMs: 1000 });
  assert.equal(maxRunning, 1);
  const jobs = jobRows(rig.db.ldb, 'lease');
  assert.ok(jobs.length >= 4);
  assert.ok(jobs.every((j) => j.dedupe_key?.startsWith('lease:')));
});

test('a dropped service: its slots already claimed, held back or queued are not probed afterwards', async (t) => {
  const rig = runnerRig(t);
  // One probe of /slow runs 900 ms while its slots come every 300 ms: at any moment one is in
  // flight, the next is held back for it, and the one after is claimed ahead or still queued.
  const server = await rig.server((path) => (path === '/slow' ? 900 : 0));
  const slow = resolvedService(`${server.url}/slow`, { interval_sec: 0.3, timeout: 5 });
  const fast = resolvedService(`${server.url}/fast`, { interval_sec: 0.3, timeout: 5 });
  const agent = rig.agent({ services: [slow, fast] });
  agent.start();
  assert.ok(await waitFor(() => (server.hits.get('/slow') ?? 0) >= 2, 5000));
  await sleep(200);
  const dropAt = Date.now();
  agent.setServices([fast]);
  // Long enough for the probe in flight to end and hand its service's next slot on.
  await sleep(1500);
  await agent.stop({ graceMs: 2000 });

  const rows = resultRows(rig.db.ldb).filter((r) => r.service_key === slow.key);
  const started = rows.filter((r) => r.started_at !== null);
  assert.ok(started.length >= 2);
  assert.ok(
    rows.every((r) => r.scheduled_at <= dropAt),
    'no slot of the dropped service after the drop',
  );
  assert.ok(
    started.every((r) => (r.started_at as number) <= dropAt),
    'no probe of the dropped service started after the drop',
  );
  assert.equal(server.hits.get('/slow'), started.length, 'every request it received is one of those probes');
  assert.ok(agent.stats().dropped >= 1, 'the slots it had claimed or held back were dropped');
  assert.ok(resultRows(rig.db.ldb).some((r) => r.service_key === fast.key && r.scheduled_at > dropAt + 300));
});
