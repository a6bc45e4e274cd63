import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMaintenanceSchedule, maintenanceWindowError } from '../../src/alerts/maintenance.js';
import type { MaintenanceWindowConfig } from '../../src/config/types.js';
import { bruteStarts, MIN, type Rule, wall } from './wall-clock.js';

const HOUR = 60 * MIN;
const svc = { key: 'svc-key', url: 'https://svc.example/health' };
const at = (iso: string) => Date.parse(iso);

/** One window named "w", asked about `svc`. */
function single(config: MaintenanceWindowConfig) {
  const schedule = createMaintenanceSchedule({ w: config });
  return (t: number) => schedule.windowAt(svc, t);
}

/** Compare windowAt with the brute force at every minute (and inside it) over [from, to). */
function checkAgainstBruteForce(
  tz: string,
  cron: string,
  duration: string,
  rule: Rule,
  from: number,
  to: number,
) {
  const d = { '20m': 20, '1h': 60, '2h': 120, '90m': 90 }[duration]! * MIN;
  const starts = bruteStarts(tz, rule, from - 3 * HOUR, to);
  assert.ok(starts.length > 0, 'the brute force found occurrences');
  const covered = (t: number) => starts.some((s) => s <= t && t < s + d);
  const config = { cron, duration, timezone: tz };
  const forward = single(config);
  const backward = single(config);
  const minutes: number[] = [];
  for (let t = from; t < to; t += MIN) minutes.push(t);
  const check = (ask: (t: number) => string | null, t: number) => {
    const want = covered(t) ? 'w' : null;
    for (const q of [t, t + 30_000, t + MIN - 1]) {
      assert.equal(ask(q), want, `${cron} ${tz} at ${new Date(q).toISOString()} (${wall(tz, q).key} local)`);
    }
  };
  for (const t of minutes) check(forward, t);
  for (const t of minutes.reverse()) check(backward, t);
  // Random order: every lookup may miss the cache.
  const random = single(config);
  let seed = 12345;
  for (let i = 0; i < 400; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    check(random, minutes[seed % minutes.length]!);
  }
  return starts;
}

// ---- one-off ----

test('one-off window: start inclusive, end exclusive, offsets honoured', () => {
  const ask = single({ start: '2026-12-05T22:00:00+01:00', end: '2026-12-06T01:00:00+01:00' });
  assert.equal(ask(at('2026-12-05T20:59:59.999Z')), null);
  assert.equal(ask(at('2026-12-05T21:00:00Z')), 'w');
  assert.equal(ask(at('2026-12-05T23:30:00Z')), 'w');
  assert.equal(ask(at('2026-12-05T23:59:59.999Z')), 'w');
  assert.equal(ask(at('2026-12-06T00:00:00Z')), null);
  assert.equal(ask(at('2027-01-01T00:00:00Z')), null);
});

// ---- recurring in UTC ----

test('daily window in UTC (timezone defaults to UTC): covered from each start for the duration', () => {
  const ask = single({ cron: '0 2 * * *', duration: '2h' });
  assert.equal(ask(at('2026-12-03T01:59:59.999Z')), null);
  assert.equal(ask(at('2026-12-03T02:00:00Z')), 'w');
  assert.equal(ask(at('2026-12-03T03:59:59.999Z')), 'w');
  assert.equal(ask(at('2026-12-03T04:00:00Z')), null);
  assert.equal(ask(at('2026-12-03T12:00:00Z')), null);
  assert.equal(ask(at('2026-12-04T02:30:00Z')), 'w');
  assert.equal(ask(at('2026-12-02T03:00:00Z')), 'w', 'an earlier day, asked after a later one');
});

test('weekly window in UTC crossing midnight: Saturday 22:00 for 3 h', () => {
  const ask = single({ cron: '0 22 * * 6', duration: '3h', timezone: 'UTC' });
  assert.equal(ask(at('2026-12-05T21:59:00Z')), null); // Saturday
  assert.equal(ask(at('2026-12-05T22:00:00Z')), 'w');
  assert.equal(ask(at('2026-12-06T00:59:59.999Z')), 'w'); // Sunday
  assert.equal(ask(at('2026-12-06T01:00:00Z')), null);
  assert.equal(ask(at('2026-12-08T22:30:00Z')), null, 'a Tuesday');
  assert.equal(ask(at('2026-12-12T23:00:00Z')), 'w', 'the next Saturday');
});

