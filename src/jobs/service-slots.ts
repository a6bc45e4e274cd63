import type { ResolvedService } from '../config/resolve.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { NewJob } from '../queue/store.js';
import { MinHeap } from '../util/queues.js';
import { firstSlotAt, type Slot, slotsBetween } from './phase.js';

/**
 * The scheduler's record of each service's slots: how far they are enqueued (its horizon) and its
 * next slot after that, computed once (when added, then after each of its slots) and kept in a
 * min-heap, so a tick touches only the services with a slot in its lookahead.
 */

/** One service's place in its schedule. */
export interface Entry {
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

export class ServiceSlots {
  private entries = new Map<string, Entry>();
  /** Entries with a next slot, earliest first: a tick pops only those due in its lookahead. */
  private readonly due = new MinHeap<Entry>((e) => e.nextAt as number);

  constructor(private readonly logger: Logger) {}

  /** SchedulerOptions.services and Scheduler.setServices; `t` is the horizon of a new service. */
  setServices(services: readonly ResolvedService[], t: number): void {
    const next = new Map<string, Entry>();
    this.due.clear();
    for (const service of services) {
      const old = this.entries.get(service.key);
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
        this.due.push(entry);
      } else if (!sameSchedule) {
        this.schedule(entry);
      }
    }
    this.entries = next;
  }

  /** Probe jobs for every slot in [horizon, to) of the due entries, and those entries (out of the heap). */
  dueSlots(to: number): { jobs: NewJob[]; advanced: Entry[] } {
    const { due } = this;
    const jobs: NewJob[] = [];
    const advanced: Entry[] = [];
    for (let top = due.peek(); top !== undefined && (top.nextAt as number) < to; top = due.peek()) {
      due.pop();
      const entry = top;
      let slots: Slot[];
      try {
        slots = slotsBetween(entry.service, entry.horizon, to);
      } catch (e: unknown) {
        this.markBroken(entry, e);
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
  restore(advanced: readonly Entry[]): void {
    for (const entry of advanced) if (this.entries.get(entry.service.key) === entry) this.due.push(entry);
  }

  /** The insert succeeded: the entries' slots before `to` are enqueued. */
  advance(advanced: readonly Entry[], to: number): void {
    // Horizons move only once the insert succeeded, so a failed tick is retried by the next one.
    // An entry a reload replaced meanwhile is dropped: its successor kept the old horizon.
    for (const entry of advanced) {
      if (this.entries.get(entry.service.key) !== entry) continue;
      if (entry.horizon < to) entry.horizon = to;
      this.schedule(entry);
    }
  }

  /** Computes the entry's next slot from its horizon and queues it (unless it has none). */
  private schedule(entry: Entry): void {
    try {
      entry.nextAt = firstSlotAt(entry.service, entry.horizon);
    } catch (e: unknown) {
      this.markBroken(entry, e);
    }
    if (entry.nextAt !== null) this.due.push(entry);
  }

  private markBroken(entry: Entry, e: unknown): void {
    entry.nextAt = null;
    if (entry.broken) return;
    entry.broken = true;
    // One unusable schedule (a cron pattern croner rejects) must not stop the others.
    this.logger.error(
      { err: toError(e), service: entry.service.url, cron: entry.service.cron },
      'service schedule is invalid: it is not probed',
    );
  }
}
