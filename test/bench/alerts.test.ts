import assert from 'node:assert/strict';
import { test } from 'node:test';
import { burstUrls, FLAP_EVERY } from '../../bench/alerts.js';
import { burstFigures, compareAlertRuns, windowNotifyFigures } from '../../bench/alerts-figures.js';
import type { Received } from '../../bench/receiver.js';
import { startTarget } from '../../bench/target.js';
import { resolveService } from '../../src/config/resolve.js';

const T = 1_000_000_000_000;
const url = (i: number) => `http://127.0.0.1:9/svc/${i}`;
const got = (at: number, eventId: string, i: number, kind = 'down', openedAt: number | null = T + 12_000) =>
  ({ at, eventId, kind, serviceUrl: url(i), openedAt }) satisfies Received;

test('burstFigures: first receipt per event, delays from the origin down and from the opening, the total, duplicates', () => {
  const received: Received[] = [
    got(T - 50, 'old', 0), // before the origin went down: not the burst's
    got(T + 13_000, 'e1', 1, 'down', T + 12_000),
    got(T + 14_000, 'e2', 2, 'down', T + 13_500),
    got(T + 14_500, 'e1', 1), // a repeated delivery of e1
    got(T + 15_000, 'x', 7), // not of the origin
    got(T + 15_000, 'r3', 3, 'resolved'),
    got(T + 16_000, 'e3', 3, 'down', T + 14_000),
  ];
  const f = burstFigures(received, {
    downAt: T,
    urls: new Set([url(1), url(2), url(3)]),
    lastOpenedAt: T + 14_000,
  });
  assert.equal(f['burstServices'], 3);
  assert.equal(f['burstServicesNotified'], 3);
  assert.equal(f['burstDownEvents'], 3);
  assert.equal(f['burstDuplicates'], 1);
  assert.equal(f['burstComplete'], true);
  assert.equal(f['burstAllAcceptedS'], 16);
  assert.equal(f['burstFromLastOpenedMs'], 2000);
  // From the origin down: 13 000, 14 000, 16 000 ms (nearest rank).
  assert.equal(f['burstDelayP50Ms'], 14_000);
  assert.equal(f['burstDelayP99Ms'], 16_000);
  // From each one's opening: 1000, 500, 2000 ms.
  assert.equal(f['burstDelayFromOpenP50Ms'], 1000);
  assert.equal(f['burstDelayFromOpenMaxMs'], 2000);
});

test('burstFigures: a service never notified → incomplete, no total', () => {
  const f = burstFigures([got(T + 13_000, 'e1', 1)], {
    downAt: T,
    urls: new Set([url(1), url(2)]),
    lastOpenedAt: T,
  });
  assert.equal(f['burstComplete'], false);
  assert.equal(f['burstServicesNotified'], 1);
  assert.equal(f['burstAllAcceptedS'], null);
  assert.equal(f['burstFromLastOpenedMs'], null);
  const none = burstFigures([], { downAt: T, urls: new Set(), lastOpenedAt: null });
  assert.equal(none['burstComplete'], false, 'an empty burst proves nothing');
  assert.equal(none['burstDelayP99Ms'], null);
});

test('windowNotifyFigures: only the window, by kind, repeated ids', () => {
  const f = windowNotifyFigures(
    [
      got(T - 1, 'a', 1),
      got(T, 'b', 1),
      got(T + 5, 'c', 2, 'resolved'),
      got(T + 6, 'b', 1),
      got(T + 10, 'd', 3),
    ],
    T,
    T + 10,
  );
  assert.deepEqual(f, {
    notificationsReceived: 3,
    notificationsDown: 2,
    notificationsResolved: 1,
    duplicateNotifications: 1,
  });
});

const run = (over: Record<string, number | boolean>) => ({
  onTimePct: 100,
  daemonCpuPct: 50,
  startLagP50Ms: 2,
  startLagP99Ms: 20,
  incidentsOpened: 40,
  burstComplete: true,
  burstDuplicates: 0,
  ...over,
});

test('compareAlertRuns: side by side, ratios alerts/plain, the goals of issue 15 met and failed', () => {
  const ok = compareAlertRuns(run({}), run({ daemonCpuPct: 54, startLagP99Ms: 22, onTimePct: 99.95 }));
  assert.equal(ok.figures['plain.daemonCpuPct'], 50);
  assert.equal(ok.figures['alerts.daemonCpuPct'], 54);
  assert.equal(ok.figures['cpuRatio'], 1.08);
  assert.equal(ok.figures['startLagP99Ratio'], 1.1);
  assert.equal(ok.figures['onTimeDiffPp'], -0.05);
  assert.equal(ok.figures['burstComplete'], true, 'the burst figures are carried over');
  assert.deepEqual(
    ok.goals.map((g) => [g.figure, g.pass]),
    [
      ['cpuRatio', true],
      ['onTimeDiffPp', true],
      ['alerts.incidentsOpened', true],
      ['burstComplete', true],
      ['burstDuplicates', true],
    ],
  );
  const bad = compareAlertRuns(
    run({}),
    run({ daemonCpuPct: 56, onTimePct: 99.8, incidentsOpened: 0, burstComplete: false, burstDuplicates: 2 }),
  );
  assert.deepEqual(
    bad.goals.map((g) => g.pass),
    [false, false, false, false, false],
  );
  const missing = compareAlertRuns(run({}), { onTimePct: 100 });
  assert.deepEqual(
    missing.goals.map((g) => g.pass),
    [null, true, null, null, null],
  );
});

test('burstUrls: the last origin’s services, none of them flapping', () => {
  const services = Array.from({ length: 1000 }, (_, i) =>
    resolveService({
      url: url(i),
      method: 'GET',
      check_regex: false,
      regex: null,
      interval_sec: 5,
      timeout: 15,
    }),
  );
  const urls = burstUrls(services, 10);
  assert.equal(urls.length, 100);
  assert.ok(urls.every((u) => Number(u.split('/').pop()) % 10 === 9));
  // Three origins do not divide 100: the flapping services of the last origin are left out.
  const three = burstUrls(services, 3);
  assert.ok(three.every((u) => Number(u.split('/').pop()) % FLAP_EVERY !== 0));
  assert.equal(three.length, 333 - 3);
});

test('target: a flapping path answers 500 in its down part, the others 200; an origin down answers 500 everywhere', async () => {
  // Even services flap, with no up part: down whenever asked.
  const target = await startTarget(2, false, undefined, { flapEvery: 2, downMs: 60_000, upMs: 0 });
  try {
    const status = async (origin: number, i: number) =>
      (await fetch(`http://127.0.0.1:${target.ports[origin]}/svc/${i}`)).status;
    assert.equal(await status(0, 0), 500);
    assert.equal(await status(1, 1), 200);
    assert.equal(await status(1, 3), 200);
    const before = Date.now();
    const at = await target.setOriginDown(1, true);
    assert.ok(Number.isFinite(at) && at > before - 1000, 'the target says when it went down');
    assert.equal(await status(1, 1), 500);
    assert.equal(await status(0, 2), 500, 'service 2 flaps too');
    await target.setOriginDown(1, false);
    assert.equal(await status(1, 3), 200);
  } finally {
    await target.stop();
  }
});
