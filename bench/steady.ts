/**
 * A steady load on the real `monitor start` (bench/monitor-run.ts), judged against the goals of
 * issue 11: the `10k` section (10,000 services at 5 s, export to PostgreSQL) and `seed` (the
 * original's 300 services).
 */
import { type MonitorRun, type MonitorRunOptions, runMonitor } from './monitor-run.js';
import type { BenchResult, Goal } from './result.js';

/** Goals of a steady run, shared by the sections that use them. */
export const STEADY_GOALS = {
  onTimePct: 99.9,
  gapP99Ms: 250,
  rssMB: 250,
} as const;

/** The goal rows for a run's figures (null where the figure is missing). */
export function steadyGoals(run: MonitorRun, withRemote: boolean): Goal[] {
  const num = (k: string) => (typeof run.figures[k] === 'number' ? (run.figures[k] as number) : null);
  const goal = (figure: string, text: string, pass: (v: number) => boolean): Goal => {
    const v = num(figure);
    return { figure, goal: text, pass: v === null ? null : pass(v) };
  };
  return [
    goal('onTimePct', `≥ ${STEADY_GOALS.onTimePct} %`, (v) => v >= STEADY_GOALS.onTimePct),
    goal('gapDeviationP99Ms', `≤ ${STEADY_GOALS.gapP99Ms} ms (gap p99)`, (v) => v <= STEADY_GOALS.gapP99Ms),
    goal('daemonRssMaxMB', `≤ ${STEADY_GOALS.rssMB} MB`, (v) => v <= STEADY_GOALS.rssMB),
    goal('duplicateArrivals', '0', (v) => v === 0),
    ...(withRemote ? [goal('remoteDuplicateSlots', '0', (v) => v === 0)] : []),
  ];
}

export async function steadyBench(
  name: string,
  title: string,
  options: Omit<MonitorRunOptions, 'label'>,
): Promise<BenchResult> {
  const run = await runMonitor({ ...options, label: `[${name}]` });
  return {
    name,
    title,
    process: 'monitor start',
    at: new Date().toISOString(),
    inputs: run.inputs,
    figures: run.figures,
    goals: steadyGoals(run, options.postgres),
    notes: [
      ...run.notes,
      'onTimePct: slots of the window with an arrival at the target / slots on the grid; gapDeviation: |gap between two arrivals of a service − interval|; arrivalLag: arrival − slot (an upper bound of the start lag)',
      ...(options.postgres
        ? [
            'remote*: the window’s rows in PostgreSQL after the daemon stopped (SIGTERM, final export); exportLag: exported_at − finished_at',
          ]
        : []),
    ],
  };
}
