import { readConfig } from '../config/file.js';
import { LIMITS } from '../config/limits.js';
import { type ResolvedService, resolveService } from '../config/resolve.js';
import type { MonitorConfig } from '../config/types.js';
import { maskUri, registerUriSecrets } from '../config/uri.js';
import {
  acquireInstanceLock,
  COLLECT_SLICE_ROWS,
  collect,
  createExportSource,
  createJobStore,
  enforceBufferLimit,
  type LocalJobStore,
  openLocalDatabase,
} from '../db/local/index.js';
import { ConfigError, toError } from '../errors.js';
import { createAgent } from '../jobs/agent.js';
import type { Logger } from '../log/logger.js';
import { createThreadedProber } from '../probe/threaded-prober.js';
import { createNotifier } from '../systemd/notify.js';
import { watchConfig } from './config-watcher.js';
import { warnOnRegexTimeout } from './regex-timeout-warning.js';
import { RemoteExport } from './remote-export.js';
import { stopLatch, withTimeout } from './stop-latch.js';

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
}

/** Exported rows are kept this long before collect deletes them (a short grace, like the original's 2 s loop). */
export const COLLECT_GRACE_MS = 5_000;
export const BUFFER_CHECK_MS = 5_000;
/** Bounded collect slices per collect job, a loop turn between slices. */
export const MAX_COLLECT_RUNS = 25;
const STATUS_EVERY_MS = 10_000;
export const DEFAULT_MAX_ROWS = LIMITS['buffer.max_rows'].default;
/** How long closing the remote pool or the HTTP pools may take at shutdown. */
const CLOSE_BOUND_MS = 2_000;

/** Results lost while the disk was full are counted by the next write; at shutdown, now. */
function countDiskFullDrops(store: LocalJobStore, log: Logger): void {
  try {
    const unsaved = store.saveDiskFullDrops();
    if (unsaved > 0) {
      log.error(
        { module: 'monitoring', lost: unsaved },
        `${unsaved} results lost while the local database was full are not in its disk_full_dropped counter (still full)`,
      );
    }
  } catch (err) {
    log.error({ module: 'monitoring', err: toError(err) }, 'could not save the disk_full_dropped counter');
  }
}

function loadServices(config: MonitorConfig, path: string): ResolvedService[] {
  if (config.services.length === 0) {
    throw new ConfigError(
      `no services in ${path}; add one with: monitor config services add URL METHOD --config-path ${path}`,
    );
  }
  return config.services.map(resolveService);
}

