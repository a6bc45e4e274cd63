import { Cron } from 'croner';
import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { JobStore, NewJob } from '../queue/store.js';
import { type Entry, ServiceSlots } from './service-slots.js';

/**
 * Turns schedules into queued jobs. Every second (croner) it enqueues, for each service, the
 * slots that fall in the next `lookaheadMs`, with dedupe key `probe:<scheduledAt>:<serviceKey>`:
 * a double tick or a restart re-offers the same keys and the store ignores them, so one slot is
 * never two jobs. It also enqueues the periodic `export`, `collect`, `alerts` and `heartbeat` jobs when they are on.
 *
 * A tick only touches the services that have a slot in the lookahead: each service's next slot is
 * computed once (when added, then after each of its slots) and kept in a min-heap, so 100,000 cron
 * services that fire once a year cost nothing between their runs (service-slots.ts).
 */

export interface SchedulerOptions {
  store: JobStore;
  services: readonly ResolvedService[];
  logger: Logger;
  /** How far ahead slots are enqueued. Default 2000 ms (a late croner tick still leaves time). */
  lookaheadMs?: number;
  /** Enqueue an `export` job every second. Default false. */
  exportEnabled?: boolean;
  /** Enqueue an `alerts` job every 5 s. Default false. */
  alertsEnabled?: boolean;
  /** Enqueue a `heartbeat` job every this many ms (at most 5000). Default undefined: none. */
  heartbeatEveryMs?: number;
  /** Enqueue an `upkeep` job every hour (its dedupe key is the hour). Default false. */
  upkeepEnabled?: boolean;
  /** Enqueue a `rollup` job every ROLLUP_EVERY_MS (30 s). Default false. */
  rollupEnabled?: boolean;
  /** Enqueue a `collect` job every `collectEveryMs`. Default false. */
  collectEnabled?: boolean;
  /** Default 2000 ms (the original's collector period; short runs keep each delete small). */
  collectEveryMs?: number;
  /** Enqueue a `lease` job (share mode's lease round) every this many ms. Default none. */
  leaseEveryMs?: number;
  /** Most probe jobs per insert transaction on the timer path. Default 500. */
  chunkRows?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface SchedulerStats {
  /** Probe jobs this scheduler inserted (duplicates the store ignored are not counted). */
  scheduled: number;
  ticks: number;
  tickErrors: number;
}

export interface Scheduler {
  /** Enqueue the current lookahead at once, then every second. */
  start(): void;
  /** One tick; exposed so tests and callers can drive it directly. Returns probe jobs inserted. */
  tick(): number;
  /**
   * Reload: added services start (enqueued at once when running), removed stop, the rest keep
   * their slots already enqueued.
   */
  setServices(services: readonly ResolvedService[]): void;
  stop(): void;
  stats(): SchedulerStats;
}

export { probeDedupeKey } from './service-slots.js';

/** Period of the `alerts` job (reminders, held events, removed services): a reminder is at most this late. */
const ALERTS_EVERY_MS = 5000;

/** Longest period of the `heartbeat` job: its handler decides when one is due (src/fleet/heartbeat.ts). */
export const HEARTBEAT_JOB_EVERY_MS = 5000;

/** Period of the `upkeep` job (partitions ahead, retention): an hour; partitions are days or longer. */
export const UPKEEP_EVERY_MS = 3_600_000;

/**
 * Period of the `rollup` job (the fold of pending rollup rows): the rollup tables lag the raw rows
 * by about this much; a longer period folds more rows per upserted bucket.
 */
export const ROLLUP_EVERY_MS = 30_000;

/** The `export`, `collect`, `alerts`, `lease`, `heartbeat`, `upkeep` and `rollup` jobs of the period `t` is in, those that are on. */
function periodicJobs(options: SchedulerOptions, collectEveryMs: number, t: number): NewJob[] {
  const periodic: NewJob[] = [];
  const second = Math.floor(t / 1000);
  if (options.exportEnabled) {
    periodic.push({ kind: 'export', payload: {}, runAt: second * 1000, dedupeKey: `export:${second}` });
  }
  if (options.collectEnabled) {
    const n = Math.floor(t / collectEveryMs);
    periodic.push({ kind: 'collect', payload: {}, runAt: n * collectEveryMs, dedupeKey: `collect:${n}` });
  }
  if (options.alertsEnabled) {
    const n = Math.floor(t / ALERTS_EVERY_MS);
    periodic.push({ kind: 'alerts', payload: {}, runAt: n * ALERTS_EVERY_MS, dedupeKey: `alerts:${n}` });
  }
  const leaseEvery = options.leaseEveryMs;
  if (leaseEvery !== undefined && leaseEvery > 0) {
    const n = Math.floor(t / leaseEvery);
    periodic.push({ kind: 'lease', payload: {}, runAt: n * leaseEvery, dedupeKey: `lease:${n}` });
  }
  if (options.heartbeatEveryMs !== undefined) {
    const every = Math.min(HEARTBEAT_JOB_EVERY_MS, Math.max(1, options.heartbeatEveryMs));
    const n = Math.floor(t / every);
    periodic.push({ kind: 'heartbeat', payload: {}, runAt: n * every, dedupeKey: `heartbeat:${every}:${n}` });
  }
  if (options.upkeepEnabled) {
    const n = Math.floor(t / UPKEEP_EVERY_MS);
    periodic.push({ kind: 'upkeep', payload: {}, runAt: n * UPKEEP_EVERY_MS, dedupeKey: `upkeep:${n}` });
  }
  if (options.rollupEnabled) {
    const n = Math.floor(t / ROLLUP_EVERY_MS);
    periodic.push({ kind: 'rollup', payload: {}, runAt: n * ROLLUP_EVERY_MS, dedupeKey: `rollup:${n}` });
  }
  return periodic;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const lookaheadMs = options.lookaheadMs ?? 2000;
  const collectEveryMs = options.collectEveryMs ?? 2000;
  const chunkRows = options.chunkRows ?? 500;
  const slots = new ServiceSlots(logger);
  const stats: SchedulerStats = { scheduled: 0, ticks: 0, tickErrors: 0 };
  let cron: Cron | null = null;

  function finishTick(advanced: readonly Entry[], to: number, inserted: number, t: number): void {
    slots.advance(advanced, to);
    stats.scheduled += inserted;
    stats.ticks++;
    const periodic = periodicJobs(options, collectEveryMs, t);
    if (periodic.length > 0) store.enqueue(periodic);
  }

  function tick(): number {
    const t = now();
    const to = t + lookaheadMs;
    const { jobs, advanced } = slots.dueSlots(to);
    let inserted = 0;
    try {
      inserted = jobs.length > 0 ? store.enqueue(jobs) : 0;
    } catch (e: unknown) {
      slots.restore(advanced);
      throw e;
    }
    finishTick(advanced, to, inserted, t);
    return inserted;
  }

  /**
   * The same as tick(), but inserting in chunks with a turn of the event loop between them: one
   * second of 10,000 services is 2,000 rows, and one transaction that size holds the loop long
   * enough to start probes late.
   */
  async function tickInChunks(): Promise<void> {
    const t = now();
    const to = t + lookaheadMs;
    const { jobs, advanced } = slots.dueSlots(to);
    let inserted = 0;
    try {
      for (let i = 0; i < jobs.length; i += chunkRows) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        inserted += store.enqueue(jobs.slice(i, i + chunkRows));
      }
    } catch (e: unknown) {
      slots.restore(advanced);
      throw e;
    }
    finishTick(advanced, to, inserted, t);
  }

  function safeTick(): void {
    try {
      tick();
    } catch (e: unknown) {
      tickFailed(e);
    }
  }

  function tickFailed(e: unknown): void {
    stats.tickErrors++;
    logger.error({ err: toError(e) }, 'scheduler tick failed; retrying on the next tick');
  }

  slots.setServices(options.services, now());

  return {
    start() {
      if (cron !== null) return;
      safeTick();
      cron = new Cron(
        '* * * * * *',
        {
          protect: true,
          catch: (e: unknown) => {
            stats.tickErrors++;
            logger.error({ err: toError(e) }, 'scheduler tick failed');
          },
        },
        () => tickInChunks().catch(tickFailed),
      );
    },
    tick,
    setServices(services) {
      slots.setServices(services, now());
      // Added services get their first slots now, not at the next second.
      if (cron !== null) safeTick();
    },
    stop() {
      cron?.stop();
      cron = null;
    },
    stats: () => ({ ...stats }),
  };
}
