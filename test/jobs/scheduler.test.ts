import assert from 'node:assert/strict';
import { test } from 'node:test';
import { phaseOf, slotsBetween } from '../../src/jobs/phase.js';
import { createScheduler } from '../../src/jobs/scheduler.js';
import { silentLogger } from '../../src/log/logger.js';
import { capturingLogger } from '../helpers/logs.js';
import { resolvedService } from '../helpers/services.js';
import { tempStore } from '../helpers/temp-store.js';
import { jobRows } from './fixtures.js';

const T0 = 1_900_000_000_000;

test('a slot is one job: a second tick and a restart on a reopened database add none', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  const services = [0, 1, 2, 3, 4].map((i) =>
    resolvedService(`http://127.0.0.1:1/s${i}`, { interval_sec: 0.2, timeout: 15 }),
  );
  let clock = T0;
  const first = createScheduler({ store: db.store, services, logger: silentLogger(), now: () => clock });
  const inserted = first.tick();
  // [T0, T0 + 2000) holds exactly 10 slots of a 200 ms grid per service.
  assert.equal(inserted, 50);
  assert.equal(first.tick(), 0, 'same time, same slots');
  clock += 100;
  const more = first.tick();
  assert.equal(
    more,
    services.reduce((n, x) => n + slotsBetween(x, T0 + 2000, T0 + 2100).length, 0),
  );

  const before = jobRows(db.ldb, 'probe');
  const reopened = db.reopen();
  clock = T0 + 50; // a restart a moment later: its first tick covers slots already queued
  const second = createScheduler({
    store: reopened.store,
    services,
    logger: silentLogger(),
    now: () => clock,
  });
  assert.equal(second.tick(), 0);
  const after = jobRows(db.ldb, 'probe');
  assert.equal(after.length, before.length);
  const keys = new Set(after.map((r) => r.dedupe_key));
  assert.equal(keys.size, after.length);
  for (const s of services) {
    const phase = phaseOf(s.key, 200);
    const own = after.filter((r) => r.dedupe_key?.endsWith(`:${s.key}`));
    assert.ok(own.every((r) => (r.run_at - phase) % 200 === 0));
    assert.ok(own.every((r) => r.max_attempts === 1));
  }
});

test('export every second and collect every N seconds, only when enabled', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  let clock = 1_900_000_008_000; // a multiple of 3000: six ticks see two collect periods
  const s = createScheduler({
    store: db.store,
    services: [],
    logger: silentLogger(),
    exportEnabled: true,
    collectEnabled: true,
    collectEveryMs: 3000,
    now: () => clock,
  });
  for (let i = 0; i < 6; i++) {
    s.tick();
    s.tick();
    clock += 1000;
  }
  assert.equal(jobRows(db.ldb, 'export').length, 6);
  assert.equal(jobRows(db.ldb, 'collect').length, 2);

  const off = tempStore();
  t.after(() => off.cleanup());
  createScheduler({ store: off.store, services: [], logger: silentLogger(), now: () => clock }).tick();
  assert.equal(jobRows(off.ldb).length, 0);
});

test('heartbeat jobs: one per period (at most 5 s), none when the fleet is off', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  let clock = T0;
  const s = createScheduler({
    store: db.store,
    services: [],
    logger: silentLogger(),
    heartbeatEveryMs: 15_000,
    now: () => clock,
  });
  for (let i = 0; i < 20; i++) {
    s.tick();
    s.tick();
    clock += 1000;
  }
  // 20 s at a 5 s period (the handler decides when one is due): 4 jobs, a double tick adds none.
  assert.equal(jobRows(db.ldb, 'heartbeat').length, 4);
  const fast = tempStore();
  t.after(() => fast.cleanup());
  const f = createScheduler({
    store: fast.store,
    services: [],
    logger: silentLogger(),
    heartbeatEveryMs: 1000,
    now: () => clock,
  });
  for (let i = 0; i < 5; i++, clock += 1000) f.tick();
  assert.equal(jobRows(fast.ldb, 'heartbeat').length, 5);
  const off = tempStore();
  t.after(() => off.cleanup());
  createScheduler({
    store: off.store,
    services: [],
    logger: silentLogger(),
    exportEnabled: true,
    now: () => clock,
  }).tick();
  assert.equal(jobRows(off.ldb, 'heartbeat').length, 0);
});