test('UTC daily and weekly windows agree with the brute force over a week', () => {
  const from = at('2026-12-01T00:00:00Z');
  checkAgainstBruteForce('UTC', '0 2 * * *', '2h', { fixed: '02:00' }, from, from + 7 * 24 * HOUR);
  checkAgainstBruteForce(
    'UTC',
    '0 22 * * 6',
    '2h',
    { fixed: '22:00', dows: [6] },
    from,
    from + 7 * 24 * HOUR,
  );
});

// ---- DST ----

const SPRING_BERLIN = at('2026-03-28T00:00:00Z'); // clocks 02:00 CET → 03:00 CEST on 03-29
const FALL_BERLIN = at('2026-10-24T00:00:00Z'); // clocks 03:00 CEST → 02:00 CET on 10-25
const SPRING_NY = at('2026-03-07T00:00:00Z'); // clocks 02:00 EST → 03:00 EDT on 03-08
const FALL_NY = at('2026-10-31T00:00:00Z'); // clocks 02:00 EDT → 01:00 EST on 11-01
const THREE_DAYS = 3 * 24 * HOUR;

test('Europe/Berlin across both DST changes agrees with the brute force', () => {
  for (const from of [SPRING_BERLIN, FALL_BERLIN]) {
    const to = from + THREE_DAYS;
    checkAgainstBruteForce('Europe/Berlin', '30 2 * * *', '1h', { fixed: '02:30' }, from, to);
    checkAgainstBruteForce('Europe/Berlin', '0 2 * * *', '2h', { fixed: '02:00' }, from, to);
    checkAgainstBruteForce(
      'Europe/Berlin',
      '*/30 2 * * *',
      '20m',
      { hours: [2], minutes: [0, 30] },
      from,
      to,
    );
    checkAgainstBruteForce('Europe/Berlin', '0 * * * *', '20m', { hours: null, minutes: [0] }, from, to);
  }
});

test('America/New_York across both DST changes agrees with the brute force', () => {
  for (const from of [SPRING_NY, FALL_NY]) {
    const to = from + THREE_DAYS;
    checkAgainstBruteForce('America/New_York', '30 2 * * *', '2h', { fixed: '02:30' }, from, to);
    checkAgainstBruteForce('America/New_York', '30 1 * * *', '1h', { fixed: '01:30' }, from, to);
    checkAgainstBruteForce(
      'America/New_York',
      '15 1,2 * * *',
      '20m',
      { hours: [1, 2], minutes: [15] },
      from,
      to,
    );
  }
});

test('DST days, spelled out: a start in the gap moves to the gap end; a repeated start runs once, 1 h lasts 1 h', () => {
  const berlin = single({ cron: '30 2 * * *', duration: '1h', timezone: 'Europe/Berlin' });
  // 02:30 does not exist on 2026-03-29: the window starts at 03:00 CEST (01:00Z).
  assert.equal(berlin(at('2026-03-29T00:59:59.999Z')), null);
  assert.equal(berlin(at('2026-03-29T01:00:00Z')), 'w');
  assert.equal(berlin(at('2026-03-29T01:59:59.999Z')), 'w');
  assert.equal(berlin(at('2026-03-29T02:00:00Z')), null);
  // 2026-10-25: first 02:30 (CEST, 00:30Z) starts it, for one real hour; the second (CET) does not.
  assert.equal(berlin(at('2026-10-25T00:30:00Z')), 'w');
  assert.equal(berlin(at('2026-10-25T01:29:59.999Z')), 'w');
  assert.equal(berlin(at('2026-10-25T01:30:00Z')), null);
  assert.equal(berlin(at('2026-10-25T02:00:00Z')), null);
  // New York 01:30 EDT (05:30Z) + 1 h ends at 01:30 EST (06:30Z), which starts nothing.
  const ny = single({ cron: '30 1 * * *', duration: '1h', timezone: 'America/New_York' });
  assert.equal(ny(at('2026-11-01T06:29:59.999Z')), 'w');
  assert.equal(ny(at('2026-11-01T06:30:00Z')), null);
});

// ---- overlapping occurrences ----

test('a duration longer than the period: occurrences merge and stay covered', () => {
  const hourly = single({ cron: '0 * * * *', duration: '90m' });
  const from = at('2026-12-03T00:00:00Z');
  for (let t = from; t < from + 24 * HOUR; t += 7 * MIN)
    assert.equal(hourly(t), 'w', new Date(t).toISOString());
  const everyMinute = single({ cron: '* * * * *', duration: '2h' });
  for (let t = from; t < from + 6 * HOUR; t += 13_000) assert.equal(everyMinute(t), 'w');
  const twice = single({ cron: '0 0,1 * * *', duration: '90m' });
  assert.equal(twice(at('2026-12-02T23:59:59.999Z')), null);
  assert.equal(twice(at('2026-12-03T00:00:00Z')), 'w');
  assert.equal(twice(at('2026-12-03T01:45:00Z')), 'w');
  assert.equal(twice(at('2026-12-03T02:29:59.999Z')), 'w');
  assert.equal(twice(at('2026-12-03T02:30:00Z')), null);
  checkAgainstBruteForce(
    'UTC',
    '0 0,1 * * *',
    '90m',
    { hours: [0, 1], minutes: [0] },
    from,
    from + 2 * 24 * HOUR,
  );
});

