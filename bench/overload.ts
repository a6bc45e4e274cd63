/**
 * Overload: the real `monitor start` at 1.0× and 1.5× its capacity (services at 5 s; the capacity
 * from --capacity or from a short search in the same run, bench/capacity.ts), each run with
 * --no-export so every result stays in the local database. An overloaded monitor should keep its
 * throughput (executed probes/s at 1.5× ≥ 0.9× the rate at 1.0×), not grow (RSS at 1.5× ≤ 1.3× RSS at
 * 1.0×), and write every slot it could not run as `missed` (scheduled − arrivals ≈ missed rows).
 */
import { findCapacity } from './capacity.js';
import { type MonitorRun, runMonitor } from './monitor-run.js';
import type { BenchResult, Goal, Scalar } from './result.js';

export interface OverloadOptions {
  /** Services at 5 s the monitor carries within the goals; default: measured by a short search. */
  capacity?: number;
  /** Measured seconds per load. Default 60. */
  seconds?: number;
  /** Seconds after ready before each window. Default 10. */
  warmupSeconds?: number;
  /** Target origins. Default 32. */
  origins?: number;
  /** The short search, when no capacity is given: from, step, to, seconds per step. */
  search: { from: number; step: number; to: number; seconds: number };
}

const KEPT = [
  'scheduled',
  'executed',
  'onTimePct',
  'probesPerSecond',
  'unrunSlots',
  'localMissedRows',
  'localRows',
  'duplicateArrivals',
  'localDuplicateSlots',
  'gapDeviationP99Ms',
  'arrivalLagP99Ms',
  'daemonCpuPct',
  'daemonRssMaxMB',
  'daemonRssEndMB',
  'daemonHwmMB',
  'localDbMBEnd',
  'readySeconds',
];

const num = (v: Scalar | undefined): number | null => (typeof v === 'number' ? v : null);

/** Slots with no arrival at the target that are not recorded as missed (0 when every unrun slot is). */
function unrecorded(run: MonitorRun): number | null {
  const unrun = num(run.figures['unrunSlots']);
  const missed = num(run.figures['localMissedRows']);
  return unrun === null || missed === null ? null : unrun - missed;
}

export async function overloadBench(o: OverloadOptions): Promise<BenchResult> {
  const seconds = o.seconds ?? 60;
  const warmupSeconds = o.warmupSeconds ?? 10;
  const origins = o.origins ?? 32;
  let capacity = o.capacity ?? null;
  const notes: string[] = [];
  if (capacity === null) {
    const found = await findCapacity({ ...o.search, origins, label: '[overload search]' });
    notes.push(...found.steps.map((s) => `search: ${s.line}`));
    if (found.best === null)
      throw new Error(`even ${o.search.from} services failed the goals: give --capacity`);
    if (found.firstOver === null)
      notes.push(`the search did not reach the limit: capacity ≥ ${found.best.services}`);
    capacity = found.best.services;
  }
  const loads = [1, 1.5] as const;
  const runs: MonitorRun[] = [];
  for (const factor of loads) {
    runs.push(
      await runMonitor({
        services: Math.round(capacity * factor),
        seconds,
        warmupSeconds,
        origins,
        postgres: false,
        label: `[overload ${factor}x]`,
      }),
    );
  }
  const [base, over] = runs as [MonitorRun, MonitorRun];
  const figures: Record<string, Scalar> = { capacityServices: capacity };
  for (const [i, factor] of loads.entries()) {
    for (const k of KEPT) figures[`${factor.toFixed(1)}x.${k}`] = runs[i]!.figures[k] ?? null;
    figures[`${factor.toFixed(1)}x.unrunNotMissed`] = unrecorded(runs[i]!);
  }
  const pps = (r: MonitorRun) => num(r.figures['probesPerSecond']);
  const rss = (r: MonitorRun) => num(r.figures['daemonRssMaxMB']);
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  figures['rateRatio'] = ratio(pps(over), pps(base));
  figures['rssRatio'] = ratio(rss(over), rss(base));
  const scheduled = num(over.figures['scheduled']) ?? 0;
  const gap = unrecorded(over);
  const goals: Goal[] = [
    {
      figure: 'rateRatio',
      goal: '≥ 0.9 (probes/s at 1.5× vs 1.0×)',
      pass: figures['rateRatio'] === null ? null : (figures['rateRatio'] as number) >= 0.9,
    },
    {
      figure: 'rssRatio',
      goal: '≤ 1.3 (RSS max at 1.5× vs 1.0×)',
      pass: figures['rssRatio'] === null ? null : (figures['rssRatio'] as number) <= 1.3,
    },
    {
      figure: '1.5x.unrunNotMissed',
      goal: '≈ 0: |unrun − missed| ≤ 0.1 % of scheduled',
      pass: gap === null ? null : Math.abs(gap) <= Math.max(1, scheduled * 0.001),
    },
  ];
  return {
    name: 'overload',
    title: `monitor start at 1.0× and 1.5× its capacity (${capacity} services at 5 s), --no-export`,
    process: 'monitor start',
    at: new Date().toISOString(),
    inputs: {
      capacity:
        o.capacity !== undefined
          ? `${o.capacity} (given)`
          : `${capacity} (measured by a short search, same run)`,
      services: `${Math.round(capacity)} and ${Math.round(capacity * 1.5)}`,
      secondsPerLoad: seconds,
      warmupSeconds,
      origins,
      monitor: base.inputs['monitor'],
      cpus: base.inputs['cpus'],
      loadAvgBefore: base.inputs['loadAvgBefore'],
      loadAvgAfter: over.inputs['loadAvgAfter'],
      node: process.version,
    },
    figures,
    goals,
    notes: [
      ...notes,
      'unrunSlots: slots of the window without an arrival at the target; localMissedRows: rows of the window with error_class = missed in the local database, read after the daemon exited; unrunNotMissed = unrunSlots − localMissedRows',
      ...base.notes.map((n) => `1.0×: ${n}`),
      ...over.notes.map((n) => `1.5×: ${n}`),
    ],
  };
}