/**
 * `monitor start`: the scheduler, runner, probe, export and collect jobs over one local database,
 * until SIGTERM/SIGINT (or `signal`). Resolves with the exit code once everything is closed.
 */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const log = options.logger;
  const { configPath } = options;
  const exportEnabled = options.exportEnabled ?? true;
  const collectEnabled = options.collectEnabled ?? true;

  // Signals are taken over before anything else, so that a SIGTERM or SIGHUP that arrives during
  // start-up drains or reloads instead of killing the process half-way.
  const stop = stopLatch(log, options.signal);
  let hupDuringStartup = false;
  const earlyHup = () => {
    hupDuringStartup = true;
  };
  process.on('SIGHUP', earlyHup);
  const early = options.takeEarlySignals?.() ?? { stop: null, hup: false };
  if (early.hup) hupDuringStartup = true;
  if (early.stop) {
    // Stopped before anything was acquired: nothing to drain or release.
    process.off('SIGHUP', earlyHup);
    stop.dispose();
    log.info({ module: 'monitoring' }, `${early.stop} received during start-up: not started.`);
    return 0;
  }

  let config = readConfig(configPath);
  registerUriSecrets(config.external_database_uri);
  let services = loadServices(config, configPath);

  const notifier = createNotifier({ enabled: options.notifySystemd ?? false, logger: log });
  // The lock comes first: a second instance must be refused before it touches the database.
  const lock = acquireInstanceLock(config.local_database_path);
  const ldb = (() => {
    try {
      // WAL checkpoints from a worker thread keep their copying and fsyncs off the probes' event loop.
      // The real name: SQLite's -wal and -shm then sit beside the one file the lock is tied to.
      return openLocalDatabase(lock.databasePath, {
        logger: log,
        backgroundCheckpoints: true,
        maxPageCount: options.localMaxPageCount,
      });
    } catch (err) {
      lock.release();
      throw err;
    }
  })();

  const store = createJobStore(ldb);
  const source = createExportSource(ldb);
  // HTTP in a worker thread: the main thread keeps the scheduler, the runner and SQLite.
  const prober = warnOnRegexTimeout(
    createThreadedProber({
      perOrigin: config.runner?.per_origin,
      concurrency: config.runner?.concurrency,
    }),
    log,
  );
  const remote = new RemoteExport(source, log);
  remote.configure(config, exportEnabled);

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

  const collectLog = log.child({ module: 'cleanup' });
  const agent = createAgent({
    store,
    prober,
    services,
    agentName: config.agent_name ?? (await import('node:os')).hostname(),
    logger: log,
    // The handler always exists so that a reload that adds an external database needs no restart.
    exportHandler: exportEnabled ? () => remote.run() : undefined,
    collectHandler: collectEnabled
      ? async () => {
          // A big backlog that just got exported is deleted in bounded runs, yielding between them
          // so probes keep their start times.
          let deleted = 0;
          for (let run = 0; run < MAX_COLLECT_RUNS; run++) {
            const stats = collect(ldb, {
              now: Date.now(),
              graceMs: COLLECT_GRACE_MS,
              maxDeletes: COLLECT_SLICE_ROWS,
            });
            deleted += stats.resultsDeleted;
            if (!stats.more) break;
            await new Promise((r) => setImmediate(r));
          }
          if (deleted > 0) collectLog.info(`${deleted} processed records deleted.`);
        }
      : undefined,
  });

  const bufferTimer = setInterval(() => {
    try {
      const maxRows = config.buffer?.max_rows ?? DEFAULT_MAX_ROWS;
      const dropped = enforceBufferLimit(ldb, { maxRows });
      if (dropped > 0) {
        log.warn(
          { module: 'buffer', dropped, maxRows },
          `Local buffer limit of ${maxRows} unexported results reached: dropped the ${dropped} oldest.`,
        );
      }
    } catch (err) {
      log.error({ module: 'buffer', err: toError(err).message }, 'buffer limit check failed');
    }
  }, BUFFER_CHECK_MS);

  const statusLine = (): string => {
    const s = agent.stats();
    const over = s.overload === null ? '' : ` overloaded=${s.overload.toFixed(2)}x`;
    return `services=${services.length} executed=${s.executed} missed=${s.missed} stale=${s.stale}${over} remote=${remote.state()}`;
  };
  const statusTimer = setInterval(() => void notifier.status(statusLine()), STATUS_EVERY_MS);
  const watchdogTimer = notifier.watchdogIntervalMs
    ? setInterval(() => void notifier.watchdog(), notifier.watchdogIntervalMs)
    : null;

  const reload = (reason: string) => {
    try {
      const next = readConfig(configPath);
      // No services is a valid state on reload: probe nothing, keep running (and exporting).
      const nextServices = next.services.map(resolveService);
      if (nextServices.length === 0) {
        log.warn(
          { module: 'config', reason },
          `No services in ${configPath}: probing nothing until some are added.`,
        );
      }
      registerUriSecrets(next.external_database_uri);
      if (next.local_database_path !== config.local_database_path) {
        log.warn(
          { module: 'config' },
          'local_database_path changed: it takes effect at the next start, not on reload.',
        );
      }
      config = next;
      services = nextServices;
      agent.setServices(services);
      remote.configure(config, exportEnabled);
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
  const watcher = watchConfig(configPath, reload);
  process.off('SIGHUP', earlyHup);
  if (hupDuringStartup) reload('SIGHUP');

  agent.start();
  log.info({ module: 'monitoring' }, 'Starting Agent worker.');
  await notifier.ready(statusLine());

  const stopReason = await stop.requested;

  const drainMs = options.drainMs ?? 10_000;
  log.info({ module: 'monitoring' }, `${stopReason} received: draining (up to ${drainMs} ms).`);
  await notifier.stopping('draining');
  // A reload asked for while draining has nothing left to reload, but must not kill the drain.
  process.on('SIGHUP', earlyHup);
  watcher.close();
  clearInterval(bufferTimer);
  clearInterval(statusTimer);
  if (watchdogTimer) clearInterval(watchdogTimer);
  await agent.stop({ graceMs: drainMs });
  countDiskFullDrops(store, log);
  // Everything after the drain is bounded: a PostgreSQL that hangs mid-batch must not hold the exit.
  // Leaving a remote transaction unfinished is safe: it either committed (the rows are re-sent and
  // absorbed by ON CONFLICT next time) or it is rolled back when the connection drops.
  if (remote.enabled) await withTimeout(remote.run(), options.finalExportMs ?? 5_000);
  await withTimeout(remote.close(), CLOSE_BOUND_MS);
  await withTimeout(prober.close(), CLOSE_BOUND_MS);
  ldb.close();
  lock.release();
  notifier.close();
  stop.dispose();
  process.off('SIGHUP', earlyHup);
  const { executed, missed, stale } = agent.stats();
  log.info({ module: 'monitoring', executed, missed, stale }, 'Stopped.');
  return 0;
}
