/**
 * One run of the real `monitor start` under load, measured from outside:
 *   1. a target (its own process, N origins) that records each service's arrivals;
 *   2. optionally an embedded PostgreSQL (durable settings) to export to;
 *   3. a generated config (bench/monitor-config.ts) and `monitor start` in a process of its own;
 *   4. ready = every service arrived once; then a warm-up; then the window [t0, t1) of scheduled
 *      times, over which /proc is sampled (CPU, RSS) and the local database file watched
 *      (bench/monitor-window.ts);
 *   5. after the window's last slots had their chance (one interval), the arrival log is turned
 *      into on-time and gap figures (bench/gaps.ts); with export, PostgreSQL is given time to
 *      receive the window's rows, then the daemon gets SIGTERM and the rows are counted by SQL;
 *      without export the local database is read (read-only, after the exit) for `missed` rows;
 *      the figures are assembled in bench/monitor-figures.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedService } from '../src/config/resolve.js';
import type { AlertChannelConfig } from '../src/config/types.js';
import {
  createDatabaseOn,
  type EmbeddedServer,
  freePort,
  startEmbeddedPostgres,
} from '../test/helpers/pg.js';
import { type DaemonProcess, startDaemon } from './daemon-process.js';
import { gapStats } from './gaps.js';
import { readLocalRows } from './local-rows.js';
import { writeBenchConfig } from './monitor-config.js';
import { runFigures, subWindowFigures } from './monitor-figures.js';
import { watchWindow } from './monitor-window.js';
import { readRemoteRows, waitForRemoteRows } from './remote-rows.js';
import type { Scalar } from './result.js';
import { startTarget, type Target, type TargetBehaviour } from './target.js';
import { HEALTHY_RESPONSE, type TargetResponse } from './target-body.js';

export interface MonitorRunOptions {
  services: number;
  /** Measured seconds. */
  seconds: number;
  /** Seconds after every service arrived once, before the window. Default 10. */
  warmupSeconds?: number;
  /** Default 5. */
  intervalSec?: number;
  /** Target origins, services round-robin. Default 1. */
  origins?: number;
  /** Export to an embedded PostgreSQL (true) or run with --no-export (false). */
  postgres: boolean;
  /** Runner caps written to the config; default the monitor's own. */
  concurrency?: number;
  perOrigin?: number;
  /** Progress lines on stderr, prefixed with this. Default '[run]'. */
  label?: string;
  /** What the target answers; its regex is every service's. Default HEALTHY_RESPONSE. */
  response?: TargetResponse;
  /** Every service's `conditions`. Default none. */
  conditions?: readonly string[];
  /** The config's alert channels, every service alerting on all of them. Default none. */
  alerts?: Record<string, AlertChannelConfig>;
  /** Flapping services at the target. Default none. */
  behaviour?: TargetBehaviour;
  /** Runs from the window's start (e.g. a PostgreSQL outage); awaited before the window's end. */
  scenario?: RunScenario;
  /** The daemon's HTTP server on a free 127.0.0.1 port (true) or --no-http (false, the default). */
  http?: boolean;
}

/** What a scenario can reach while the daemon runs. */
export interface Rig {
  pg: EmbeddedServer | null;
  remoteUri: string | null;
  services: readonly ResolvedService[];
  target: Target;
  /** The daemon's SQLite file: read it (read-only) only in `after`, once the daemon exited. */
  localDatabasePath: string;
  /** http://127.0.0.1:PORT of the daemon's HTTP server, or null with --no-http. */
  httpBase: string | null;
  /** The measured window, epoch ms. */
  t0: number;
  t1: number;
}

export interface RunScenario {
  /** Bounded by itself; its figures join the run's. */
  during?(rig: Rig): Promise<Record<string, Scalar>>;
  /** After the daemon stopped, before PostgreSQL does (e.g. checks by SQL); its figures join the run's. */
  after?(rig: Rig): Promise<Record<string, Scalar>>;
  /** Sub-windows of scheduled times to judge apart from the window: their on time and gap p99. */
  windows?(): Record<string, [number, number]>;
}

