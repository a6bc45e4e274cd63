import { Cron } from 'croner';
import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { type Slot, slotsBetween } from './phase.js';
import type { JobStore, NewJob } from './store.js';

/**
 * Turns schedules into queued jobs. Every second (croner) it enqueues, for each service, the
 * slots that fall in the next `lookaheadMs`, with dedupe key `probe:<scheduledAt>:<serviceKey>`:
 * a double tick or a restart re-offers the same keys and the store ignores them, so one slot is
 * never two jobs. It also enqueues the periodic `export` and `collect` jobs when they are on.
 */

export interface SchedulerOptions {
  store: JobStore;
  services: readonly ResolvedService[];
  logger: Logger;
  /** How far ahead slots are enqueued. Default 2000 ms (a late croner tick still leaves time). */
  lookaheadMs?: number;
  /** Enqueue an `export` job every second. Default false. */
  exportEnabled?: boolean;
  /** Enqueue a `collect` job every `collectEveryMs`. Default false. */
  collectEnabled?: boolean;
  /** Default 2000 ms (the original's collector period; short runs keep each delete small). */
  collectEveryMs?: number;
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

interface Entry {
  service: ResolvedService;
  /** Slots before this time are already enqueued. */
  horizon: number;
  /** Its schedule threw once (logged); skipped until a reload replaces it. */
  broken?: boolean;
}

/**
 * Time first: slots are enqueued in time order, so the unique index on the key is appended to; with
 * the (random) service key first every insert landed on a different page of a large index.
 */
export function probeDedupeKey(serviceKey: string, scheduledAt: number): string {
  return `probe:${scheduledAt}:${serviceKey}`;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { store, logger } = options;
  const now = options.now ?? Date.now;
  const lookaheadMs = options.lookaheadMs ?? 2000;
  const collectEveryMs = options.collectEveryMs ?? 2000;
  const chunkRows = options.chunkRows ?? 500;
  const entries = new Map<string, Entry>();
  const stats: SchedulerStats = { scheduled: 0, ticks: 0, tickErrors: 0 };
  let cron: Cron | null = null;

  function setServices(services: readonly ResolvedService[]): void {
    const t = now();
    const next = new Map<string, Entry>();
    for (const service of services) {
      const old = entries.get(service.key);
      // A changed service keeps its horizon: slots already enqueued run (with the new settings,
      // which the runner looks up at start), and the new grid begins after them.
      next.set(service.key, { service, horizon: old ? old.horizon : t });
    }
    entries.clear();
    for (const [k, v] of next) entries.set(k, v);
  }

  /** Probe jobs for every slot in [horizon, to), and the entries whose horizon then moves to `to`. */
  function dueSlots(to: number): { jobs: NewJob[]; advanced: Entry[] } {
    const jobs: NewJob[] = [];
    const advanced: Entry[] = [];
    for (const entry of entries.values()) {
      if (entry.horizon >= to) continue;
      advanced.push(entry);
      let slots: Slot[];
      try {
        slots = slotsBetween(entry.service, entry.horizon, to);
      } catch (e: unknown) {
        // One unusable schedule (a cron pattern croner rejects) must not stop the others.
        if (!entry.broken) {
          entry.broken = true;
          logger.error(
            { err: toError(e), service: entry.service.url, cron: entry.service.cron },
            'service schedule is invalid: it is not probed',
          );
        }
        continue;
      }
      for (const slot of slots) {
        jobs.push({
          kind: 'probe',
          payload: {
            serviceKey: entry.service.key,
            scheduledAt: slot.scheduledAt,
            windowEndsAt: slot.windowEndsAt,
          },
          runAt: slot.scheduledAt,
          maxAttempts: 1,
          dedupeKey: probeDedupeKey(entry.service.key, slot.scheduledAt),
        });
      }
    }
    return { jobs, advanced };
  }

  function periodicJobs(t: number): NewJob[] {
    const periodic: NewJob[] = [];
    const second = Math.floor(t / 1000);
    if (options.exportEnabled) {
      periodic.push({ kind: 'export', payload: {}, runAt: second * 1000, dedupeKey: `export:${second}` });
    }
    if (options.collectEnabled) {
      const n = Math.floor(t / collectEveryMs);
      periodic.push({ kind: 'collect', payload: {}, runAt: n * collectEveryMs, dedupeKey: `collect:${n}` });
    }
    return periodic;
  }

  function finishTick(advanced: readonly Entry[], to: number, inserted: number, t: number): void {
    // Horizons move only once the insert succeeded, so a failed tick is retried by the next one.
    for (const entry of advanced) if (entry.horizon < to) entry.horizon = to;
    stats.scheduled += inserted;
    stats.ticks++;
    const periodic = periodicJobs(t);
    if (periodic.length > 0) store.enqueue(periodic);
  }

  function tick(): number {
    const t = now();
    const to = t + lookaheadMs;
    const { jobs, advanced } = dueSlots(to);
    const inserted = jobs.length > 0 ? store.enqueue(jobs) : 0;
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
    const { jobs, advanced } = dueSlots(to);
    let inserted = 0;
    for (let i = 0; i < jobs.length; i += chunkRows) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      inserted += store.enqueue(jobs.slice(i, i + chunkRows));
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

  setServices(options.services);

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
      setServices(services);
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
