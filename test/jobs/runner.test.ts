import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/log/logger.js';
import { createGatedProber } from '../../src/probe/gated-prober.js';
import { createThreadedProber } from '../../src/probe/threaded-prober.js';
import { capturingLogger } from '../helpers/logs.js';
import { runnerRig } from '../helpers/runner-rig.js';
import { resolvedService } from '../helpers/services.js';
import { jobRows, resultRows, sleep, waitFor } from './fixtures.js';

for (const [where, makeProber] of [
  ['in the gated in-thread prober', () => createGatedProber({ perOrigin: 3, concurrency: 8 })],
  ['in the probe worker (threaded prober)', () => createThreadedProber({ perOrigin: 3 })],
] as const) {
  test(`a slow origin does not delay the others: per-origin cap ${where} holds it, the rest run on time`, async (t) => {
    const rig = runnerRig(t, makeProber());
    const { db } = rig;
    const slow = await rig.server(() => 1500);
    const fast = await rig.server();
    const slowServices = Array.from({ length: 12 }, (_, i) =>
      resolvedService(`${slow.url}/slow/${i}`, { interval_sec: 0.5, timeout: 4 }),
    );
    const fastServices = Array.from({ length: 4 }, (_, i) =>
      resolvedService(`${fast.url}/fast/${i}`, { interval_sec: 0.2, timeout: 15 }),
    );
    const agent = rig.agent({ services: [...slowServices, ...fastServices] });
    const started = Date.now();
    agent.start();
    await sleep(4000);
    const stopped = Date.now();
    await agent.stop({ graceMs: 5000 });

    assert.ok(slow.maxInFlight <= 3, `slow origin saw ${slow.maxInFlight} requests at once`);
    const rows = resultRows(db.ldb);
    const fastKeys = new Set(fastServices.map((s) => s.key));
    const fastRows = rows.filter((r) => fastKeys.has(r.service_key));
    const slowRows = rows.filter((r) => !fastKeys.has(r.service_key));
    // Every fast slot well inside the run has an ok result, none missed.
    const inside = fastRows.filter((r) => r.scheduled_at >= started + 500 && r.scheduled_at < stopped - 500);
    assert.ok(inside.length >= 4 * 5, `fast results inside the run: ${inside.length}`);
    assert.deepEqual(
      inside.filter((r) => r.error_class !== null),
      [],
    );
    assert.ok(inside.every((r) => r.ok === 1 && r.status_code === 200));
    // The slow origin could not keep up with its schedule: it has missed slots, written as such.
    const missed = slowRows.filter((r) => r.error_class === 'missed');
    assert.ok(missed.length > 0);
    assert.ok(missed.every((r) => r.started_at === null));
    const stats = agent.stats();
    assert.equal(stats.missed, rows.filter((r) => r.error_class === 'missed').length);
    assert.equal(stats.executed, rows.filter((r) => r.started_at !== null).length);
    assert.equal(stats.inFlight, 0);
  });
}

test('a slot whose previous probe still runs is missed; one probe per service at a time', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const server = await rig.server(() => 500);
  // Scaled down from "a 12 s response with interval 5 s and timeout 15 s".
  const s = resolvedService(`${server.url}/sluggish`, { interval_sec: 0.2, timeout: 2 });
  const agent = rig.agent({ services: [s] });
  agent.start();
  await sleep(2600);
  await agent.stop({ graceMs: 3000 });

  assert.equal(server.maxInFlightByPath.get('/sluggish'), 1);
  const rows = resultRows(db.ldb);
  const executed = rows.filter((r) => r.error_class !== 'missed');
  const missed = rows.filter((r) => r.error_class === 'missed');
  assert.ok(executed.length >= 3, `executed ${executed.length}`);
  assert.ok(missed.length >= executed.length, `missed ${missed.length}, executed ${executed.length}`);
  for (const m of missed) {
    assert.equal(m.started_at, null);
    assert.equal(m.ok, 0);
    assert.match(m.error_message ?? '', /window ended: the previous probe of this service was still running/);
  }
  const byStart = executed.toSorted((a, b) => a.started_at! - b.started_at!);
  for (let i = 1; i < byStart.length; i++) {
    assert.ok(
      byStart[i]!.started_at! >= byStart[i - 1]!.finished_at - 2,
      'probes of one service never overlap',
    );
    // Never late in a burst: a slot starts before the next slot's time.
    assert.ok(byStart[i]!.started_at! < byStart[i]!.scheduled_at + 200);
  }
  // Every slot of the run is accounted for exactly once.
  const slots = new Set(rows.map((r) => r.scheduled_at));
  assert.equal(slots.size, rows.length);
});

