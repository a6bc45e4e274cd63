/**
 * The most probes per second the agent sustains: services (at 5 s) are raised step by step until
 * executed/scheduled falls below 99.9 % or start lag p99 exceeds 250 ms, then the gap below the
 * first failing step is halved twice. The raw undici loop is measured in the same run, with the same
 * concurrency over the same origins, so the ratio is not skewed by a machine that got busier.
 *
 * Services are spread over several target origins (default 32): with every service on one origin
 * the per-origin politeness cap (16 connections) is what saturates, which measures the cap, not
 * the machine; no real deployment puts thousands of services behind one origin.
 */
import { agentBench } from './agent.js';
import { rawBench } from './raw.js';
import type { BenchResult } from './result.js';

export interface MaxBenchOptions {
  /** First step. Default 10,000 services. */
  from?: number;
  /** Added per step. Default 5000. */
  step?: number;
  /** Last step tried. Default 80,000. */
  to?: number;
  /** Measured seconds per step (after a 5 s warm-up). Default 20. */
  seconds?: number;
  /** Runner caps; default the monitor's (512 and 16). */
  concurrency?: number;
  perOrigin?: number;
  /** Target origins the services (and the raw loop's paths) are spread over. Default 32. */
  origins?: number;
}

interface Step {
  services: number;
  pass: boolean;
  probesPerSecond: number;
  line: string;
}

export async function maxBench(options: MaxBenchOptions = {}): Promise<BenchResult> {
  const from = options.from ?? 10_000;
  const step = options.step ?? 5000;
  const to = options.to ?? 80_000;
  const seconds = options.seconds ?? 20;
  const concurrency = options.concurrency ?? 512;
  const perOrigin = options.perOrigin ?? 16;
  const origins = options.origins ?? 32;
  const raw = await rawBench({ concurrency, connections: perOrigin, origins, seconds, paths: to });
  const rawRps = Number(raw.figures['requestsPerSecond']);

  const run = async (n: number): Promise<Step> => {
    const r = await agentBench({ services: n, seconds, concurrency, perOrigin, origins, warmupSeconds: 5 });
    const ratio = Number(r.figures['executedRatioPct']);
    const p99 = Number(r.figures['startLagP99Ms']);
    const pps = Number(r.figures['probesPerSecond']);
    const cpu = Number(r.figures['monitorCpuPct']);
    const pass = ratio >= 99.9 && p99 <= 250;
    return {
      services: n,
      pass,
      probesPerSecond: pps,
      line: `${n} services: executed ${ratio.toFixed(2)} %, lag p99 ${p99} ms, ${pps.toFixed(0)} probes/s, monitor CPU ${cpu.toFixed(0)} % → ${pass ? 'ok' : 'over'}`,
    };
  };

  const steps: Step[] = [];
  let best: Step | null = null;
  let firstOver: number | null = null;
  for (let n = from; n <= to; n += step) {
    const s = await run(n);
    steps.push(s);
    if (!s.pass) {
      firstOver = n;
      break;
    }
    best = s;
  }
  // Two halvings between the last good and the first failing load: the limit to a quarter step
  // (one halving left up to half a step, ~10 % of the figure, on the table).
  let low = best?.services ?? 0;
  let high = firstOver;
  for (let i = 0; i < 2 && high !== null && high - low > step / 4; i++) {
    const s = await run(Math.round((low + high) / 2));
    steps.push(s);
    if (s.pass) {
      best = s;
      low = s.services;
    } else high = s.services;
  }

  return {
    name: 'max',
    title: `most services at 5 s within the goals, over ${origins} origins, vs a raw undici loop`,
    at: new Date().toISOString(),
    inputs: {
      from,
      step,
      to,
      secondsPerStep: seconds,
      warmupSecondsPerStep: 5,
      intervalMs: 5000,
      concurrency,
      perOrigin,
      origins,
      raw: `bare undici loop, ${concurrency} in flight, ${perOrigin} connections per origin over the same ${origins} origins, ${seconds} s, same run`,
      rule: 'executed >= 99.9 % and lag p99 <= 250 ms',
      cpus: raw.inputs['cpus'],
      node: process.version,
    },
    figures: {
      // false: even the last step (`to`) was within the goals, so the maximum is at least that.
      limitReached: firstOver !== null,
      maxServices: best?.services ?? null,
      maxProbesPerSecond: best?.probesPerSecond ?? null,
      rawRequestsPerSecond: rawRps,
      rawClientCpuPct: Number(raw.figures['clientCpuPct']),
      ratioToRaw: best && rawRps > 0 ? best.probesPerSecond / rawRps : null,
    },
    goals: [
      {
        figure: 'ratioToRaw',
        goal: '≥ 0.5',
        // A limit not reached is a lower bound: it can pass the goal, not fail it.
        pass:
          best && rawRps > 0
            ? best.probesPerSecond / rawRps >= 0.5 || (firstOver === null ? null : false)
            : null,
      },
    ],
    notes: steps.map((s) => s.line),
  };
}
