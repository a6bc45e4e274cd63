import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareLiveRuns, requestFigures } from '../../bench/live-figures.js';
import type { Route, Sample } from '../../bench/live-scraper.js';

const sample = (route: Route, ms: number, status = 200, bytes = 1000): Sample => ({
  route,
  at: 0,
  ms,
  status,
  bytes,
});

test('requestFigures: per route, the answered requests’ times and sizes; errors counted apart', () => {
  const samples = [
    ...Array.from({ length: 100 }, (_, i) => sample('metrics', i + 1, 200, 2_000_000 + i)),
    sample('metrics', 9999, 0, 0),
    sample('page', 12.34, 200, 30_000),
    sample('page', 40, 200, 30_000),
    sample('api', 80, 503, 50),
  ];
  const f = requestFigures(samples);
  assert.equal(f['scrapeRequests'], 101);
  assert.equal(f['scrapeErrors'], 1);
  assert.equal(f['scrapeP50Ms'], 50);
  assert.equal(f['scrapeP99Ms'], 99);
  // The failed request (no answer) is not a time: max is the slowest answered one.
  assert.equal(f['scrapeMaxMs'], 100);
  assert.equal(f['scrapeBytesP50'], 2_000_049);
  assert.equal(f['pageP50Ms'], 12.3);
  assert.equal(f['pageMaxMs'], 40);
  assert.equal(f['apiStatusRequests'], 1);
  assert.equal(f['apiStatusErrors'], 1);
  assert.equal(f['apiStatusP99Ms'], null);
});

const run = (over: Record<string, number>) => ({
  onTimePct: 100,
  daemonCpuPct: 50,
  startLagP50Ms: 2,
  startLagP99Ms: 20,
  daemonRssMaxMB: 200,
  ...over,
});
const served = { scrapeRequests: 24, scrapeErrors: 0, scrapeP99Ms: 180, pageRequests: 24 };
const answered = { pageErrors: 0, apiStatusRequests: 24, apiStatusErrors: 0 };

test('compareLiveRuns: side by side, ratios http/noHttp, request figures, goals met', () => {
  const { figures, goals } = compareLiveRuns(
    run({}),
    run({ daemonCpuPct: 55, startLagP99Ms: 30, onTimePct: 99.95, ...served, ...answered }),
  );
  assert.equal(figures['noHttp.daemonCpuPct'], 50);
  assert.equal(figures['http.daemonCpuPct'], 55);
  assert.equal(figures['cpuRatio'], 1.1);
  assert.equal(figures['startLagP99Ratio'], 1.5);
  assert.equal(figures['rssMaxRatio'], 1);
  assert.equal(figures['onTimeDiffPp'], -0.05);
  assert.equal(figures['scrapeP99Ms'], 180);
  assert.deepEqual(
    goals.map((g) => [g.figure, g.pass]),
    [
      ['cpuRatio', true],
      ['onTimeDiffPp', true],
      ['scrapeP99Ms', true],
      ['scrapeErrors', true],
    ],
  );
});

test('compareLiveRuns: 1.3× the CPU, 0.2 pp lower, a 5 s scrape or one error fail', () => {
  const { goals } = compareLiveRuns(
    run({}),
    run({ daemonCpuPct: 65, onTimePct: 99.8, ...served, scrapeP99Ms: 5000, ...answered, pageErrors: 1 }),
  );
  assert.deepEqual(
    goals.map((g) => g.pass),
    [false, false, false, false],
  );
  // Not one request on a route is not a pass: the server was not shown to answer there.
  const none = compareLiveRuns(run({}), run({ ...served, ...answered, apiStatusRequests: 0 }));
  assert.equal(none.goals[3]!.pass, false);
});

test('compareLiveRuns: missing figures give no ratio and n/a goals, not a verdict', () => {
  const { figures, goals } = compareLiveRuns(run({}), { onTimePct: 100 });
  assert.equal(figures['cpuRatio'], null);
  assert.equal(figures['http.daemonCpuPct'], null);
  assert.deepEqual(
    goals.map((g) => g.pass),
    [null, true, null, null],
  );
});
