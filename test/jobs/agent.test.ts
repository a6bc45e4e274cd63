import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExportOutcome } from '../../src/queue/types.js';
import { capturingLogger } from '../helpers/logs.js';
import { runnerRig } from '../helpers/runner-rig.js';
import { resolvedService } from '../helpers/services.js';
import { jobRows, resultRows, sleep, waitFor } from './fixtures.js';

test('start logs the average and total requests per minute like the original', async (t) => {
  const rig = runnerRig(t);
  const { lines, logger } = capturingLogger('info');
  const services = [
    resolvedService('http://127.0.0.1:1/a', { interval_sec: 5, timeout: 15 }),
    resolvedService('http://127.0.0.1:1/b', { interval_sec: 5, timeout: 15 }),
    resolvedService('http://127.0.0.1:1/c', { interval_sec: 10, timeout: 15 }),
  ];
  const agent = rig.agent({ services, logger });
  agent.start();
  await agent.stop({ graceMs: 100 });
  const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.ok(
    messages.includes('Average requests per minute (RPM) across all services: 10.00'),
    messages.join('\n'),
  );
  assert.ok(messages.includes('Total requests per minute (RPM) across all services: 30.00'));
});

test('export runs one at a time; a full batch queues the next at once; retryAfterMs is respected', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const calls: number[] = [];
  let running = 0;
  let maxRunning = 0;
  let retryAsked = 0;
  const exportHandler = async (): Promise<ExportOutcome> => {
    calls.push(Date.now());
    running++;
    maxRunning = Math.max(maxRunning, running);
    await sleep(30);
    running--;
    const n = calls.length;
    if (n <= 3) return { exported: 5000, full: true, setAside: 0, retryAfterMs: null };
    if (n === 5) {
      retryAsked = Date.now();
      return { exported: 0, full: false, setAside: 0, retryAfterMs: 1500 };
    }
    return { exported: 1, full: false, setAside: 0, retryAfterMs: null };
  };
  const agent = rig.agent({ exportHandler });
  agent.start();
  assert.ok(await waitFor(() => calls.length >= 6, 6000), `export calls: ${calls.length}`);
  await agent.stop({ graceMs: 1000 });
  assert.equal(maxRunning, 1);
  // Calls 1-4 follow each other without waiting for the next second's export job.
  assert.ok(calls[3]! - calls[0]! < 900, `four back-to-back exports took ${calls[3]! - calls[0]!} ms`);
  assert.ok(
    calls[5]! >= retryAsked + 1500 - 5,
    `export resumed ${calls[5]! - retryAsked} ms after retryAfterMs`,
  );
  assert.deepEqual(
    jobRows(db.ldb, 'export').filter((j) => j.state === 'running' || j.state === 'dead'),
    [],
  );
});

test('reload: a removed service stops, an added one starts, a kept one keeps its grid', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const server = await rig.server();
  const keep = resolvedService(`${server.url}/keep`, { interval_sec: 0.2, timeout: 15 });
  const drop = resolvedService(`${server.url}/drop`, { interval_sec: 0.2, timeout: 15 });
  const add = resolvedService(`${server.url}/add`, { interval_sec: 0.2, timeout: 15 });
  const agent = rig.agent({ services: [keep, drop] });
  const started = Date.now();
  agent.start();
  await sleep(1200);
  const reloadAt = Date.now();
  agent.setServices([keep, add]);
  await sleep(1500);
  const stoppedAt = Date.now();
  await agent.stop({ graceMs: 2000 });

  const rows = resultRows(db.ldb);
  const of = (key: string) => rows.filter((r) => r.service_key === key);
  assert.ok(of(drop.key).length >= 3);
  assert.ok(
    of(drop.key).every((r) => r.scheduled_at <= reloadAt),
    'nothing of the removed service after the reload',
  );
  const added = of(add.key);
  assert.ok(added.length >= 4, `added service results: ${added.length}`);
  assert.ok(added.every((r) => r.scheduled_at >= reloadAt));
  assert.ok(added.filter((r) => r.ok === 1).length >= 4);
  const kept = of(keep.key)
    .map((r) => r.scheduled_at)
    .filter((at) => at >= started && at < stoppedAt - 300);
  assert.ok(kept.length >= 10);
  for (let i = 1; i < kept.length; i++)
    assert.equal(kept[i]! - kept[i - 1]!, 200, 'kept service: one grid, no gap');
  // The removed service's jobs still queued at the reload were completed without results; the
  // ones it ran left the table with their results.
  const dropJobs = jobRows(db.ldb, 'probe').filter((j) => j.dedupe_key?.endsWith(`:${drop.key}`));
  // (Slots past the stop are still queued for a next start, which would drop them the same way.)
  assert.ok(dropJobs.filter((j) => j.state === 'done').length >= 1);
  assert.ok(
    dropJobs.every((j) => j.state === 'done' || (j.state === 'queued' && j.run_at >= stoppedAt - 500)),
  );
  const ranSlots = new Set(of(drop.key).map((r) => r.scheduled_at));
  assert.ok(dropJobs.every((j) => !ranSlots.has(j.run_at)));
});
