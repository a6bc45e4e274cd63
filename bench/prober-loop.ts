/**
 * The prober alone, in a closed loop like the raw one: 512 probes in flight over 32 origins, each
 * followed at once by the next, for a fixed time; no schedule, no queue, no SQLite. It measures
 * what the probe itself (deadline, DNS cache check, body read, regex, result) costs over a bare
 * undici request, and what the worker thread adds. CPU per request is process CPU (all threads)
 * over requests. Ad hoc (`npm run bench -- prober`), not part of the default run.
 */
import { cpus } from 'node:os';
import { Agent, request } from 'undici';
import { type ResolvedService, resolveService } from '../src/config/resolve.js';
import { createGatedProber } from '../src/probe/gated-prober.js';
import { createThreadedProber } from '../src/probe/threaded-prober.js';
import type { Prober } from '../src/probe/types.js';
import type { BenchResult } from './result.js';
import { serviceUrl, startTarget, type Target } from './target.js';

export interface ProberLoopOptions {
  /** Seconds per variant. Default 10. */
  seconds?: number;
  /** Default 512. */
  concurrency?: number;
  /** Default 16. */
  perOrigin?: number;
  /** Default 32. */
  origins?: number;
}

interface Loop {
  perSecond: number;
  cpuMicrosPerRequest: number;
}

const PATHS = 10_000;

async function closedLoop(
  seconds: number,
  concurrency: number,
  one: (i: number) => Promise<boolean>,
): Promise<Loop> {
  let done = 0;
  let next = 0;
  const end = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const worker = async () => {
    while (Date.now() < end) if (await one(next++ % PATHS)) done++;
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: (done / wallMs) * 1000,
    cpuMicrosPerRequest: done > 0 ? (cpu.user + cpu.system) / done : 0,
  };
}

async function proberLoop(
  target: Target,
  prober: Prober,
  seconds: number,
  concurrency: number,
): Promise<Loop> {
  const services: ResolvedService[] = Array.from({ length: PATHS }, (_, i) =>
    resolveService({
      url: serviceUrl(target, i),
      method: 'GET',
      check_regex: true,
      regex: '"status":"healthy"',
      interval_sec: 5,
      timeout: 15,
    }),
  );
  const shutdown = new AbortController();
  try {
    return await closedLoop(seconds, concurrency, async (i) => {
      const r = await prober.probe(services[i]!, { scheduledAt: 0, agent: 'bench', signal: shutdown.signal });
      return r.ok;
    });
  } finally {
    await prober.close();
  }
}

export async function proberLoopBench(options: ProberLoopOptions = {}): Promise<BenchResult> {
  const seconds = options.seconds ?? 10;
  const concurrency = options.concurrency ?? 512;
  const perOrigin = options.perOrigin ?? 16;
  const origins = options.origins ?? 32;
  const target = await startTarget(origins);
  try {
    const dispatcher = new Agent({ connections: perOrigin, keepAliveTimeout: 30_000 });
    const urls = Array.from({ length: PATHS }, (_, i) => serviceUrl(target, i));
    const raw = await closedLoop(seconds, concurrency, async (i) => {
      const res = await request(urls[i]!, { dispatcher });
      return (await res.body.text()).includes('"status":"healthy"');
    });
    await dispatcher.close();
    const inThread = await proberLoop(
      target,
      createGatedProber({ perOrigin, concurrency }),
      seconds,
      concurrency,
    );
    const threaded = await proberLoop(target, createThreadedProber({ perOrigin }), seconds, concurrency);
    return {
      name: 'prober',
      title: 'the prober alone in a closed loop vs a bare undici loop',
      at: new Date().toISOString(),
      inputs: {
        seconds,
        concurrency,
        perOrigin,
        origins,
        paths: PATHS,
        cpus: cpus().length,
        node: process.version,
      },
      figures: {
        rawPerSecond: raw.perSecond,
        rawCpuMicrosPerRequest: raw.cpuMicrosPerRequest,
        proberPerSecond: inThread.perSecond,
        proberCpuMicrosPerRequest: inThread.cpuMicrosPerRequest,
        threadedPerSecond: threaded.perSecond,
        threadedCpuMicrosPerRequest: threaded.cpuMicrosPerRequest,
        proberRatioToRaw: inThread.perSecond / raw.perSecond,
        threadedRatioToRaw: threaded.perSecond / raw.perSecond,
      },
      notes: [
        'CPU per request is the whole process (every thread) over the requests it completed; the target runs in its own process.',
      ],
    };
  } finally {
    await target.stop();
  }
}