test('stop drains in-flight probes within the grace, then gives unstarted leases back', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const server = await rig.server(() => 300);
  const services = Array.from({ length: 5 }, (_, i) =>
    resolvedService(`${server.url}/d/${i}`, { interval_sec: 0.2, timeout: 15 }),
  );
  const agent = rig.agent({ services });
  agent.start();
  // Stop while probes are in flight, some results already written.
  assert.ok(await waitFor(() => agent.stats().inFlight > 0 && agent.stats().resultsWritten >= 5, 5000));
  await agent.stop({ graceMs: 5000 });
  const stats = agent.stats();
  assert.equal(stats.inFlight, 0);
  const jobs = jobRows(db.ldb, 'probe');
  assert.deepEqual(
    jobs.filter((j) => j.state === 'running'),
    [],
    'no lease is left behind',
  );
  const rows = resultRows(db.ldb);
  const executed = rows.filter((r) => r.error_class !== 'missed');
  assert.equal(executed.length, stats.executed, 'every started probe finished and was written');
  assert.ok(executed.every((r) => r.ok === 1));
  assert.equal(stats.resultsWritten, rows.length);
  // Jobs not yet started (queued ahead by the scheduler, or claimed ahead) are queued again, unattempted.
  const queued = jobs.filter((j) => j.state === 'queued');
  assert.ok(queued.length > 0);
  assert.ok(queued.every((j) => j.attempts === 0));
});

test('stop aborts what outlives the grace, writes its results and releases everything', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const server = await rig.server(() => Number.POSITIVE_INFINITY);
  const services = Array.from({ length: 3 }, (_, i) =>
    resolvedService(`${server.url}/hang/${i}`, { interval_sec: 0.2, timeout: 30 }),
  );
  const agent = rig.agent({ services });
  agent.start();
  await waitFor(() => agent.stats().inFlight === 3, 3000);
  const before = Date.now();
  await agent.stop({ graceMs: 300 });
  const took = Date.now() - before;
  assert.ok(took < 4000, `stop took ${took} ms`);
  assert.equal(agent.stats().inFlight, 0);
  assert.deepEqual(
    jobRows(db.ldb, 'probe').filter((j) => j.state === 'running'),
    [],
  );
  const aborted = resultRows(db.ldb).filter((r) => r.error_class !== 'missed');
  assert.equal(aborted.length, 3);
  assert.ok(aborted.every((r) => r.ok === 0));
});

test('jobs of a removed service complete without a result', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const now = Date.now();
  db.store.enqueue([
    {
      kind: 'probe',
      payload: { serviceKey: 'gone', scheduledAt: now, windowEndsAt: now + 5000 },
      runAt: now,
      maxAttempts: 1,
      dedupeKey: `probe:gone:${now}`,
    },
  ]);
  const runner = rig.runner();
  runner.start();
  await waitFor(() => jobRows(db.ldb, 'probe')[0]?.state === 'done', 3000);
  await runner.stop(1000);
  assert.equal(jobRows(db.ldb, 'probe')[0]?.state, 'done');
  assert.equal(resultRows(db.ldb).length, 0);
  assert.equal(runner.stats().dropped, 1);
});