test('reload: added services start, removed stop, unchanged keep their slots, changed move after the queued ones', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  const keep = resolvedService('http://127.0.0.1:1/keep', { interval_sec: 0.2, timeout: 15 });
  const drop = resolvedService('http://127.0.0.1:1/drop', { interval_sec: 0.2, timeout: 15 });
  const change = resolvedService('http://127.0.0.1:1/change', { interval_sec: 0.2, timeout: 15 });
  const add = resolvedService('http://127.0.0.1:1/add', { interval_sec: 0.3, timeout: 15 });
  let clock = T0;
  const s = createScheduler({
    store: db.store,
    services: [keep, drop, change],
    logger: silentLogger(),
    now: () => clock,
  });
  s.tick();
  const changed = { ...change, intervalMs: 700 };
  s.setServices([keep, changed, add]);
  clock += 1000;
  s.tick();
  const rows = jobRows(db.ldb, 'probe');
  const times = (key: string) => rows.filter((r) => r.dedupe_key?.endsWith(`:${key}`)).map((r) => r.run_at);

  assert.deepEqual(
    times(keep.key),
    slotsBetween(keep, T0, T0 + 3000).map((x) => x.scheduledAt),
    'unchanged: the same grid, no gap, no repeat',
  );
  assert.deepEqual(
    times(drop.key),
    slotsBetween(drop, T0, T0 + 2000).map((x) => x.scheduledAt),
    'removed: nothing new',
  );
  assert.deepEqual(
    times(add.key),
    slotsBetween(add, T0, T0 + 3000).map((x) => x.scheduledAt),
    'added: from the reload on',
  );
  const ch = times(change.key);
  const oldPart = slotsBetween(change, T0, T0 + 2000).map((x) => x.scheduledAt);
  const newPart = slotsBetween(changed, T0 + 2000, T0 + 3000).map((x) => x.scheduledAt);
  assert.deepEqual(
    ch,
    [...oldPart, ...newPart],
    'changed: queued slots stay, the new grid starts after them',
  );
});

test('the croner-driven loop ticks on its own, in small transactions, and stop() ends it', async (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  const services = Array.from({ length: 10 }, (_, i) =>
    resolvedService(`http://127.0.0.1:1/x${i}`, { interval_sec: 0.2, timeout: 15 }),
  );
  const s = createScheduler({ store: db.store, services, logger: silentLogger(), chunkRows: 3 });
  s.start();
  await new Promise((r) => setTimeout(r, 2200));
  s.stop();
  const ticks = s.stats().ticks;
  assert.ok(ticks >= 2, `ticks=${ticks}`);
  const rows = jobRows(db.ldb, 'probe');
  assert.equal(s.stats().scheduled, rows.length);
  for (const svc of services) {
    const times = rows.filter((r) => r.dedupe_key?.endsWith(`:${svc.key}`)).map((r) => r.run_at);
    assert.ok(times.length >= 15, `slots of one service: ${times.length}`);
    for (let i = 1; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, 200, 'no gap, no repeat');
  }
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(s.stats().ticks, ticks, 'no tick after stop');
});

test('a service with an invalid cron pattern is logged once and the others are still scheduled', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  const good = resolvedService('http://127.0.0.1:1/good', { interval_sec: 0.2, timeout: 15 });
  const bad = resolvedService('http://127.0.0.1:1/bad', { cron: 'every now and then', timeout: 15 });
  const { lines, logger } = capturingLogger('info');
  let clock = T0;
  const s = createScheduler({ store: db.store, services: [bad, good], logger, now: () => clock });
  assert.equal(s.tick(), 10);
  clock += 1000;
  assert.equal(s.tick(), 5);
  const errors = lines.filter((l) => l.includes('service schedule is invalid'));
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /every now and then/);
  assert.equal(jobRows(db.ldb, 'probe').filter((r) => r.dedupe_key?.includes(bad.key)).length, 0);
});

test('many cron services that do not fire cost a tick nothing: work per tick follows the due slots only', (t) => {
  const db = tempStore();
  t.after(() => db.cleanup());
  // Schedule reads are counted through the `cron` and `intervalMs` fields every evaluation reads.
  let reads = 0;
  const counted = (s: ReturnType<typeof resolvedService>) => {
    const { cron, intervalMs, ...rest } = s;
    return Object.defineProperties(rest, {
      cron: {
        enumerable: true,
        get: () => {
          reads++;
          return cron;
        },
      },
      intervalMs: {
        enumerable: true,
        get: () => {
          reads++;
          return intervalMs;
        },
      },
    }) as ReturnType<typeof resolvedService>;
  };
  // T0 is in March: a yearly run on January 1 is months away.
  const yearly = Array.from({ length: 20_000 }, (_, i) =>
    counted(resolvedService(`http://127.0.0.1:1/yearly/${i}`, { cron: '0 0 0 1 1 *', timeout: 15 })),
  );
  const busy = [0, 1].map((i) =>
    counted(resolvedService(`http://127.0.0.1:1/busy/${i}`, { interval_sec: 1, timeout: 15 })),
  );
  let clock = T0;
  const s = createScheduler({
    store: db.store,
    services: [...yearly, ...busy],
    logger: silentLogger(),
    now: () => clock,
  });
  s.tick();
  const afterFirst = reads;
  let inserted = 0;
  for (let i = 0; i < 30; i++) {
    clock += 1000;
    inserted += s.tick();
  }
  // 30 s of two 1 s services: 60 slots, and nothing for the yearly ones.
  assert.equal(inserted, 60);
  const perTick = (reads - afterFirst) / 30;
  // The due services are read a few times per tick; before, every one of the 20,000 was.
  assert.ok(perTick < 100, `${perTick} schedule reads per tick for 2 due services among 20,002`);
});
