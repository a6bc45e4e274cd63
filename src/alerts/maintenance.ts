import { Cron } from 'croner';
import { parseDurationField } from '../config/alert-rules.js';
import { ALERT_DEFAULTS, type MaintenanceWindowConfig } from '../config/types.js';

/**
 * Maintenance windows: which window (if any) covers a service at an instant. Asked for every
 * recorded result, so each recurring window caches the interval its last answer holds for and
 * asks croner again only when `at` leaves it; a call that hits the cache allocates nothing.
 *
 * A recurring window covers `at` iff some occurrence start s (a croner run of `cron` in
 * `timezone`) has s <= at < s + duration. The duration is real elapsed time, so a 1 h window
 * that crosses a DST change lasts one real hour whatever the wall clock shows. Which local times
 * start an occurrence on DST days is croner's rule (docs/alerts.md, "Maintenance windows").
 */

export interface MaintenanceSchedule {
  /** Name of a window covering this service at `at` (epoch ms), or null. */
  windowAt(service: { key: string; url: string }, at: number): string | null;
  /** True if any window could cover any service at `at` (fast path: false → nothing to check). */
  anyActive(at: number): boolean;
}

/** A window whose occurrences merge without a gap: how far ahead one lookup follows them. */
const MERGE_STEPS_MAX = 32;

/** "2026-12-05T22:00:00+01:00" or "…Z": a date and time with an explicit offset. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

interface Window {
  readonly name: string;
  /** Service URLs and keys; null = every service. */
  readonly services: ReadonlySet<string> | null;
  covers(at: number): boolean;
}

class OneOffWindow implements Window {
  constructor(
    readonly name: string,
    readonly services: ReadonlySet<string> | null,
    private readonly start: number,
    private readonly end: number,
  ) {}

  /** Start inclusive, end exclusive. */
  covers(at: number): boolean {
    return at >= this.start && at < this.end;
  }
}

class RecurringWindow implements Window {
  private readonly cron: Cron;
  // Two cached intervals [from, to) with their answer: the current one and the one before, so
  // results recorded slightly out of order around a boundary do not recompute each time.
  private aFrom = 0;
  private aTo = 0;
  private aCovered = false;
  private bFrom = 0;
  private bTo = 0;
  private bCovered = false;

  constructor(
    readonly name: string,
    readonly services: ReadonlySet<string> | null,
    pattern: string,
    timezone: string,
    private readonly durationMs: number,
  ) {
    // paused and without a callback: croner never starts a timer, it only computes run times.
    this.cron = new Cron(pattern, { paused: true, timezone });
  }

  covers(at: number): boolean {
    if (at >= this.aFrom && at < this.aTo) return this.aCovered;
    if (at >= this.bFrom && at < this.bTo) return this.bCovered;
    // Not a time: answer no rather than throw inside the transaction that records results.
    if (Number.isNaN(at)) return false;
    this.bFrom = this.aFrom;
    this.bTo = this.aTo;
    this.bCovered = this.aCovered;
    this.lookUp(at);
    return this.aCovered;
  }

  /** The latest occurrence start <= t, or null (croner's previousRuns excludes its reference). */
  private startAtOrBefore(t: number): number | null {
    const run = this.cron.previousRuns(1, new Date(t + 1))[0];
    return run === undefined ? null : run.getTime();
  }

  /** Fill slot a with the interval around `at` over which the answer does not change. */
  private lookUp(at: number): void {
    const d = this.durationMs;
    const s0 = this.startAtOrBefore(at);
    // Every occurrence lasts d, so the latest start <= at ends last: if it does not cover `at`,
    // no earlier one does.
    if (s0 !== null && at < s0 + d) {
      // Covered from s0 until the merged run of occurrences ends: an occurrence starting at or
      // before the current end extends it (duration longer than the period).
      let end = s0 + d;
      for (let i = 0; i < MERGE_STEPS_MAX; i++) {
        const s = this.startAtOrBefore(end);
        if (s === null || s + d <= end) break;
        end = s + d;
      }
      this.set(s0, end, true);
      return;
    }
    // Not covered from the end of the last occurrence until the next one starts.
    const next = this.cron.nextRun(new Date(at));
    const from = s0 === null ? Number.NEGATIVE_INFINITY : s0 + d;
    this.set(from, next === null ? Number.POSITIVE_INFINITY : next.getTime(), false);
  }

  private set(from: number, to: number, covered: boolean): void {
    this.aFrom = from;
    this.aTo = to;
    this.aCovered = covered;
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why the window cannot be used (one line naming it), or null. */
export function maintenanceWindowError(name: string, w: MaintenanceWindowConfig): string | null {
  const built = build(name, w);
  return typeof built === 'string' ? built : null;
}

function build(name: string, w: MaintenanceWindowConfig): Window | string {
  const where = `maintenance "${name}"`;
  const list = w.services ?? [];
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === '')) {
    return `${where}: services must be a list of service URLs or keys`;
  }
  const services = list.length === 0 ? null : new Set(list);
  const oneOff = w.start != null || w.end != null;
  const recurring = w.cron != null || w.duration != null;
  if (oneOff === recurring) return `${where}: give either start and end, or cron and duration`;
  if (oneOff) {
    if (typeof w.start !== 'string' || typeof w.end !== 'string') return `${where}: give both start and end`;
    for (const [field, text] of [
      ['start', w.start],
      ['end', w.end],
    ] as const) {
      if (!ISO_WITH_OFFSET.test(text) || Number.isNaN(Date.parse(text))) {
        return `${where}: ${field} must be an ISO 8601 date and time with an offset, e.g. 2026-12-05T22:00:00+01:00, got "${text}"`;
      }
    }
    const start = Date.parse(w.start);
    const end = Date.parse(w.end);
    if (end <= start) return `${where}: end must be after start`;
    return new OneOffWindow(name, services, start, end);
  }
  if (typeof w.cron !== 'string' || typeof w.duration !== 'string')
    return `${where}: give both cron and duration`;
  const duration = parseDurationField('duration', w.duration);
  if (typeof duration === 'string') return `${where}: ${duration}`;
  const timezone = w.timezone ?? ALERT_DEFAULTS.maintenance_timezone;
  if (typeof timezone !== 'string' || !validTimeZone(timezone)) {
    return `${where}: timezone must be an IANA time zone such as Europe/Berlin, got "${String(timezone)}"`;
  }
  try {
    return new RecurringWindow(name, services, w.cron, timezone, duration);
  } catch (err) {
    return `${where}: cron "${w.cron}": ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Throws a one-line Error for an unusable window (validation is expected to have refused it). */
export function createMaintenanceSchedule(
  windows: Record<string, MaintenanceWindowConfig> | undefined,
): MaintenanceSchedule {
  const list: Window[] = [];
  for (const [name, config] of Object.entries(windows ?? {})) {
    const w = build(name, config);
    if (typeof w === 'string') throw new Error(w);
    list.push(w);
  }
  return {
    windowAt(service, at) {
      // Config order: the first window that covers the service names it.
      for (const w of list) {
        if (!w.covers(at)) continue;
        if (w.services === null || w.services.has(service.key) || w.services.has(service.url)) return w.name;
      }
      return null;
    },
    anyActive(at) {
      for (const w of list) if (w.covers(at)) return true;
      return false;
    },
  };
}