// ---- services, several windows, anyActive ----

test('services filter by URL and by key; anyActive still reports the window', () => {
  const schedule = createMaintenanceSchedule({
    db: { cron: '0 2 * * *', duration: '1h', services: ['https://db.example/health', 'queue-key'] },
  });
  const inside = at('2026-12-03T02:10:00Z');
  assert.equal(schedule.windowAt({ key: 'k1', url: 'https://db.example/health' }, inside), 'db');
  assert.equal(schedule.windowAt({ key: 'queue-key', url: 'https://queue.example/' }, inside), 'db');
  assert.equal(schedule.windowAt({ key: 'k3', url: 'https://web.example/' }, inside), null);
  assert.equal(schedule.anyActive(inside), true);
  assert.equal(schedule.windowAt({ key: 'k1', url: 'https://db.example/health' }, inside + HOUR), null);
});

test('several windows: the first in config order that covers the service names it', () => {
  const schedule = createMaintenanceSchedule({
    only_db: { cron: '0 2 * * *', duration: '1h', services: ['https://db.example/'] },
    all: { start: '2026-12-03T01:00:00Z', end: '2026-12-03T03:00:00Z', services: [] },
  });
  const db = { key: 'db', url: 'https://db.example/' };
  assert.equal(schedule.windowAt(db, at('2026-12-03T02:30:00Z')), 'only_db');
  assert.equal(schedule.windowAt(svc, at('2026-12-03T02:30:00Z')), 'all');
  assert.equal(schedule.windowAt(db, at('2026-12-03T01:30:00Z')), 'all');
});

test('anyActive is false outside every window, and with no windows at all', () => {
  const schedule = createMaintenanceSchedule({
    nightly: { cron: '0 2 * * *', duration: '1h' },
    migration: { start: '2026-12-05T22:00:00+01:00', end: '2026-12-06T01:00:00+01:00' },
  });
  assert.equal(schedule.anyActive(at('2026-12-03T12:00:00Z')), false);
  assert.equal(schedule.windowAt(svc, at('2026-12-03T12:00:00Z')), null);
  assert.equal(schedule.anyActive(at('2026-12-03T02:00:00Z')), true);
  assert.equal(schedule.anyActive(at('2026-12-05T21:30:00Z')), true);
  assert.equal(schedule.windowAt(svc, Number.NaN), null, 'not a time: no window, no throw');
  const none = createMaintenanceSchedule(undefined);
  assert.equal(none.anyActive(at('2026-12-03T02:00:00Z')), false);
  assert.equal(none.windowAt(svc, at('2026-12-03T02:00:00Z')), null);
});

test('an unusable window is refused with one line naming it', () => {
  const bad: Array<[MaintenanceWindowConfig, RegExp]> = [
    [{ start: '2026-12-05T22:00:00', end: '2026-12-06T01:00:00+01:00' }, /start must be an ISO 8601/],
    [{ start: '2026-12-06T01:00:00Z', end: '2026-12-06T01:00:00Z' }, /end must be after start/],
    [{ cron: '0 2 * *', duration: '1h' }, /cron "0 2 \* \*"/],
    [{ cron: '0 2 * * *', duration: 'soon' }, /duration must be a duration/],
    [{ cron: '0 2 * * *', duration: '1h', timezone: 'Mars/Olympus' }, /timezone must be an IANA/],
    [{ cron: '0 2 * * *', duration: '1h', start: '2026-12-06T01:00:00Z' }, /either start and end, or cron/],
    [{}, /either start and end, or cron/],
  ];
  for (const [config, pattern] of bad) {
    const message = maintenanceWindowError('x', config);
    assert.match(message ?? '', pattern, JSON.stringify(config));
    assert.match(message ?? '', /^maintenance "x": [^\n]+$/);
    assert.throws(() => createMaintenanceSchedule({ x: config }), pattern);
  }
  assert.equal(
    maintenanceWindowError('ok', { cron: '0 2 * * 0', duration: '2h', timezone: 'Europe/Berlin' }),
    null,
  );
});
