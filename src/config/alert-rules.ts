import { parseDuration } from './condition-values.js';
import { LIMITS } from './limits.js';
import { ALERT_DEFAULTS, type ServiceConfig } from './types.js';

/** A service's alerting, resolved once per config load (defaults applied, durations in ms). */
export interface AlertRules {
  /** Channel names; empty = the service does not alert (its results are not tracked). */
  channels: readonly string[];
  failureThreshold: number;
  /** m of the last n results down opens an incident (instead of failureThreshold in a row). */
  failureWindow: { m: number; n: number } | null;
  successThreshold: number;
  alertOnDegraded: boolean;
  remindEveryMs: number | null;
  sendResolved: boolean;
}

/** The shortest reminder interval: anything shorter is a flood, not a reminder. */
export const REMIND_MIN_MS = 60_000;
/** The largest n of failure_window (recent states kept per service). */
export const FAILURE_WINDOW_MAX = 100;

/** "M/N" → {m, n}, or a one-line message. */
export function parseFailureWindow(text: string): { m: number; n: number } | string {
  const match = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(text);
  if (match === null) return `failure_window must be "M/N" (M of the last N results down), got "${text}"`;
  const m = Number(match[1]);
  const n = Number(match[2]);
  if (m < 1 || n < m || n > FAILURE_WINDOW_MAX) {
    return `failure_window "${text}": need 1 <= M <= N <= ${FAILURE_WINDOW_MAX}`;
  }
  return { m, n };
}

/** A duration such as "1h" or "90s" in ms, or a one-line message naming `field`. */
export function parseDurationField(field: string, text: string, minMs = 1000): number | string {
  const ms = parseDuration(text.trim());
  if (ms === null || !Number.isFinite(ms)) {
    return `${field} must be a duration such as 30s, 5m, 1h or 1d, got "${text}"`;
  }
  if (ms < minMs) return `${field} must be at least ${minMs / 1000} s, got "${text}"`;
  if (ms > 2 ** 31 - 1) return `${field} must be under 24 days, got "${text}"`;
  return ms;
}

/** Resolve a validated service's alert fields (validate.ts has refused anything that would throw here). */
export function resolveAlertRules(s: ServiceConfig): AlertRules {
  const window = s.failure_window ? parseFailureWindow(s.failure_window) : null;
  const remind = s.remind_every ? parseDurationField('remind_every', s.remind_every, REMIND_MIN_MS) : null;
  return {
    channels: s.alerts ?? [],
    failureThreshold: s.failure_threshold ?? LIMITS.failure_threshold.default,
    failureWindow: typeof window === 'string' ? null : window,
    successThreshold: s.success_threshold ?? LIMITS.success_threshold.default,
    alertOnDegraded: s.alert_on_degraded ?? ALERT_DEFAULTS.alert_on_degraded,
    remindEveryMs: typeof remind === 'number' ? remind : null,
    sendResolved: s.send_resolved ?? ALERT_DEFAULTS.send_resolved,
  };
}