export interface MonitorRun {
  inputs: Record<string, unknown>;
  figures: Record<string, Scalar>;
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until every service arrived once (or `limitMs`); returns the seconds it took, or null. */
async function waitReady(
  target: Awaited<ReturnType<typeof startTarget>>,
  daemon: DaemonProcess,
  services: number,
  limitMs: number,
): Promise<number | null> {
  const begin = Date.now();
  while (Date.now() - begin < limitMs) {
    if (daemon.exitCode() !== undefined) {
      throw new Error(
        `monitor start exited (code ${daemon.exitCode()}) before it was ready:\n${daemon.logTail()}`,
      );
    }
    if ((await target.counts()).distinct >= services) return (Date.now() - begin) / 1000;
    await sleep(250);
  }
  return null;
}

export async function runMonitor(o: MonitorRunOptions): Promise<MonitorRun> {
  const intervalSec = o.intervalSec ?? 5;
  const warmupSeconds = o.warmupSeconds ?? 10;
  const origins = o.origins ?? 1;
  const say = (s: string) => process.stderr.write(`${o.label ?? '[run]'} ${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'monitor-bench-'));
  let pgServer: EmbeddedServer | null = null;
  let daemon: DaemonProcess | null = null;
  const response = o.response ?? HEALTHY_RESPONSE;
  const target = await startTarget(origins, true, response.body, o.behaviour);
  try {
    let remoteUri: string | null = null;
    if (o.postgres) {
      pgServer = await startEmbeddedPostgres({ fast: false });
      remoteUri = await createDatabaseOn(pgServer.url);
    }
    const config = writeBenchConfig(target, {
      dir,
      services: o.services,
      intervalSec,
      remoteUri,
      concurrency: o.concurrency,
      perOrigin: o.perOrigin,
      response,
      conditions: o.conditions,
      alerts: o.alerts,
    });
    const loadBefore = loadavg()[0]!;
    say(
      `${o.services} services every ${intervalSec} s over ${origins} origin(s), export ${o.postgres ? 'on' : 'off'}`,
    );
    const http = o.http ? `127.0.0.1:${await freePort()}` : undefined;
    daemon = startDaemon({
      configPath: config.path,
      logPath: join(dir, 'monitor.log'),
      exportEnabled: o.postgres,
      http,
    });
    const readySeconds = await waitReady(target, daemon, o.services, 60_000 + o.services * 2);
    say(`ready after ${readySeconds ?? 'more than the limit of'} s; warm-up ${warmupSeconds} s`);
    await sleep(warmupSeconds * 1000);

    const t0 = Date.now();
    const t1 = t0 + o.seconds * 1000;
    const rig: Rig = {
      pg: pgServer,
      remoteUri,
      services: config.services,
      target,
      localDatabasePath: config.localDatabasePath,
      httpBase: http ? `http://${http}` : null,
      t0,
      t1,
    };
    // Caught here and rethrown after the window, so a failing scenario never leaves it dangling.
    const scenarioRun = o.scenario?.during?.(rig).then(
      (figures) => ({ figures, error: null }),
      (error: unknown) => ({ figures: {}, error }),
    );
    const window = await watchWindow(daemon, target, config.localDatabasePath, [t0, t1], say);
    const scenario = await scenarioRun;
    if (scenario?.error) throw scenario.error;

    // The window's last slots may start up to one interval after t1.
    await sleep(intervalSec * 1000 + 2000);
    const arrivals = await target.arrivals();
    const gaps = gapStats(arrivals, config.services, t0, t1);
    say(`on time ${gaps.onTimePct?.toFixed(3)} %, gap p99 ${gaps.gapDeviationP99Ms} ms`);
    const drainS = remoteUri ? await waitForRemoteRows(remoteUri, t0, t1, gaps.scheduled) : null;
    const exitCode = await daemon.stop();
    const after = (await o.scenario?.after?.(rig)) ?? {};
    const local = o.postgres ? null : readLocalRows(config.localDatabasePath, t0, t1);
    const figures = runFigures({
      gaps,
      seconds: o.seconds,
      window,
      readySeconds,
      exitCode,
      windows: subWindowFigures(arrivals, config.services, o.scenario?.windows?.() ?? {}),
      scenario: { ...scenario?.figures, ...after },
      remote: remoteUri ? await readRemoteRows(remoteUri, t0, t1) : null,
      drainS,
      local,
    });
    const notes = [
      `services with a slot of the window that never arrived: ${gaps.servicesWithMisses}; earliest arrival vs its slot: ${gaps.arrivalLagMinMs} ms`,
      ...(local ? [`local rows of the window by class: ${JSON.stringify(local.byClass)}`] : []),
      ...(exitCode !== 0 ? [`monitor start exited with ${exitCode}; log tail: ${daemon.logTail(600)}`] : []),
    ];
    return { inputs: runInputs(o, daemon.command.replace(config.path, 'GEN'), loadBefore), figures, notes };
  } finally {
    await daemon?.stop(10_000);
    await target.stop();
    await pgServer?.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runInputs(o: MonitorRunOptions, command: string, loadBefore: number): Record<string, unknown> {
  return {
    services: o.services,
    intervalSec: o.intervalSec ?? 5,
    seconds: o.seconds,
    warmupSeconds: o.warmupSeconds ?? 10,
    origins: o.origins ?? 1,
    export: o.postgres ? 'embedded PostgreSQL 17 on this machine, durable settings' : 'off (--no-export)',
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.perOrigin !== undefined ? { perOrigin: o.perOrigin } : {}),
    ...(o.response !== undefined ? { body: o.response.body.trim(), regex: o.response.regex } : {}),
    ...(o.conditions !== undefined ? { conditions: o.conditions.join(' ; ') } : {}),
    ...(o.alerts !== undefined ? { alerts: Object.keys(o.alerts).join(', ') } : {}),
    ...(o.behaviour !== undefined ? { flapping: o.behaviour } : {}),
    monitor: command,
    cpus: cpus().length,
    loadAvgBefore: loadBefore,
    loadAvgAfter: loadavg()[0]!,
    node: process.version,
  };
}
