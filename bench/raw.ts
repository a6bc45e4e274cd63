/**
 * The physical limit the agent is compared with: a bare undici loop, `concurrency` requests in
 * flight at all times against the same target server (the same origins and paths as the agent's
 * services), for a fixed time. No queue, no SQLite, no schedule: requests per second, and the CPU
 * it took (in-process, process.cpuUsage).
 */
import { cpus, loadavg } from 'node:os';
import { Agent, request } from 'undici';
import type { BenchResult } from './result.js';
import { serviceUrl, startTarget } from './target.js';

export interface RawBenchOptions {
  /** Requests in flight. Default 512 (the runner's default global cap). */
  concurrency?: number;
  /** Connections per origin. Default 16 (the runner's default per-origin cap). */
  connections?: number;
  /** Origins (target ports) the paths are spread over, round-robin like the agent's services. Default 1. */
  origins?: number;
  /** Default 20. */
  seconds?: number;
  /** Distinct paths cycled through, like the agent's services. Default 10,000. */
  paths?: number;
}

export async function rawBench(options: RawBenchOptions = {}): Promise<BenchResult> {
  const concurrency = options.concurrency ?? 512;
  const connections = options.connections ?? 16;
  const seconds = options.seconds ?? 20;
  const paths = options.paths ?? 10_000;
  const origins = options.origins ?? 1;
  const target = await startTarget(origins);
  // undici's Agent keeps one pool per origin: `connections` is the per-origin cap.
  const dispatcher = new Agent({ connections, keepAliveTimeout: 30_000 });
  const urls = Array.from({ length: paths }, (_, i) => serviceUrl(target, i));
  let done = 0;
  let failed = 0;
  let next = 0;
  try {
    const start = Date.now();
    const end = start + seconds * 1000;
    const cpu0 = process.cpuUsage();
    const worker = async () => {
      while (Date.now() < end) {
        const path = urls[next++ % paths]!;
        try {
          const res = await request(path, { dispatcher });
          const body = await res.body.text();
          if (res.statusCode === 200 && body.includes('"status":"healthy"')) done++;
          else failed++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wallMs = Date.now() - start;
    const cpu = process.cpuUsage(cpu0);
    return {
      name: 'raw',
      at: new Date().toISOString(),
      inputs: {
        concurrency,
        connectionsPerOrigin: connections,
        origins,
        seconds,
        paths,
        cpus: cpus().length,
        loadAvgAfter: loadavg()[0]!,
        node: process.version,
      },
      figures: {
        requestsPerSecond: (done / wallMs) * 1000,
        requests: done,
        failed,
        clientCpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      },
    };
  } finally {
    await dispatcher.close();
    await target.stop();
  }
}
