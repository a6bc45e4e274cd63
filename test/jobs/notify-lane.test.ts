import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notifyJobs, testEvent } from '../../src/alerts/events.js';
import type { ResolvedChannel } from '../../src/config/channels.js';
import type { NotifyTarget } from '../../src/jobs/notify-lane.js';
import type { RunnerOptions } from '../../src/jobs/runner.js';
import { createNotifier } from '../../src/notify/notifier.js';
import { startNotifyReceiver } from '../helpers/notify-receiver.js';
import { runnerRig } from '../helpers/runner-rig.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MINUTE = 60_000;

function webhook(name: string, url: string, timeoutMs = 2000): ResolvedChannel {
  return { name, type: 'webhook', target: url, headers: {}, secret: null, timeoutMs };
}

function targetOf(channels: ResolvedChannel[], t: { after(fn: () => unknown): void }): NotifyTarget {
  const notifier = createNotifier({ env: {} });
  t.after(() => notifier.close());
  const byName = new Map(channels.map((c) => [c.name, c]));
  return {
    channels: () => [...byName.keys()],
    deliver: (name, event, signal) => notifier.deliver(byName.get(name) as ResolvedChannel, event, signal),
  };
}

interface DeliveryRow {
  event_id: string;
  channel: string;
  attempt: number;
  at: number;
  status: string;
  code: number | null;
}

/** A clock that runs 500× faster than the real one: ten minutes pass in 1.2 s. */
function fastClock(): { now: () => number } {
  const start = Date.now();
  return { now: () => T0 + (Date.now() - start) * 500 };
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

test('a receiver down for 10 minutes gets the notification once it is back, with the same Idempotency-Key on every attempt', async (t) => {
  const rig = runnerRig(t);
  const clock = fastClock();
  const downUntil = T0 + 10 * MINUTE;
  // 500 for ten minutes of the runner's clock, then 200.
  const real = await startNotifyReceiver({
    answer: () => (clock.now() < downUntil ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }),
  });
  const gated = targetOf([webhook('hook', real.url)], t);
  t.after(() => real.close());
  const event = testEvent('test', clock.now());
  rig.db.store.enqueue(notifyJobs(event, ['hook'], clock.now()));
  const runner = rig.runner({ now: clock.now, notify: { target: gated } } as Partial<RunnerOptions>);
  runner.start();
  const rows = () => rig.db.ldb.sqlite.prepare('SELECT * FROM deliveries ORDER BY id').all() as DeliveryRow[];
  assert.ok(
    await until(() => rows().some((r) => r.status === 'accepted'), 20_000),
    'delivered after the outage',
  );
  await runner.stop(1000);
  const all = rows();
  assert.equal(all.filter((r) => r.status === 'accepted').length, 1);
  const refused = all.filter((r) => r.status === 'retry' && r.code === 500).length;
  assert.ok(refused >= 5, `retried through the outage (${refused} attempts refused)`);
  assert.ok(all.length <= 20, `backoff, not a flood: ${all.length} attempts in 10 minutes`);
  assert.ok(
    all.every((r) => r.event_id === event.event_id),
    'one event id on every row',
  );
  const keys = new Set(real.requests.map((r) => r.headers['idempotency-key']));
  assert.deepEqual([...keys], [event.event_id], 'every attempt carried the same Idempotency-Key');
  assert.equal(real.requests.length, all.length);
  const accepted = all.at(-1) as DeliveryRow;
  assert.ok(accepted.at >= downUntil, 'accepted only once the receiver was back');
  assert.equal(runner.stats().notifyAccepted, 1);
});

