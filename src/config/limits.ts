/**
 * Every number of the config that reaches a timer, a statement or a cap, with its default and
 * its bounds, in one place (docs/config.md lists them). Node's timers overflow past 2^31-1 ms (the
 * timer then fires at once, so every probe would fail), PostgreSQL's statement_timeout stops at the
 * same value, and a zero would make a timer fire at once or a cap admit nothing: each number is
 * checked against these bounds when a service is added or updated and when the file is loaded.
 */
export interface NumberLimit {
  min: number;
  max: number;
  default: number;
  /** Whole numbers only. */
  integer: boolean;
  /** What the number counts, for messages and docs. */
  unit: string;
}

const limit = (min: number, max: number, def: number, unit: string, integer = true): NumberLimit => ({
  min,
  max,
  default: def,
  integer,
  unit,
});

export const LIMITS = {
  /** Seconds between probes (the original's 5..300). */
  interval_sec: limit(5, 300, 5, 'seconds', false),
  /** Deadline of one probe, seconds: DNS + connect + TLS + headers + body. */
  timeout: limit(0.1, 600, 15, 'seconds', false),
  /** Body bytes read (the regex runs on that prefix). */
  max_body_bytes: limit(1, 64 * 1024 * 1024, 1024 * 1024, 'bytes'),
  'runner.concurrency': limit(1, 10_000, 512, 'probes'),
  'runner.per_origin': limit(1, 1_000, 16, 'probes'),
  'export.batch_size': limit(1, 100_000, 2_000, 'rows'),
  /** Bound of one export statement, server side and client side. */
  'export.statement_timeout_ms': limit(100, 600_000, 30_000, 'ms'),
  'buffer.max_rows': limit(1, 1_000_000_000, 5_000_000, 'rows'),
  /** Consecutive down results that open an incident. */
  failure_threshold: limit(1, 100, 3, 'results'),
  /** Consecutive up results that resolve one. */
  success_threshold: limit(1, 100, 2, 'results'),
  /** Deadline of one delivery attempt of a channel, seconds. */
  'alerts.timeout': limit(0.1, 300, 10, 'seconds', false),
  /** share mode: the takeover bound; leases are renewed every sixth of it (docs/fleet.md). */
  'fleet.lease_seconds': limit(5, 3600, 30, 'seconds'),
  /** Partitions created ahead of the current one. */
  'remote.partitions_ahead': limit(1, 366, 3, 'partitions'),
} as const satisfies Record<string, NumberLimit>;

export type LimitedField = keyof typeof LIMITS;

/**
 * Null when `value` is within the field's bounds, else a one-line message naming the field.
 * Below one (or not a number) keeps the wording "must be a positive …" that scripts already match.
 */
export function checkLimit(field: LimitedField, value: unknown): string | null {
  const l: NumberLimit = LIMITS[field];
  const kind = l.integer ? 'whole number' : 'number';
  const got = JSON.stringify(value) ?? String(value);
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (l.integer && !Number.isInteger(value))
  ) {
    return `${field} must be a positive ${kind}${l.unit === 'seconds' ? ' of seconds' : ''}, got ${got}`;
  }
  if (value < l.min || value > l.max) {
    return `${field} must be between ${l.min} and ${l.max} ${l.unit}, got ${got}`;
  }
  return null;
}