test('a throwing handler is retried with backoff, then the job is dead', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const calls: number[] = [];
  const runner = rig.runner({
    handlers: {
      collect: () => {
        calls.push(Date.now());
        throw new Error('disk on fire');
      },
    },
    retry: { baseMs: 100 },
  });
  db.store.enqueue([
    { kind: 'collect', payload: {}, runAt: Date.now(), maxAttempts: 3, dedupeKey: 'collect:x' },
  ]);
  runner.start();
  const dead = await waitFor(() => jobRows(db.ldb, 'collect')[0]?.state === 'dead', 5000);
  await runner.stop(1000);
  assert.ok(dead);
  const [job] = jobRows(db.ldb, 'collect');
  assert.equal(job?.attempts, 3);
  assert.match(job?.last_error ?? '', /disk on fire/);
  assert.equal(calls.length, 3);
  // Backoff: at least half the nominal delay (100 ms, then 200 ms) between attempts.
  assert.ok(calls[1]! - calls[0]! >= 50, `first retry after ${calls[1]! - calls[0]!} ms`);
  assert.ok(calls[2]! - calls[1]! >= 100, `second retry after ${calls[2]! - calls[1]!} ms`);
  assert.equal(runner.stats().handlerFailures, 3);
});

test('a local database that fails every call keeps the runner alive and logs once per period', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const { lines, logger } = capturingLogger('info');
  const store = db.store;
  db.ldb.close(); // every statement now throws "The database connection is not open"
  const runner = rig.runner({
    store,
    services: [resolvedService('http://127.0.0.1:1/x', { interval_sec: 0.2, timeout: 15 })],
    logger,
    pollMs: 20,
  });
  runner.start();
  await waitFor(() => runner.stats().storeErrors >= 5, 3000);
  await runner.stop(500);
  assert.ok(runner.stats().storeErrors >= 5, `store errors: ${runner.stats().storeErrors}`);
  const claimLines = lines.filter((l) => l.includes('claiming probe jobs failed'));
  assert.equal(claimLines.length, 1);
});

test('results the database refuses are kept and retried, without a retry storm', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const server = await rig.server(() => 50);
  const services = Array.from({ length: 5 }, (_, i) =>
    resolvedService(`${server.url}/r/${i}`, { interval_sec: 0.1, timeout: 15 }),
  );
  const runner = rig.runner({ services, flushRows: 1 });
  const scheduler = createScheduler({ store: db.store, services: [], logger: silentLogger() });
  scheduler.setServices(services);
  scheduler.tick();
  runner.start();
  await waitFor(() => runner.stats().inFlight > 0, 2000);
  db.ldb.close(); // probes in flight now finish into a database that refuses them
  // A fixed period: the number of store errors in it is what tells a retry storm.
  await sleep(1500);
  const errors = runner.stats().storeErrors;
  assert.ok(runner.stats().bufferedResults > 0, 'refused results are kept');
  await runner.stop(1000);
  assert.ok(errors > 0);
  // One failing write per retry period, plus the failing claims: nowhere near one per result.
  assert.ok(errors < 200, `store errors: ${errors}`);
  assert.equal(runner.stats().inFlight, 0);
});

test('slots left queued by an earlier run are skipped, not counted as missed by this one', async (t) => {
  const rig = runnerRig(t);
  const { db } = rig;
  const server = await rig.server();
  const s = resolvedService(`${server.url}/old`, { interval_sec: 1, timeout: 15 });
  const long = Date.now() - 60_000;
  const recent = Date.now() + 200;
  db.store.enqueue(
    [long, recent].map((at) => ({
      kind: 'probe' as const,
      payload: { serviceKey: s.key, scheduledAt: at, windowEndsAt: at + 1000 },
      runAt: at,
      maxAttempts: 1,
      dedupeKey: `probe:${s.key}:${at}`,
    })),
  );
  const runner = rig.runner({ services: [s] });
  runner.start();
  await waitFor(() => resultRows(db.ldb).length === 1 && runner.stats().stale === 1, 3000);
  await runner.stop(1000);
  const rows = resultRows(db.ldb);
  assert.deepEqual(
    rows.map((r) => [r.scheduled_at, r.ok]),
    [[recent, 1]],
  );
  assert.equal(runner.stats().stale, 1);
  assert.equal(runner.stats().missed, 0);
  // The stale slot is completed without a result; the probed one left with its result.
  assert.deepEqual(
    jobRows(db.ldb, 'probe').map((j) => [j.run_at, j.state]),
    [[long, 'done']],
  );
});
