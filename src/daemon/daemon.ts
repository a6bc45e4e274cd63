import { readConfig } from '../config/file.js';
import { type HttpOverrides, resolveHttp } from '../config/http-settings.js';
import { LIMITS } from '../config/limits.js';
import type { ResolvedService } from '../config/resolve.js';
import type { MonitorConfig } from '../config/types.js';
import { maskUri, registerUriSecrets } from '../config/uri.js';
import {
  acquireInstanceLock,
  createExportSource,
  createJobStore,
  openLocalDatabase,
} from '../db/local/index.js';
import { ConfigError, toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createNotifier } from '../systemd/notify.js';
import { Closers } from './closers.js';
import { watchConfig } from './config-watcher.js';
import { startEngine } from './engine.js';
import type { DaemonHooks } from './hooks.js';
import { type LiveView, startHttp } from './http.js';
import { checkBufferLimit } from './local-buffer.js';
import { readForReload } from './reload-config.js';
import { type ProbeEnvironment, probeableServices, probeEnvironment } from './service-env.js';
import { stopLatch } from './stop-latch.js';

export interface DaemonOptions {
  configPath: string;
  logger: Logger;
  /** Speak the systemd notify protocol on $NOTIFY_SOCKET. Default false. */
  notifySystemd?: boolean;
  /** Run the export job. Default true (still off when no external database is configured). */
  exportEnabled?: boolean;
  /** Run the collect job. Default true. */
  collectEnabled?: boolean;
  /** How long SIGTERM waits for in-flight probes before cancelling them. Default 10 s. */
  drainMs?: number;
  /** Bound of the last export attempt at shutdown. Default 5 s. */
  finalExportMs?: number;
  /** Stops the daemon like SIGTERM (demo, tests). */
  signal?: AbortSignal;
  /** Cap of the local database in pages (see openLocalDatabase's maxPageCount). Default: none. */
  localMaxPageCount?: number;
  /**
   * Called once the daemon's own signal handlers are in place: stops whoever recorded signals
   * before (the CLI launcher) and says what came meanwhile. Default: nothing came.
   */
  takeEarlySignals?: () => { stop: NodeJS.Signals | null; hup: boolean };
  /** `--http`, `--no-http`, `--http-public` over the config's `http`. Default: the config's. */
  http?: HttpOverrides;
  /** In-process observers (the benchmark, tests); see DaemonHooks. Default: none. */
  hooks?: DaemonHooks;
}

export const BUFFER_CHECK_MS = 5_000;
const STATUS_EVERY_MS = 10_000;
export const DEFAULT_MAX_ROWS = LIMITS['buffer.max_rows'].default;

function loadServices(
  config: MonitorConfig,
  path: string,
  env: ProbeEnvironment,
  log: Logger,
): ResolvedService[] {
  if (config.services.length === 0) {
    throw new ConfigError(
      `no services in ${path}; add one with: monitor config services add URL METHOD --config-path ${path}`,
    );
  }
  return probeableServices(config, env, log);
}

