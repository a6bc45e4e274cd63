/**
 * The most probes per second the real `monitor start` sustains within the goals (bench/capacity.ts),
 * and its ratio to a bare undici loop (bench/raw.ts) measured in the same run, with the same
 * concurrency over the same origins, so the ratio is not skewed by a machine that got busier.
 *
 * Services are spread over several target origins (default 32): with every service on one origin
 * the per-origin politeness cap (16 connections) is what saturates, which measures the cap, not
 * the machine; no real deployment puts thousands of services behind one origin.
 */
import { findCapacity } from './capacity.js';
import { rawBench } from './raw.js';
import type { BenchResult } from './result.js';

export interface MaxBenchOptions {
  /** First step. Default 10,000 services. */
  from?: number;
  /** Added per step. Default 5000. */
  step?: number;
  /** Last step tried. Default 80,000. */
  to?: number;
  /** Measured seconds per step (after ready and a 5 s warm-up). Default 20. */
  seconds?: number;
  /** Runner caps; default the monitor's (512 and 16). */
  concurrency?: number;
  perOrigin?: number;
  /** Target origins the services (and the raw loop's paths) are spread over. Default 32. */
  origins?: number;
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
  process.stderr.write(`[max] raw undici loop: ${rawRps.toFixed(0)} requests/s\n`);
  const { best, firstOver, steps } = await findCapacity({
    from,
    step,
    to,
    seconds,
    origins,
    // Written to the config only when given: otherwise the daemon runs with its own defaults.
    concurrency: options.concurrency,
    perOrigin: options.perOrigin,
    label: '[max]',
  });

  return {
    name: 'max',
    title: `most services at 5 s within the goals (monitor start), over ${origins} origins, vs a raw undici loop`,
    process: 'monitor start',
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
      export: 'off (--no-export), a fresh daemon and local database per step',
      raw: `bare undici loop, ${concurrency} in flight, ${perOrigin} connections per origin over the same ${origins} origins, ${seconds} s, same run`,
      rule: 'on time >= 99.9 % and gap p99 <= 250 ms',
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
