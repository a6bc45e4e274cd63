/**
 * The figures of a `monitor start` run (bench/monitor-run.ts): on time and gaps from the arrival
 * log (bench/gaps.ts), the daemon's CPU, memory and local database over the window
 * (bench/monitor-window.ts), and the rows it left in PostgreSQL or in its local database.
 */
import type { ResolvedService } from '../src/config/resolve.js';
import { type GapStats, gapStats } from './gaps.js';
import type { LocalRows } from './local-rows.js';
import { type MonitorWindow, mb } from './monitor-window.js';
import type { RemoteRows } from './remote-rows.js';
import type { Scalar } from './result.js';
import type { Arrivals } from './target.js';

export interface RunOutcome {
  gaps: GapStats;
  seconds: number;
  window: MonitorWindow;
  readySeconds: number | null;
  exitCode: number | null;
  /** The scenario's sub-windows (bench/monitor-run.ts RunScenario.windows) and its own figures. */
  windows: Record<string, Scalar>;
  scenario: Record<string, Scalar>;
  remote: RemoteRows | null;
  /** Seconds PostgreSQL took to receive the window's rows. */
  drainS: number | null;
  local: LocalRows | null;
}

/** On time, gap p99 and lag of each named sub-window of scheduled times. */
export function subWindowFigures(
  arrivals: Arrivals,
  services: readonly ResolvedService[],
  windows: Record<string, [number, number]>,
): Record<string, Scalar> {
  const figures: Record<string, Scalar> = {};
  for (const [name, [a, b]] of Object.entries(windows)) {
    const w = gapStats(arrivals, services, a, b);
    figures[`${name}.scheduled`] = w.scheduled;
    figures[`${name}.onTimePct`] = w.onTimePct;
    figures[`${name}.gapDeviationP99Ms`] = w.gapDeviationP99Ms;
    figures[`${name}.arrivalLagP99Ms`] = w.arrivalLagP99Ms;
  }
  return figures;
}

export function runFigures(o: RunOutcome): Record<string, Scalar> {
  const { gaps, window: w, remote, local } = o;
  const [targetCpu0, targetCpu1] = w.targetCpu;
  const figures: Record<string, Scalar> = {
    scheduled: gaps.scheduled,
    executed: gaps.executed,
    onTimePct: gaps.onTimePct,
    unrunSlots: gaps.scheduled - gaps.executed,
    duplicateArrivals: gaps.duplicates,
    probesPerSecond: Math.round((gaps.executed / o.seconds) * 10) / 10,
    gapDeviationP50Ms: gaps.gapDeviationP50Ms,
    gapDeviationP99Ms: gaps.gapDeviationP99Ms,
    gapDeviationMaxMs: gaps.gapDeviationMaxMs,
    arrivalLagP50Ms: gaps.arrivalLagP50Ms,
    arrivalLagP99Ms: gaps.arrivalLagP99Ms,
    arrivalLagMaxMs: gaps.arrivalLagMaxMs,
    // One decimal: 10k-conditions divides two of them.
    daemonCpuPct: w.proc.cpuPct === null ? null : Math.round(w.proc.cpuPct * 10) / 10,
    daemonRssMaxMB: mb(w.proc.rssMax),
    daemonRssEndMB: mb(w.proc.rssEnd),
    daemonHwmMB: mb(w.proc.hwmEnd),
    targetCpuPct:
      targetCpu0 !== null && targetCpu1 !== null
        ? Math.round(((targetCpu1 - targetCpu0) / w.wallS) * 100)
        : null,
    targetLoopDelayP99Ms: Math.round(w.targetCounts.loopDelayP99Ms * 10) / 10,
    localDbMBStart: mb(w.dbStart.main),
    localDbMBEnd: mb(w.dbEnd.main),
    localDbMBMax: mb(w.dbMax),
    localWalMBMax: mb(w.walMax),
    readySeconds: o.readySeconds,
    daemonExitCode: o.exitCode,
    ...o.windows,
    ...o.scenario,
  };
  if (remote) {
    Object.assign(figures, {
      remoteRows: remote.rows,
      remoteDuplicateSlots: remote.duplicateSlots,
      remoteMissedRows: remote.missed,
      exportLagP50Ms: remote.exportLagP50Ms,
      exportLagP99Ms: remote.exportLagP99Ms,
      startLagP50Ms: remote.startLagP50Ms,
      startLagP99Ms: remote.startLagP99Ms,
      remoteWaitSeconds: o.drainS === null ? null : Math.round(o.drainS * 10) / 10,
    });
  }
  if (local) {
    Object.assign(figures, {
      localRows: local.rows,
      localMissedRows: local.missed,
      localDuplicateSlots: local.rows - local.slots,
    });
  }
  return figures;
}
