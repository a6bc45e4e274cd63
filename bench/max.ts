/**
 * The most probes per second the agent sustains: services (at 5 s) are raised step by step until
 * executed/scheduled falls below 99.9 % or start lag p99 exceeds 250 ms. The raw undici loop is
 * measured in the same run, so the ratio is not skewed by a machine that got busier meanwhile.
 */
import { agentBench } from './agent.js';
import { rawBench } from './raw.js';
import type { BenchResult } from './result.js';

export interface MaxBenchOptions {
  /** First step. Default 5000 services. */
  from?: number;
  /** Added per step. Default 2500. */
  step?: number;
  /** Last step tried. Default 40,000. */
  to?: number;
  /** Measured seconds per step. Default 20. */
  seconds?: number;
  concurrency?: number;
  perOrigin?: number;
}

export async function maxBench(options: MaxBenchOptions = {}): Promise<BenchResult> {
  const from = options.from ?? 5000;
  const step = options.step ?? 2500;
  const to = options.to ?? 40_000;
  const seconds = options.seconds ?? 20;
  const concurrency = options.concurrency ?? 512;
  const perOrigin = options.perOrigin ?? 16;
  const raw = await rawBench({ concurrency, connections: perOrigin, seconds });
  const rawRps = Number(raw.figures['requestsPerSecond']);
  const steps: string[] = [];
  let best: { services: number; probesPerSecond: number } | null = null;
  for (let n = from; n <= to; n += step) {
    const r = await agentBench({ services: n, seconds, concurrency, perOrigin, warmupSeconds: 5 });
    const ratio = Number(r.figures['executedRatioPct']);
    const p99 = Number(r.figures['startLagP99Ms']);
    const pps = Number(r.figures['probesPerSecond']);
    const pass = ratio >= 99.9 && p99 <= 250;
    steps.push(
      `${n} services: executed ${ratio.toFixed(2)} %, lag p99 ${p99} ms, ${pps.toFixed(0)} probes/s → ${pass ? 'ok' : 'over'}`,
    );
    if (!pass) break;
    best = { services: n, probesPerSecond: pps };
  }
  return {
    name: 'max',
    at: new Date().toISOString(),
    inputs: {
      from,
      step,
      to,
      seconds,
      intervalMs: 5000,
      concurrency,
      perOrigin,
      rule: 'executed >= 99.9 % and lag p99 <= 250 ms',
    },
    figures: {
      maxServices: best?.services ?? null,
      maxProbesPerSecond: best?.probesPerSecond ?? null,
      rawRequestsPerSecond: rawRps,
      ratioToRaw: best && rawRps > 0 ? best.probesPerSecond / rawRps : null,
    },
    notes: steps,
  };
}
