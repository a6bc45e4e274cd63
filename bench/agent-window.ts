/**
 * The measured window of agentBench: the monitor runs in this process, so its CPU is
 * process.cpuUsage() and its RSS process.memoryUsage.rss(), sampled every second with the local
 * database file's size; the target's CPU is read from /proc. Progress every 10 s.
 */
import type { AgentStats } from '../src/jobs/agent.js';
import type { AgentCounters } from './agent-hooks.js';
import { localDbBytes } from './local-rows.js';
import { processCpuSeconds, type Target } from './target.js';

export interface DbSize {
  main: number;
  wal: number;
}

export interface WindowSample {
  wallMs: number;
  cpu: NodeJS.CpuUsage;
  /** The target's CPU seconds at the window's start and end (null when /proc has none). */
  targetCpu: [number | null, number | null];
  targetServed: number;
  /** The agent's own figures at the window's end. */
  stats: AgentStats;
  rssMax: number;
  /** What the main thread's V8 heap and its buffers held when RSS peaked (the rest is native:
   * SQLite, the probe worker's heap, malloc). */
  atRssMax: { heapTotal: number; external: number };
  /** The database file at the window's start, middle and end (WAL apart: a checkpoint empties it). */
  sizeStart: DbSize;
  sizeMid: DbSize;
  sizeEnd: DbSize;
  walMax: number;
  /** Local database calls (BlockingTimes lines) over the window. */
  blocking: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function measureWindow(
  agent: { stats(): AgentStats },
  counters: AgentCounters,
  target: Target,
  dbPath: string,
  log: (s: string) => void,
): Promise<WindowSample> {
  const { t0, t1 } = counters;
  const cpu0 = process.cpuUsage();
  const targetCpu0 = await processCpuSeconds(target.pid);
  const served0 = await target.served();
  const sizeStart = localDbBytes(dbPath);
  let sizeMid = sizeStart;
  let walMax = sizeStart.wal;
  let rssMax = 0;
  let atRssMax = { heapTotal: 0, external: 0 };
  const mid = (t0 + t1) / 2;
  while (Date.now() < t1) {
    const mem = process.memoryUsage();
    if (mem.rss > rssMax) {
      rssMax = mem.rss;
      atRssMax = { heapTotal: mem.heapTotal, external: mem.external };
    }
    const size = localDbBytes(dbPath);
    walMax = Math.max(walMax, size.wal);
    if (Date.now() <= mid) sizeMid = size;
    await sleep(Math.min(1000, Math.max(0, t1 - Date.now())));
    const elapsed = Math.round((Date.now() - t0) / 1000);
    if (elapsed % 10 === 0) {
      const s = agent.stats();
      log(
        `${elapsed}s executed=${counters.executed} missed=${s.missed} lagP99=${s.startLagP99Ms}ms inFlight=${s.inFlight}`,
      );
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Date.now() - t0;
  const targetCpu1 = await processCpuSeconds(target.pid);
  const served1 = await target.served();
  const stats = agent.stats();
  const blocking = counters.blocking.lines(wallMs);
  return {
    wallMs,
    cpu,
    targetCpu: [targetCpu0, targetCpu1],
    targetServed: served1 - served0,
    stats,
    rssMax: Math.max(rssMax, process.memoryUsage.rss()),
    atRssMax,
    sizeStart,
    sizeMid,
    sizeEnd: localDbBytes(dbPath),
    walMax,
    blocking,
  };
}
