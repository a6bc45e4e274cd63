import { Cron } from 'croner';
import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { JobStore, NewJob } from '../queue/store.js';
import { MinHeap } from '../util/queues.js';
import { firstSlotAt, type Slot, slotsBetween } from './phase.js';

/**
 * Turns schedules into queued jobs. Every second (croner) it enqueues, for each service, the
 * slots that fall in the next `lookaheadMs`, with dedupe key `probe:<scheduledAt>:<serviceKey>`:
 * a double tick or a restart re-offers the same keys and the store ignores them, so one slot is
 * never two jobs. It also enqueues the periodic `export` and `collect` jobs when they are on.
 *
 * A tick only touches the services that have a slot in the lookahead: each service's next slot is
 * computed once (when added, then after each of its slots) and kept in a min-heap, so 100,000 cron
 * services that fire once a year cost nothing between their runs.
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
  /** Its first slot at or after `horizon`; null when it never fires again or is broken. */
  nextAt: number | null;
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
  let entries = new Map<string, Entry>();
  /** Entries with a next slot, earliest first: a tick pops only those due in its lookahead. */
  const due = new MinHeap<Entry>((e) => e.nextAt as number);
  const stats: SchedulerStats = { scheduled: 0, ticks: 0, tickErrors: 0 };
  let cron: Cron | null = null;

  function markBroken(entry: Entry, e: unknown): void {
    entry.nextAt = null;
    if (entry.broken) return;
    entry.broken = true;
    // One unusable schedule (a cron pattern croner rejects) must not stop the others.
    logger.error(
      { err: toError(e), service: entry.service.url, cron: entry.service.cron },
      'service schedule is invalid: it is not probed',
    );
  }

  /** Computes the entry's next slot from its horizon and queues it (unless it has none). */
  function schedule(entry: Entry): void {
    try {
      entry.nextAt = firstSlotAt(entry.service, entry.horizon);
    } catch (e: unknown) {
      markBroken(entry, e);
    }
    if (entry.nextAt !== null) due.push(entry);
  }

  function setServices(services: readonly ResolvedService[]): void {
    const t = now();
    const next = new Map<string, Entry>();
    due.clear();
    for (const service of services) {
      const old = entries.get(service.key);
      // A changed service keeps its horizon: slots already enqueued run (with the new settings,
      // which the runner looks up at start), and the new grid begins after them.
      const entry: Entry = { service, horizon: old ? old.horizon : t, nextAt: null };
      next.set(service.key, entry);
      const sameSchedule =
        old !== undefined &&
        !old.broken &&
        old.service.cron === service.cron &&
        old.service.intervalMs === service.intervalMs;
      if (sameSchedule && old.nextAt !== null) {
        entry.nextAt = old.nextAt;
        due.push(entry);
      } else if (!sameSchedule) {
        schedule(entry);
      }
    }
    entries = next;
  }

  /** Probe jobs for every slot in [horizon, to) of the due entries, and those entries (out of the heap). */
  function dueSlots(to: number): { jobs: NewJob[]; advanced: Entry[] } {
    const jobs: NewJob[] = [];
    const advanced: Entry[] = [];
    for (let top = due.peek(); top !== undefined && (top.nextAt as number) < to; top = due.peek()) {
      due.pop();
      const entry = top;
      let slots: Slot[];
      try {
        slots = slotsBetween(entry.service, entry.horizon, to);
      } catch (e: unknown) {
        markBroken(entry, e);
        continue;
      }
      advanced.push(entry);
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

  /** The insert failed: the popped entries go back unchanged, so the next tick retries them. */
  function restore(advanced: readonly Entry[]): void {
    for (const entry of advanced) if (entries.get(entry.service.key) === entry) due.push(entry);
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
    // An entry a reload replaced meanwhile is dropped: its successor kept the old horizon.
    for (const entry of advanced) {
      if (entries.get(entry.service.key) !== entry) continue;
      if (entry.horizon < to) entry.horizon = to;
      schedule(entry);
    }
    stats.scheduled += inserted;
    stats.ticks++;
    const periodic = periodicJobs(t);
    if (periodic.length > 0) store.enqueue(periodic);
  }

  function tick(): number {
    const t = now();
    const to = t + lookaheadMs;
    const { jobs, advanced } = dueSlots(to);
    let inserted = 0;
    try {
      inserted = jobs.length > 0 ? store.enqueue(jobs) : 0;
    } catch (e: unknown) {
      restore(advanced);
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
    const { jobs, advanced } = dueSlots(to);
    let inserted = 0;
    try {
      for (let i = 0; i < jobs.length; i += chunkRows) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        inserted += store.enqueue(jobs.slice(i, i + chunkRows));
      }
    } catch (e: unknown) {
      restore(advanced);
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
