import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONDITIONS, compareRuns, EXPECTED_ENTRIES } from '../../bench/conditions.js';
import { HEALTHY_RESPONSE, UP_RESPONSE } from '../../bench/target-body.js';
import { conditionsUsedPlaceholders, parseCondition } from '../../src/config/conditions.js';

const run = (over: Record<string, number>) => ({
  onTimePct: 100,
  daemonCpuPct: 50,
  startLagP99Ms: 20,
  arrivalLagP99Ms: 30,
  probedRows: 240_000,
  rowsNotAsExpected: 0,
  ...over,
});

test('compareRuns: both runs side by side, the ratios conditions/plain, and the goals met', () => {
  const { figures, goals } = compareRuns(
    run({}),
    run({ daemonCpuPct: 59, startLagP99Ms: 25, onTimePct: 99.95 }),
  );
  assert.equal(figures['plain.daemonCpuPct'], 50);
  assert.equal(figures['conditions.daemonCpuPct'], 59);
  assert.equal(figures['cpuRatio'], 1.18);
  assert.equal(figures['startLagP99Ratio'], 1.25);
  assert.equal(figures['arrivalLagP99Ratio'], 1);
  assert.equal(figures['onTimeDiffPp'], -0.05);
  assert.deepEqual(
    goals.map((g) => [g.figure, g.pass]),
    [
      ['cpuRatio', true],
      ['onTimeDiffPp', true],
      ['plain.rowsNotAsExpected', true],
      ['conditions.rowsNotAsExpected', true],
    ],
  );
});

test('compareRuns: more than 1.2× the CPU, on time 0.2 pp lower or a row not as expected fail', () => {
  const { goals } = compareRuns(run({}), run({ daemonCpuPct: 61, onTimePct: 99.8, rowsNotAsExpected: 3 }));
  assert.deepEqual(
    goals.map((g) => g.pass),
    [false, false, true, false],
  );
  // No probed row at all is not a pass: the conditions were not shown to run.
  const none = compareRuns(run({ probedRows: 0 }), run({}));
  assert.equal(none.goals[2]!.pass, false);
});

test('compareRuns: a missing figure gives no ratio and an n/a goal, not a verdict', () => {
  const { figures, goals } = compareRuns(run({}), { onTimePct: 100 });
  assert.equal(figures['cpuRatio'], null);
  assert.equal(figures['conditions.daemonCpuPct'], null);
  assert.equal(goals[0]!.pass, null);
  assert.equal(goals[3]!.pass, null);
});

test('the targets’ bodies match their regexes, and the three conditions parse and test [STATUS]', () => {
  for (const r of [HEALTHY_RESPONSE, UP_RESPONSE]) assert.match(r.body, new RegExp(r.regex));
  assert.deepEqual(JSON.parse(UP_RESPONSE.body), { status: 'UP' });
  assert.equal(CONDITIONS.length, 3);
  const used = CONDITIONS.map((c) => conditionsUsedPlaceholders(parseCondition(c)));
  // One of them tests [STATUS], so the implied status outcome gives way to it (src/probe/plan.ts):
  // the regex one and the three.
  assert.ok(used.some((u) => u.has('STATUS')));
  assert.equal(EXPECTED_ENTRIES.conditions, 1 + CONDITIONS.length);
});