/**
 * `monitor start`: the scheduler, runner, probe, export and collect jobs over one local database,
 * until SIGTERM/SIGINT (or `signal`). Resolves with the exit code once everything is closed.
 * Each step registers what it acquired with one list of closers, which always runs in `finally`:
 * a start-up that fails half-way releases the lock and the database as a stop does.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const closers = new Closers(options.logger);
  try {
    return await run(options, closers);
  } finally {
    await closers.closeAll();
  }
}

async function run(options: DaemonOptions, closers: Closers): Promise<number> {
  const log = options.logger;
  const { configPath } = options;
  const exportEnabled = options.exportEnabled ?? true;
  const collectEnabled = options.collectEnabled ?? true;

  const signals = takeSignals(options, closers);
  if (signals.earlyStop) {
    // Stopped before anything was acquired: nothing to drain or release.
    log.info({ module: 'monitoring' }, `${signals.earlyStop} received during start-up: not started.`);
    return 0;
  }

  let config = readConfig(configPath);
  registerUriSecrets(config.external_database_uri);
  const env = probeEnvironment(config);
  // Before anything is acquired: a refused listen address is a usage error, not a half start.
  const http = resolveHttp(config.http, options.http ?? {}, env);
  let services = loadServices(config, configPath, env, log);

  const notifier = closers.add(
    createNotifier({ enabled: options.notifySystemd ?? false, logger: log }),
    'systemd notifier',
    (n) => n.close(),
  );
  const { ldb, store, source } = openStorage(config.local_database_path, options, closers);
  logWorkers(config, exportEnabled, collectEnabled, log);
  const { remote, agent, alerting, last, share, fleet, upkeep, rollups } = await startEngine(
    config,
    services,
    env,
    { ldb, store, source },
    options,
    closers,
  );

  // After the engine, before the agent starts: a port in use stops the start (exit 1), so a
  // systemd unit fails visibly instead of running without the view it was configured with.
  let live: LiveView | null = null;
  if (http.enabled) {
    const parts = { agent, remote, ldb, store, source, last, services: () => services, logger: log };
    live = await startHttp(http, parts, closers);
  }

  const checkBuffer = () => checkBufferLimit(ldb, config.buffer?.max_rows ?? DEFAULT_MAX_ROWS, log);
  const step = options.hooks?.step;
  closers.add(
    setInterval(step ? () => step('buffer check', checkBuffer) : checkBuffer, BUFFER_CHECK_MS),
    'buffer check',
    clearInterval,
  );
  const statusLine = (): string => {
    const s = agent.stats();
    const over = s.overload === null ? '' : ` overloaded=${s.overload.toFixed(2)}x`;
    return `services=${services.length} executed=${s.executed} missed=${s.missed} stale=${s.stale}${over} remote=${remote.state()}`;
  };
  closers.add(
    setInterval(() => void notifier.status(statusLine()), STATUS_EVERY_MS),
    'status line',
    clearInterval,
  );
  if (notifier.watchdogIntervalMs) {
    closers.add(
      setInterval(() => void notifier.watchdog(), notifier.watchdogIntervalMs),
      'watchdog',
      clearInterval,
    );
  }

  const reload = (reason: string) => {
    try {
      const next = readForReload(configPath, config, env, reason, log);
      config = next.config;
      services = next.services;
      // share mode: the policy hands the agent the services it holds among them.
      if (share) share.policy.setConfigured(services);
      else agent.setServices(services);
      alerting?.reload(config, services);
      fleet?.reload(config, services);
      live?.setServices(services);
      remote.configure(config, exportEnabled);
      upkeep.reload(config);
      rollups.reload(config);
      log.info({ module: 'config', reason, services: services.length }, 'Configuration reloaded.');
      void notifier.status(statusLine());
    } catch (err) {
      // A half-written or invalid file must never stop monitoring: keep the previous services.
      log.error(
        { module: 'config', reason },
        `Configuration not reloaded, keeping the previous one: ${toError(err).message}`,
      );
    }
  };
  closers.add(watchConfig(configPath, reload), 'config watcher', (w) => w.close());
  if (signals.handOverHup()) reload('SIGHUP');

  agent.start();
  options.hooks?.started?.({ agent, ldb });
  log.info({ module: 'monitoring' }, 'Starting Agent worker.');
  await notifier.ready(statusLine());

  const stopReason = await signals.stop.requested;
  log.info(
    { module: 'monitoring' },
    `${stopReason} received: draining (up to ${options.drainMs ?? 10_000} ms).`,
  );
  await notifier.stopping('draining');
  // A reload asked for while draining has nothing left to reload, but must not kill the drain.
  signals.holdHup();
  await closers.closeAll();
  const { executed, missed, stale } = agent.stats();
  log.info({ module: 'monitoring', executed, missed, stale }, 'Stopped.');
  return 0;
}

/**
 * Signals are taken over before anything else, so that a SIGTERM or SIGHUP that arrives during
 * start-up drains or reloads instead of killing the process half-way.
 */
function takeSignals(options: DaemonOptions, closers: Closers) {
  const stop = closers.add(stopLatch(options.logger, options.signal), 'signal handlers', (l) => l.dispose());
  let hupDuringStartup = false;
  const holdHup = () => {
    hupDuringStartup = true;
  };
  closers.add(holdHup, 'SIGHUP guard', (h) => process.off('SIGHUP', h));
  process.on('SIGHUP', holdHup);
  const early = options.takeEarlySignals?.() ?? { stop: null, hup: false };
  if (early.hup) hupDuringStartup = true;
  return {
    stop,
    earlyStop: early.stop,
    /** The config watcher takes SIGHUP from here on; true when one came during start-up. */
    handOverHup(): boolean {
      process.off('SIGHUP', holdHup);
      return hupDuringStartup;
    },
    holdHup(): void {
      process.on('SIGHUP', holdHup);
    },
  };
}

function openStorage(path: string, options: DaemonOptions, closers: Closers) {
  // The lock comes first: a second instance must be refused before it touches the database.
  const lock = closers.add(acquireInstanceLock(path), 'instance lock', (l) => l.release());
  // WAL checkpoints from a worker thread keep their copying and fsyncs off the probes' event loop.
  // The real name: SQLite's -wal and -shm then sit beside the one file the lock is tied to.
  const ldb = closers.add(
    openLocalDatabase(lock.databasePath, {
      logger: options.logger,
      backgroundCheckpoints: true,
      maxPageCount: options.localMaxPageCount,
    }),
    'local database',
    (d) => d.close(),
  );
  return { ldb, store: createJobStore(ldb), source: createExportSource(ldb) };
}

function logWorkers(
  config: MonitorConfig,
  exportEnabled: boolean,
  collectEnabled: boolean,
  log: Logger,
): void {
  if (!config.external_database_uri) {
    log.warn(
      { module: 'export' },
      'No external database configured: results are kept in the local database only (export is off).',
    );
  } else if (!exportEnabled) {
    log.warn({ module: 'export' }, 'Export disabled (--no-export): results stay in the local database.');
  } else {
    log.info({ module: 'base', remote: maskUri(config.external_database_uri) }, 'Starting Exporter worker.');
  }
  if (collectEnabled) log.info({ module: 'base' }, 'Starting Collector worker.');
}
