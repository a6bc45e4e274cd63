import { Cron } from 'croner';
import { UsageError } from '../errors.js';
import { parseDurationField } from './alert-rules.js';
import { checkName } from './alert-validate.js';
import { serviceKey } from './service-key.js';
import type { MaintenanceWindowConfig, MonitorConfig, ServiceConfig } from './types.js';
import { maskUri } from './uri.js';
import { preview } from './url-check.js';

/**
 * The value rules of maintenance windows (`maintenance` in the file): one-off (`start` + `end`,
 * ISO 8601 with an offset) or recurring (`cron` + `duration`, in `timezone`), and the services
 * they cover, named by URL (as written or as shown, password masked) or by service key.
 */

/** ISO 8601 date and time with seconds optional and an offset required (a window is an instant). */
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** ms since the epoch of an ISO 8601 instant, or a one-line message naming `field`. */
export function parseInstant(field: string, text: string): number | string {
  const ms = ISO.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (!Number.isFinite(ms)) {
    return `${field} must be an ISO 8601 time with an offset, e.g. 2026-12-05T22:00:00+01:00, got '${preview(text, 40)}'`;
  }
  return ms;
}

/** Null when `tz` is an IANA time zone this Node.js knows. */
export function checkTimezone(tz: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return null;
  } catch {
    return `timezone must be an IANA time zone such as Europe/Berlin or UTC, got '${preview(tz, 40)}'`;
  }
}

/** A window's cron in its zone: it must parse and fire at least once more. */
export function checkWindowCron(expr: string, timezone: string): string | null {
  try {
    const job = new Cron(expr, { paused: true, timezone });
    const next = job.nextRun();
    job.stop();
    return next === null ? `cron expression '${preview(expr)}' never fires` : null;
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : '';
    return `invalid cron expression '${preview(expr)}': ${preview(reason, 120)}`;
  }
}

/** Whether `ref` names the service: its URL as written or masked, or its key. */
export function serviceMatches(s: ServiceConfig, ref: string): boolean {
  return ref === s.url || ref === maskUri(s.url) || ref === serviceKey(s);
}

const str = (v: unknown): v is string => typeof v === 'string';
const given = (v: unknown): boolean => v !== undefined && v !== null;

/** The timing rules of one window: which form it takes, and that form's values. */
function timingProblems(w: MaintenanceWindowConfig): string[] {
  const oneOff = given(w.start) || given(w.end);
  const recurring = given(w.cron) || given(w.duration);
  if (oneOff && recurring) return ['give start and end, or cron and duration, not both'];
  if (!oneOff && !recurring) return ['needs start and end (one-off) or cron and duration (recurring)'];
  const problems: string[] = [];
  const tz = w.timezone ?? 'UTC';
  if (!str(tz)) problems.push('timezone must be a string');
  else {
    const zone = checkTimezone(tz);
    if (zone) problems.push(zone);
  }
  if (oneOff) {
    const times = (['start', 'end'] as const).map((f) => {
      const v: unknown = w[f];
      if (!given(v)) problems.push(`${f} is missing: a one-off window needs start and end`);
      else if (!str(v)) problems.push(`${f} must be a string`);
      else {
        const ms = parseInstant(f, v);
        if (typeof ms === 'string') problems.push(ms);
        else return ms;
      }
      return null;
    });
    const [start, end] = times;
    if (start != null && end != null && end <= start) {
      problems.push(
        `end must be after start (${preview(String(w.start), 40)} .. ${preview(String(w.end), 40)})`,
      );
    }
    if (w.timezone != null)
      problems.push('timezone applies to cron windows; a one-off window carries its offset');
    return problems;
  }
  if (!given(w.cron)) problems.push('cron is missing: a recurring window needs cron and duration');
  else if (!str(w.cron)) problems.push('cron must be a string');
  else if (str(tz) && checkTimezone(tz) === null) {
    const cron = checkWindowCron(w.cron, tz);
    if (cron) problems.push(cron);
  }
  if (!given(w.duration)) problems.push('duration is missing: a recurring window needs cron and duration');
  else if (!str(w.duration)) problems.push('duration must be a string such as "2h"');
  else {
    const ms = parseDurationField('duration', w.duration);
    if (typeof ms === 'string') problems.push(ms);
  }
  return problems;
}

/** The entries of a window's `services` that name no service; [null] when it is not a string list. */
function staleRefs(w: MaintenanceWindowConfig, services: readonly ServiceConfig[]): (string | null)[] {
  const refs: unknown = w.services;
  if (refs === undefined) return [];
  if (!Array.isArray(refs) || !refs.every(str)) return [null];
  return refs.filter((r) => !services.some((s) => serviceMatches(s, r)));
}

/**
 * Throws UsageError when a change of the services (remove, a new URL) would leave a window naming
 * a service that is gone: the file would then fail to load. `before` = the services as they were.
 */
export function assertWindowsStillMatch(
  maintenance: MonitorConfig['maintenance'],
  before: readonly ServiceConfig[],
  after: readonly ServiceConfig[],
): void {
  for (const [name, w] of Object.entries(maintenance ?? {})) {
    if (typeof w !== 'object' || w === null) continue;
    const was = new Set(staleRefs(w, before));
    const lost = staleRefs(w, after).find((r) => r !== null && !was.has(r));
    if (lost != null) {
      throw new UsageError(
        `maintenance window '${name}' names this service ('${preview(maskUri(lost), 60)}'); change or remove the window first (monitor config maintenance remove ${name})`,
      );
    }
  }
}

/** Every problem of one window, one line each, prefixed `maintenance.NAME: `. */
export function windowProblems(name: string, w: unknown, services: readonly ServiceConfig[]): string[] {
  const where = `maintenance.${name}`;
  if (typeof w !== 'object' || w === null || Array.isArray(w)) return []; // parse.ts reports the shape
  const window = w as MaintenanceWindowConfig;
  const problems: string[] = [];
  const badName = checkName('window', name);
  if (badName) problems.push(badName);
  problems.push(...timingProblems(window));
  const stale = staleRefs(window, services)[0];
  if (stale === null) problems.push('services must be a list of service URLs or keys');
  else if (stale !== undefined) {
    problems.push(`services: no configured service has the URL or key '${preview(maskUri(stale), 60)}'`);
  }
  return problems.map((p) => `${where}: ${p}`);
}
