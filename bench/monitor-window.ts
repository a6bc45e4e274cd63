/**
 * The measured window of a `monitor start` run, seen from outside: /proc sampled for the daemon's
 * CPU and RSS (bench/proc-stats.ts), its local database file watched, the target's CPU and event
 * loop read, progress every 10 s. Throws when the daemon exits during the window.
 */
import type { DaemonProcess } from './daemon-process.js';
import { localDbBytes } from './local-rows.js';
import { ProcSampler, processCpuSeconds, type SampleSummary } from './proc-stats.js';
import type { Target, TargetCounts } from './target.js';

export interface MonitorWindow {
  proc: SampleSummary;
  /** The target's CPU seconds at the window's start and end (null when /proc has none). */
  targetCpu: [number | null, number | null];
  targetCounts: TargetCounts;
  /** The local database file (and its WAL) at the window's start and end, and their largest. */
  dbStart: { main: number; wal: number };
  dbEnd: { main: number; wal: number };
  dbMax: number;
  walMax: number;
  wallS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mb = (b: number | null) => (b === null ? null : Math.round((b / 2 ** 20) * 10) / 10);

export async function watchWindow(
  daemon: DaemonProcess,
  target: Target,
  dbPath: string,
  [t0, t1]: [number, number],
  say: (s: string) => void,
): Promise<MonitorWindow> {
  const sampler = new ProcSampler(daemon.pid);
  await sampler.start();
  target.resetDelay();
  const targetCpu0 = await processCpuSeconds(target.pid);
  const dbStart = localDbBytes(dbPath);
  let dbMax = dbStart.main;
  let walMax = dbStart.wal;
  let served0 = (await target.counts()).served;
  for (let tick = 1; Date.now() < t1; tick++) {
    await sleep(Math.min(1000, Math.max(0, t1 - Date.now())));
    if (daemon.exitCode() !== undefined) {
      throw new Error(
        `monitor start exited (code ${daemon.exitCode()}) during the window:\n${daemon.logTail()}`,
      );
    }
    const size = localDbBytes(dbPath);
    dbMax = Math.max(dbMax, size.main);
    walMax = Math.max(walMax, size.wal);
    if (tick % 10 === 0) {
      const served = (await target.counts()).served;
      say(
        `${tick} s: ${Math.round((served - served0) / 10)} arrivals/s, RSS max ${mb(sampler.rssMaxSoFar)} MB`,
      );
      served0 = served;
    }
  }
  const proc = await sampler.stop();
  return {
    proc,
    targetCpu: [targetCpu0, await processCpuSeconds(target.pid)],
    targetCounts: await target.counts(),
    dbStart,
    dbEnd: localDbBytes(dbPath),
    dbMax,
    walMax,
    wallS: (Date.now() - t0) / 1000,
  };
}
