/**
 * The most services at 5 s the real `monitor start` carries within the goals (on time ≥ 99.9 %
 * and gap p99 ≤ 250 ms): services are raised step by step until a step fails, then the gap below
 * the first failing step is halved twice (the limit to a quarter step). Each step is a fresh
 * daemon, target and local database (bench/monitor-run.ts), without export.
 */
import { runMonitor } from './monitor-run.js';
import { STEADY_GOALS } from './steady.js';

export interface CapacityOptions {
  from: number;
  step: number;
  to: number;
  /** Measured seconds per step. */
  seconds: number;
  /** Seconds after ready, before each window. Default 5. */
  warmupSeconds?: number;
  origins: number;
  concurrency?: number;
  perOrigin?: number;
  /** Progress prefix. */
  label: string;
}

export interface CapacityStep {
  services: number;
  pass: boolean;
  probesPerSecond: number;
  line: string;
}

export interface Capacity {
  /** The largest passing step, or null when even `from` failed. */
  best: CapacityStep | null;
  /** The smallest failing step, or null when `to` still passed (then the limit is at least `to`). */
  firstOver: number | null;
  steps: CapacityStep[];
}

async function runStep(n: number, o: CapacityOptions): Promise<CapacityStep> {
  const r = await runMonitor({
    services: n,
    seconds: o.seconds,
    warmupSeconds: o.warmupSeconds ?? 5,
    origins: o.origins,
    postgres: false,
    concurrency: o.concurrency,
    perOrigin: o.perOrigin,
    label: `${o.label} ${n}:`,
  });
  const onTime = Number(r.figures['onTimePct']);
  const p99 = Number(r.figures['gapDeviationP99Ms']);
  const pps = Number(r.figures['probesPerSecond']);
  // A missing figure (no gap inside a window shorter than two intervals) is not a pass.
  const measured = r.figures['onTimePct'] !== null && r.figures['gapDeviationP99Ms'] !== null;
  const pass = measured && onTime >= STEADY_GOALS.onTimePct && p99 <= STEADY_GOALS.gapP99Ms;
  return {
    services: n,
    pass,
    probesPerSecond: pps,
    line: `${n} services: on time ${onTime.toFixed(2)} %, gap p99 ${p99} ms, ${pps.toFixed(0)} probes/s, daemon CPU ${r.figures['daemonCpuPct']} %, RSS max ${r.figures['daemonRssMaxMB']} MB → ${pass ? 'ok' : 'over'}`,
  };
}

export async function findCapacity(o: CapacityOptions): Promise<Capacity> {
  if (o.seconds < 10)
    throw new Error(`a step needs at least 10 s (two 5 s intervals) to measure gaps, got ${o.seconds}`);
  const steps: CapacityStep[] = [];
  let best: CapacityStep | null = null;
  let firstOver: number | null = null;
  for (let n = o.from; n <= o.to; n += o.step) {
    const s = await runStep(n, o);
    steps.push(s);
    if (!s.pass) {
      firstOver = n;
      break;
    }
    best = s;
  }
  let low = best?.services ?? 0;
  let high = firstOver;
  for (let i = 0; i < 2 && high !== null && high - low > o.step / 4; i++) {
    const s = await runStep(Math.round((low + high) / 2), o);
    steps.push(s);
    if (s.pass) {
      best = s;
      low = s.services;
    } else high = s.services;
  }
  return { best, firstOver, steps };
}
