import type { ResolvedService } from '../config/resolve.js';
import type { Logger } from '../log/logger.js';
import type { Prober } from '../probe/types.js';
import type { JobStore } from '../queue/store.js';
import type { ExportOutcome } from '../queue/types.js';
import type { NotifyLaneOptions } from './notify-lane.js';
import { requestsPerMinute } from './phase.js';
import { createRunner, type HandlerOutcome, type JobHandler, type RunnerStats } from './runner.js';
import { createScheduler, type SchedulerStats } from './scheduler.js';

/**
 * The monitor's engine: the scheduler enqueues probe (and export/collect) jobs, the runner drains
 * them. `monitor start` owns everything around it (config, databases, signals, systemd); this is
 * the whole surface it needs.
 */

export interface AgentOptions {
  store: JobStore;
  /** Applies the concurrency caps (runner.concurrency, runner.per_origin): see RunnerOptions.prober. */
  prober: Prober;
  services: readonly ResolvedService[];
  /** Written on every result. */
  agentName: string;
  /**
   * Export job handler; without it no export jobs are scheduled. Throwing fails the job (retried
   * with backoff). The signal aborts when stop()'s grace is over.
   */
  exportHandler?: (signal: AbortSignal) => Promise<ExportOutcome>;
  /** Collect job handler; without it no collect jobs are scheduled. */
  collectHandler?: (signal: AbortSignal) => Promise<void> | void;
  /** The alerts job (src/alerts/tracker.ts sweep); without it no alerts jobs are scheduled. */
  alertsHandler?: () => void;
  /**
   * share mode's lease round (src/fleet/share.ts), run every `leaseEveryMs`; without it no lease
   * jobs are scheduled. It should not throw (a failed round is the policy's to log); if it does,
   * the job is retried with backoff like the others.
   */
  leaseHandler?: () => Promise<void>;
  /** Period of lease jobs, ms (fleet.lease_seconds / 6). Required with leaseHandler. */
  leaseEveryMs?: number;
  /**
   * The fleet heartbeat (src/fleet/heartbeat.ts); without it no heartbeat jobs are scheduled. It
   * must not throw for a remote failure (it logs and waits for the next one).
   */
  heartbeatHandler?: () => Promise<void>;
  /** Period of heartbeat jobs, ms (at most 5000 are used). Default 5000. */
  heartbeatEveryMs?: number;
  /**
   * The upkeep job (src/daemon/upkeep.ts): enqueued at start and every hour; without it none is
   * scheduled. Throwing fails the job (retried with backoff).
   */
  upkeepHandler?: (signal: AbortSignal) => Promise<void>;
  /**
   * The rollup job (src/daemon/rollup-fold.ts), every 30 s; without it none is scheduled. Resolves
   * true when rows were left (another is queued at once). Throwing fails the job (retried with backoff).
   */
  rollupHandler?: (signal: AbortSignal) => Promise<boolean>;
  /** Delivers notify jobs (see RunnerOptions.notify). */
  notify?: NotifyLaneOptions;
  /** Log the original's two RPM lines at start and on reload. Default true. */
  logRates?: boolean;
  /** Period of collect jobs. Default 2000 ms. */
  collectEveryMs?: number;
  logger: Logger;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface AgentStats extends RunnerStats {
  /** Probe jobs enqueued by this process. */
  scheduled: number;
  schedulerTicks: number;
  schedulerErrors: number;
}

export interface Agent {
  start(): void;
  /** Reload: added services start, removed stop, changed ones use their new settings from the next slot. */
  setServices(services: readonly ResolvedService[]): void;
  /** Stop scheduling, then the runner's two-phase stop (see Runner.stop). */
  stop(options?: { graceMs?: number }): Promise<void>;
  stats(): AgentStats;
  /** The start-lag histogram at these bounds (ms, ascending): cumulative counts, count, sum. */
  startLagBuckets(boundsMs: readonly number[]): { cumulative: number[]; count: number; sumMs: number };
  /** Forget start-lag and event-loop samples (after a warm-up). */
  resetLatencyStats(): void;
}

export function createAgent(options: AgentOptions): Agent {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  let exportSeq = 0;

  const handlers: Partial<
    Record<'export' | 'collect' | 'alerts' | 'lease' | 'heartbeat' | 'upkeep' | 'rollup', JobHandler>
  > = {};
  const { alertsHandler, heartbeatHandler } = options;
  if (heartbeatHandler) {
    handlers.heartbeat = async () => {
      await heartbeatHandler();
      return null;
    };
  }
  if (alertsHandler) {
    handlers.alerts = () => {
      alertsHandler();
      return null;
    };
  }
  const { leaseHandler } = options;
  if (leaseHandler) {
    handlers.lease = async () => {
      await leaseHandler();
      return null;
    };
  }
  const { exportHandler, collectHandler } = options;
  if (exportHandler) {
    handlers.export = async (signal): Promise<HandlerOutcome> => {
      const out = await exportHandler(signal);
      if (out.retryAfterMs !== null) return { pauseUntil: now() + out.retryAfterMs };
      if (out.full) {
        const t = now();
        // A full batch means a backlog: keep exporting without waiting for the next second.
        store.enqueue([
          { kind: 'export', payload: {}, runAt: t, dedupeKey: `export:more:${t}:${exportSeq++}` },
        ]);
      }
      return {};
    };
  }
  if (collectHandler) {
    handlers.collect = async (signal) => {
      await collectHandler(signal);
      return null;
    };
  }

  const { upkeepHandler } = options;
  if (upkeepHandler) {
    handlers.upkeep = async (signal) => {
      await upkeepHandler(signal);
      return null;
    };
  }
  const { rollupHandler } = options;
  let rollupSeq = 0;
  if (rollupHandler) {
    handlers.rollup = async (signal) => {
      if (await rollupHandler(signal)) {
        // A backlog (the run's time budget ran out): go on without waiting for the next period.
        const t = now();
        store.enqueue([
          { kind: 'rollup', payload: {}, runAt: t, dedupeKey: `rollup:more:${t}:${rollupSeq++}` },
        ]);
      }
      return null;
    };
  }

  const scheduler = createScheduler({
    store,
    services: options.services,
    logger,
    exportEnabled: exportHandler !== undefined,
    collectEnabled: collectHandler !== undefined,
    alertsEnabled: alertsHandler !== undefined,
    heartbeatEveryMs: heartbeatHandler ? (options.heartbeatEveryMs ?? 5000) : undefined,
    upkeepEnabled: upkeepHandler !== undefined,
    rollupEnabled: rollupHandler !== undefined,
    collectEveryMs: options.collectEveryMs,
    leaseEveryMs: leaseHandler ? options.leaseEveryMs : undefined,
    now,
  });
  const runner = createRunner({
    store,
    prober: options.prober,
    agent: options.agentName,
    services: options.services,
    logger,
    handlers,
    notify: options.notify,
    now,
  });

  function logRates(services: readonly ResolvedService[]): void {
    if (options.logRates === false) return;
    const t = now();
    const rpm = services.map((s) => requestsPerMinute(s, t));
    const total = rpm.reduce((a, b) => a + b, 0);
    const average = services.length > 0 ? total / services.length : 0;
    logger.info(
      { module: 'scheduler' },
      `Average requests per minute (RPM) across all services: ${average.toFixed(2)}`,
    );
    logger.info(
      { module: 'scheduler' },
      `Total requests per minute (RPM) across all services: ${total.toFixed(2)}`,
    );
  }

  let started = false;
  let stopped = false;

  return {
    start() {
      if (started) return;
      started = true;
      logRates(options.services);
      runner.start();
      if (upkeepHandler) {
        // At start, not only at the next hour: this hour's job may have run before a restart.
        const t = now();
        store.enqueue([{ kind: 'upkeep', payload: {}, runAt: t, dedupeKey: `upkeep:start:${t}` }]);
      }
      scheduler.start();
    },
    setServices(services) {
      // The runner first: a job claimed between the two calls then finds its new settings.
      runner.setServices(services);
      scheduler.setServices(services);
      logger.debug({ module: 'scheduler', services: services.length }, 'services reloaded');
      logRates(services);
    },
    async stop(stopOptions) {
      if (stopped) return;
      stopped = true;
      scheduler.stop();
      await runner.stop(stopOptions?.graceMs);
    },
    stats(): AgentStats {
      const s: SchedulerStats = scheduler.stats();
      return {
        ...runner.stats(),
        scheduled: s.scheduled,
        schedulerTicks: s.ticks,
        schedulerErrors: s.tickErrors,
      };
    },
    startLagBuckets(boundsMs) {
      return runner.startLagBuckets(boundsMs);
    },
    resetLatencyStats() {
      runner.resetLatencyStats();
    },
  };
}
