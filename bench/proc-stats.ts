/**
 * A process seen from outside, through Linux's /proc: its CPU time (utime + stime of
 * /proc/PID/stat, which sum every thread of the process: the probe worker, SQLite's checkpoint
 * worker and libuv's pool included) and its memory (VmRSS and VmHWM, the peak RSS the kernel kept,
 * of /proc/PID/status). Elsewhere than Linux every reading is null.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

let ticks: number | null = null;
/** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 on every Linux seen). */
function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds (user + system, all threads) the process has used; null when unreadable. */
export async function processCpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return null;
  }
}

export interface Memory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since the process started, bytes. */
  hwm: number;
}

/** VmRSS and VmHWM of the process; null when unreadable (e.g. it exited). */
export async function processMemory(pid: number): Promise<Memory | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kB = (name: string): number | null => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) * 1024 : null;
    };
    const rss = kB('VmRSS');
    const hwm = kB('VmHWM');
    return rss === null || hwm === null ? null : { rss, hwm };
  } catch {
    return null;
  }
}

export interface SampleSummary {
  /** CPU seconds used between start() and stop(). */
  cpuSeconds: number | null;
  /** CPU seconds / wall seconds × 100 (200 = both cores of a 2-core machine). */
  cpuPct: number | null;
  /** Largest VmRSS sampled between start() and stop(), bytes. */
  rssMax: number | null;
  /** VmRSS at stop(), bytes. */
  rssEnd: number | null;
  /** VmHWM at stop(): the peak since the process started (warm-up included), bytes. */
  hwmEnd: number | null;
  samples: number;
}

/** Samples a process's memory every `everyMs` (default 500) between start() and stop(). */
export class ProcSampler {
  private timer: NodeJS.Timeout | null = null;
  private cpu0: number | null = null;
  private begin = 0;
  private rssMax: number | null = null;
  private samples = 0;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 500,
  ) {}

  async start(): Promise<void> {
    this.begin = Date.now();
    this.cpu0 = await processCpuSeconds(this.pid);
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.everyMs);
  }

  /** The latest sampled maximum so far (for progress lines), MB or null. */
  get rssMaxSoFar(): number | null {
    return this.rssMax;
  }

  private async sample(): Promise<void> {
    const m = await processMemory(this.pid);
    if (m === null) return;
    this.samples++;
    this.rssMax = Math.max(this.rssMax ?? 0, m.rss);
  }

  async stop(): Promise<SampleSummary> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const end = await processMemory(this.pid);
    if (end) this.rssMax = Math.max(this.rssMax ?? 0, end.rss);
    const cpu1 = await processCpuSeconds(this.pid);
    const wallS = (Date.now() - this.begin) / 1000;
    const cpuSeconds = this.cpu0 !== null && cpu1 !== null ? cpu1 - this.cpu0 : null;
    return {
      cpuSeconds,
      cpuPct: cpuSeconds !== null && wallS > 0 ? (cpuSeconds / wallS) * 100 : null,
      rssMax: this.rssMax,
      rssEnd: end?.rss ?? null,
      hwmEnd: end?.hwm ?? null,
      samples: this.samples,
    };
  }
}