test('429 with Retry-After is honoured, 404 is not retried, and a notification past max_age expires', async (t) => {
  const rig = runnerRig(t);
  const clock = fastClock();
  const slow = await startNotifyReceiver({
    first: { count: 1, answer: { status: 429, headers: { 'retry-after': '120' } } },
  });
  const gone = await startNotifyReceiver({ rest: { status: 404, body: 'no such hook' } });
  const broken = await startNotifyReceiver({ rest: { status: 503 } });
  t.after(async () => {
    await slow.close();
    await gone.close();
    await broken.close();
  });
  const channels = [webhook('slow', slow.url), webhook('gone', gone.url), webhook('broken', broken.url)];
  const events = channels.map((c) => {
    const e = testEvent('test', clock.now());
    rig.db.store.enqueue(notifyJobs(e, [c.name], clock.now()));
    return e;
  });
  const runner = rig.runner({
    now: clock.now,
    notify: { target: targetOf(channels, t), maxAgeMs: 30 * MINUTE },
  } as Partial<RunnerOptions>);
  runner.start();
  const rows = (ch: string) =>
    rig.db.ldb.sqlite
      .prepare('SELECT * FROM deliveries WHERE channel = ? ORDER BY id')
      .all(ch) as DeliveryRow[];
  assert.ok(await until(() => rows('slow').some((r) => r.status === 'accepted'), 20_000));
  assert.ok(await until(() => rows('broken').some((r) => r.status === 'expired'), 30_000));
  await runner.stop(1000);

  const [first, second] = rows('slow');
  assert.equal(first?.status, 'retry');
  assert.equal(first?.code, 429);
  assert.ok((second?.at ?? 0) - (first?.at ?? 0) >= 120_000, 'waited the 120 s the receiver asked for');

  assert.deepEqual(
    rows('gone').map((r) => [r.status, r.code]),
    [['failed', 404]],
  );
  assert.equal(gone.requests.length, 1, 'a 404 is not tried again');

  const broken503 = rows('broken');
  assert.equal(broken503.at(-1)?.status, 'expired');
  assert.ok(broken503.slice(0, -1).every((r) => r.status === 'retry' && r.code === 503));
  const dead = rig.db.ldb.sqlite
    .prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'notify' AND state = 'dead'")
    .get() as { n: number };
  assert.equal(dead.n, 2, 'the refused and the expired notifications are set aside');
  assert.equal(runner.stats().notifyFailed, 2);
  assert.equal(events.length, 3);
});

test('a dead channel holds only its own jobs: the other channel gets all of its notifications', async (t) => {
  const rig = runnerRig(t);
  const hanging = await startNotifyReceiver({ rest: 'hang' });
  const fine = await startNotifyReceiver();
  t.after(async () => {
    await hanging.close();
    await fine.close();
  });
  const channels = [webhook('dead', hanging.url, 500), webhook('fine', fine.url)];
  for (let i = 0; i < 20; i++) {
    rig.db.store.enqueue(notifyJobs(testEvent('test', Date.now()), ['dead', 'fine'], Date.now()));
  }
  const runner = rig.runner({ notify: { target: targetOf(channels, t) } } as Partial<RunnerOptions>);
  runner.start();
  await fine.waitFor(20);
  // While the fine channel got all 20, the dead one never had more than 4 attempts open.
  const atOnce = hanging.requests.length;
  await runner.stop(500);
  assert.equal(fine.requests.length, 20);
  assert.ok(atOnce <= 8, `the dead channel was tried at most 4 at a time (${atOnce} requests so far)`);
  const ids = new Set(fine.requests.map((r) => r.headers['idempotency-key']));
  assert.equal(ids.size, 20, 'each notification once');
});

test('notifications of a channel removed from the config are set aside, not kept forever', async (t) => {
  const rig = runnerRig(t);
  const fine = await startNotifyReceiver();
  t.after(() => fine.close());
  rig.db.store.enqueue(notifyJobs(testEvent('test', Date.now()), ['removed'], Date.now()));
  const runner = rig.runner({
    notify: { target: targetOf([webhook('fine', fine.url)], t) },
  } as Partial<RunnerOptions>);
  runner.start();
  const row = () =>
    rig.db.ldb.sqlite.prepare("SELECT status, detail FROM deliveries WHERE channel = 'removed'").get() as
      | { status: string; detail: string }
      | undefined;
  assert.ok(await until(() => row() !== undefined, 5000));
  await runner.stop(500);
  assert.deepEqual(row(), { status: 'failed', detail: 'channel no longer configured' });
});
