/**
 * Issue 14: the hot path stays fast with conditions. The 10k load (bench/monitor-run.ts) runs twice
 * in one invocation, back to back on the same machine: plain services, then every service carrying
 * three conditions (status, a JSON path, latency). The target answers the same small JSON document
 * in both and the services keep the same regex, so the conditions are the only difference. Each
 * run's rows are checked by SQL: the conditions were evaluated on every probed row, and held.
 */
import { conditionRowFigures, readConditionRows } from './condition-rows.js';
import { type MonitorRun, type RunScenario, runMonitor } from './monitor-run.js';
import type { BenchResult, Goal, Scalar } from './result.js';
import { UP_RESPONSE } from './target-body.js';

/** What each service of the second run carries; all three hold against UP_RESPONSE. */
export const CONDITIONS = ['[STATUS] == 200', '[BODY].status == "UP"', '[RESPONSE_TIME] < 2s'] as const;

/**
 * Outcomes in a probed row's `conditions` (src/probe/plan.ts, verdict.ts): plain, the implied
 * status and regex ones; with the three, the implied regex one and the three (a condition that
 * tests [STATUS] replaces the implied status one).
 */
export const EXPECTED_ENTRIES = { plain: 2, conditions: 4 } as const;

export const CONDITIONS_GOALS = {
  /** Daemon CPU with conditions / without, at most. */
  cpuRatio: 1.2,
  /** On time with conditions may be below plain's by at most this many percentage points. */
  onTimeDropPp: 0.1,
} as const;

/** The load figures every back-to-back comparison shows for each of its two runs. */
export const RUN_FIGURES = [
  'scheduled',
  'executed',
  'onTimePct',
  'startLagP50Ms',
  'startLagP99Ms',
  'arrivalLagP99Ms',
  'gapDeviationP99Ms',
  'daemonCpuPct',
  'daemonRssMaxMB',
  'daemonHwmMB',
  'probesPerSecond',
  'remoteRows',
  'remoteDuplicateSlots',
] as const;

/** The figures of each run shown side by side (`plain.X`, `conditions.X`). */
const PER_RUN = [
  ...RUN_FIGURES,
  'probedRows',
  'rowsNotAsExpected',
  'conditionTexts',
  'readySeconds',
  'daemonExitCode',
] as const;

const num = (v: Scalar | undefined): number | null => (typeof v === 'number' ? v : null);

/** a / b to three decimals; null when either is missing or b is 0. */
export function ratio(a: Scalar | undefined, b: Scalar | undefined): number | null {
  const [x, y] = [num(a), num(b)];
  return x === null || y === null || y === 0 ? null : Math.round((x / y) * 1000) / 1000;
}

/** Both runs' figures side by side, the ratios conditions/plain, and the goals of issue 14. */
export function compareRuns(
  plain: Record<string, Scalar>,
  withConditions: Record<string, Scalar>,
): { figures: Record<string, Scalar>; goals: Goal[] } {
  const figures: Record<string, Scalar> = {};
  for (const k of PER_RUN) figures[`plain.${k}`] = plain[k] ?? null;
  for (const k of PER_RUN) figures[`conditions.${k}`] = withConditions[k] ?? null;
  const [onPlain, onConditions] = [num(plain['onTimePct']), num(withConditions['onTimePct'])];
  Object.assign(figures, {
    cpuRatio: ratio(withConditions['daemonCpuPct'], plain['daemonCpuPct']),
    startLagP99Ratio: ratio(withConditions['startLagP99Ms'], plain['startLagP99Ms']),
    arrivalLagP99Ratio: ratio(withConditions['arrivalLagP99Ms'], plain['arrivalLagP99Ms']),
    onTimeDiffPp:
      onPlain === null || onConditions === null ? null : Math.round((onConditions - onPlain) * 1000) / 1000,
  });
  const rowsGoal = (run: 'plain' | 'conditions'): Goal => {
    const probed = num(figures[`${run}.probedRows`]);
    const wrong = num(figures[`${run}.rowsNotAsExpected`]);
    return {
      figure: `${run}.rowsNotAsExpected`,
      goal: `0 (every probed row: ${EXPECTED_ENTRIES[run]} outcomes, all held, up)`,
      pass: probed === null || wrong === null ? null : probed > 0 && wrong === 0,
    };
  };
  const cpu = num(figures['cpuRatio']);
  const diff = num(figures['onTimeDiffPp']);
  const goals: Goal[] = [
    {
      figure: 'cpuRatio',
      goal: `≤ ${CONDITIONS_GOALS.cpuRatio} (CPU with conditions / without)`,
      pass: cpu === null ? null : cpu <= CONDITIONS_GOALS.cpuRatio,
    },
    {
      figure: 'onTimeDiffPp',
      goal: `≥ −${CONDITIONS_GOALS.onTimeDropPp} pp (on time the same)`,
      pass: diff === null ? null : diff >= -CONDITIONS_GOALS.onTimeDropPp,
    },
    rowsGoal('plain'),
    rowsGoal('conditions'),
  ];
  return { figures, goals };
}

/** After the daemon stopped: the window's rows, by SQL (runMonitor keeps PostgreSQL up until then). */
const checkRows = (entries: number): RunScenario => ({
  async after(rig) {
    if (rig.remoteUri === null) throw new Error('10k-conditions needs postgres: true');
    return conditionRowFigures(await readConditionRows(rig.remoteUri, rig.t0, rig.t1, entries), entries);
  },
});

export interface ConditionsBenchOptions {
  services: number;
  seconds: number;
  warmupSeconds: number;
  origins?: number;
}

const withoutLoad = (inputs: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith('loadAvg')));

export async function conditionsBench(o: ConditionsBenchOptions): Promise<BenchResult> {
  const base = { ...o, postgres: true, response: UP_RESPONSE };
  const plain = await runMonitor({
    ...base,
    label: '[10k-conditions plain]',
    scenario: checkRows(EXPECTED_ENTRIES.plain),
  });
  const conditions = await runMonitor({
    ...base,
    conditions: CONDITIONS,
    label: '[10k-conditions conditions]',
    scenario: checkRows(EXPECTED_ENTRIES.conditions),
  });
  const { figures, goals } = compareRuns(plain.figures, conditions.figures);
  const load = (r: MonitorRun) => `${r.inputs['loadAvgBefore']}→${r.inputs['loadAvgAfter']}`;
  return {
    name: '10k-conditions',
    title: `${o.services.toLocaleString('en-US')} services at 5 s, plain vs three conditions each (issue 14), monitor start exporting to a local PostgreSQL`,
    process: 'monitor start',
    at: new Date().toISOString(),
    inputs: {
      ...withoutLoad(conditions.inputs),
      runs: 'plain, then with conditions, back to back; each its own target, PostgreSQL and daemon',
      loadAvg: `plain ${load(plain)}, conditions ${load(conditions)}`,
    },
    figures,
    goals,
    notes: [
      ...plain.notes.map((n) => `plain: ${n}`),
      ...conditions.notes.map((n) => `conditions: ${n}`),
      'startLag: started_at − scheduled_at of the rows in PostgreSQL (the daemon’s own stamp of the probe’s start); arrivalLag: arrival at the target − slot (an upper bound of it); gapDeviation: |gap between two arrivals of a service − interval|',
      'ratios: conditions / plain; onTimeDiffPp: on time with conditions − plain, percentage points',
      'rowsNotAsExpected: rows of the window that got a response but whose `conditions` column does not list the expected outcomes all held, or whose state is not up (SQL after the daemon stopped)',
    ],
  };
}
