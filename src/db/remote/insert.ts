import type { ErrorClass, ProbeResult } from '../../results/types.js';
import { ROLLUP_RETURNING, rollupPendingSql } from './rollup-upsert.js';
import { qualifiedName, type RemoteTable } from './table.js';

/**
 * One bulk statement per batch: every column travels as one array parameter and PostgreSQL
 * unnests them into rows, so a batch of thousands costs one round trip and one parse.
 * `ON CONFLICT DO NOTHING` absorbs a batch sent twice (a crash between the remote COMMIT and the
 * local mark), which is what makes the export exactly-once in effect. It names no conflict target:
 * the key is `local_id` on a plain table and (`local_id`, `request_timestamp`) on a partitioned one.
 *
 * The same statement feeds the rollups (rollup-upsert.ts): the INSERT is a data-modifying CTE whose
 * RETURNING holds only the rows it inserted, and a second INSERT appends their per-minute aggregates
 * to `<t>_rollup_pending`, in the same transaction; the `rollup` job folds those into the rollup
 * tables (rollup-fold.ts). The agent's location travels once, as the last parameter, not as a
 * column array.
 *
 * Times travel as epoch milliseconds (float8) and are converted on the server: cheaper than
 * formatting dates in JS. The original's columns are naive UTC timestamps; ours are timestamptz.
 */

export interface InsertColumn {
  name: string;
  /** The array type of the parameter. */
  type: string;
  /** An epoch-ms value stored as a naive UTC timestamp (the original's columns) or a timestamptz. */
  time?: 'naive' | 'tz';
  value: (r: ProbeResult) => unknown;
  /**
   * Computed on the server from the sent columns (`u.<name>`, epoch ms) instead of being sent: the
   * original's columns repeat our times and error class, and every array sent costs a parse.
   */
  derived?: string;
}

const naiveOf = (ms: string): string => `(to_timestamp(${ms} / 1000) AT TIME ZONE 'UTC')`;

const naiveUtc = 'naive' as const;
const tz = 'tz' as const;

/** Error classes that are a verdict about the response, not an exception during the request. */
const NOT_EXCEPTIONS = new Set<ErrorClass>(['http_status', 'regex_mismatch', 'condition', 'cert_expiring']);

const wholeMs = (ms: number | null): number | null => (ms === null ? null : Math.round(ms));

/** The exported columns and how each is computed from a result. */
export const INSERT_COLUMNS: readonly InsertColumn[] = [
  { name: 'local_id', type: 'text[]', value: (r) => r.id },
  { name: 'url', type: 'text[]', value: (r) => r.url },
  { name: 'method', type: 'text[]', value: (r) => r.method },
  {
    name: 'request_timestamp',
    type: 'float8[]',
    time: naiveUtc,
    value: (r) => r.startedAt ?? r.scheduledAt,
    derived: naiveOf('coalesce(u.started_at, u.scheduled_at)'),
  },
  { name: 'regex_check_required', type: 'bool[]', value: (r) => r.regexRequired },
  // NOT NULL in the original's table: "not evaluated" is stored as false, as the original did.
  { name: 'contains_regex', type: 'bool[]', value: (r) => r.regexMatched === true },
  {
    name: 'contains_exception',
    type: 'bool[]',
    value: (r) => r.errorClass !== null && !NOT_EXCEPTIONS.has(r.errorClass),
    derived: `(u.error_class IS NOT NULL AND u.error_class NOT IN (${[...NOT_EXCEPTIONS].map((c) => `'${c}'`).join(', ')}))`,
  },
  { name: 'status_code', type: 'int4[]', value: (r) => r.statusCode },
  {
    name: 'response_timestamp',
    type: 'float8[]',
    time: naiveUtc,
    value: (r) => r.finishedAt,
    derived: naiveOf('u.finished_at'),
  },
  { name: 'regex', type: 'text[]', value: (r) => r.regex },
  { name: 'exception', type: 'text[]', value: (r) => r.errorMessage },
  {
    name: 'local_created_at',
    type: 'float8[]',
    time: naiveUtc,
    value: (r) => r.finishedAt,
    derived: naiveOf('u.finished_at'),
  },
  { name: 'agent', type: 'text[]', value: (r) => r.agent },
  { name: 'service_key', type: 'text[]', value: (r) => r.serviceKey },
  { name: 'scheduled_at', type: 'float8[]', time: tz, value: (r) => r.scheduledAt },
  { name: 'started_at', type: 'float8[]', time: tz, value: (r) => r.startedAt },
  { name: 'finished_at', type: 'float8[]', time: tz, value: (r) => r.finishedAt },
  {
    name: 'duration_ms',
    type: 'int4[]',
    value: (r) => wholeMs(r.durationMs),
  },
  { name: 'ok', type: 'bool[]', value: (r) => r.ok },
  { name: 'error_class', type: 'text[]', value: (r) => r.errorClass },
  { name: 'bytes_read', type: 'int8[]', value: (r) => r.bytesRead },
  { name: 'truncated', type: 'bool[]', value: (r) => r.truncated },
  { name: 'state', type: 'text[]', value: (r) => r.state },
  {
    name: 'conditions',
    type: 'jsonb[]',
    value: (r) => (r.conditions === null ? null : JSON.stringify(r.conditions)),
  },
  { name: 'resolved_ip', type: 'text[]', value: (r) => r.resolvedIp },
  { name: 'dns_ms', type: 'int4[]', value: (r) => wholeMs(r.dnsMs) },
  { name: 'connect_ms', type: 'int4[]', value: (r) => wholeMs(r.connectMs) },
  { name: 'tls_ms', type: 'int4[]', value: (r) => wholeMs(r.tlsMs) },
  { name: 'ttfb_ms', type: 'int4[]', value: (r) => wholeMs(r.ttfbMs) },
  { name: 'transfer_ms', type: 'int4[]', value: (r) => wholeMs(r.transferMs) },
  { name: 'tls_version', type: 'text[]', value: (r) => r.tlsVersion },
  { name: 'cert_issuer', type: 'text[]', value: (r) => r.certIssuer },
  { name: 'cert_expires_at', type: 'float8[]', time: tz, value: (r) => r.certExpiresAt },
  { name: 'cert_chain_expires_at', type: 'float8[]', time: tz, value: (r) => r.certChainExpiresAt },
  // Added by 0002. Results recorded before the local column existed read as false.
  { name: 'maintenance', type: 'bool[]', value: (r) => r.maintenance === true },
];

const COLUMNS = INSERT_COLUMNS;

const SENT = INSERT_COLUMNS.filter((c) => c.derived === undefined);

/**
 * The statement for `target`. Its parameters: `insertParams(rows)`, then the location (text). It
 * returns one row, `inserted`: how many rows were new. `rollups: false` (default true) leaves the
 * rollups' pending deltas out and returns nothing: the benchmark's baseline only.
 */
export function insertSql(target: RemoteTable, options: { rollups?: boolean } = {}): string {
  const params = SENT.map((c, i) => `$${i + 1}::${c.type}`);
  const location = `$${SENT.length + 1}::text`;
  const values = COLUMNS.map((c) => {
    if (c.derived !== undefined) return c.derived;
    const v = `u.${c.name}`;
    if (c.time === 'naive') return naiveOf(v);
    if (c.time === 'tz') return `to_timestamp(${v} / 1000)`;
    return v;
  });
  if (options.rollups === false) {
    // The export without rollups (issue 17's benchmark baseline): the same rows, no pending deltas.
    return (
      `INSERT INTO ${qualifiedName(target)} (${COLUMNS.map((c) => c.name).join(', ')}, location) ` +
      `SELECT ${values.join(', ')}, ${location} ` +
      `FROM unnest(${params.join(', ')}) AS u(${SENT.map((c) => c.name).join(', ')}) ` +
      'ON CONFLICT DO NOTHING'
    );
  }
  return (
    `WITH ins AS (INSERT INTO ${qualifiedName(target)} (${COLUMNS.map((c) => c.name).join(', ')}, location) ` +
    `SELECT ${values.join(', ')}, ${location} ` +
    `FROM unnest(${params.join(', ')}) AS u(${SENT.map((c) => c.name).join(', ')}) ` +
    `ON CONFLICT DO NOTHING RETURNING ${ROLLUP_RETURNING}), ` +
    `p AS (${rollupPendingSql(target, 'ins', location)}) ` +
    'SELECT count(*)::int AS inserted FROM ins'
  );
}

const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal for one column. Built here rather than by pg, whose generic array
 * serialiser was the largest single cost of an export batch (measured: ~3x slower than this).
 */
function arrayLiteral(rows: readonly ProbeResult[], column: InsertColumn): string {
  // jsonb elements are quoted like text; PostgreSQL parses each as JSON.
  const text = column.type === 'text[]' || column.type === 'jsonb[]';
  const bool = column.type === 'bool[]';
  const parts = new Array<string>(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const v = column.value(rows[j]!);
    if (v === null || v === undefined) parts[j] = 'NULL';
    else if (text) {
      const t = String(v);
      parts[j] = NEEDS_ESCAPE.test(t) ? `"${t.replace(/["\\]/g, '\\$&')}"` : `"${t}"`;
    } else if (bool) parts[j] = v ? 't' : 'f';
    else parts[j] = String(v);
  }
  return `{${parts.join(',')}}`;
}

/** One array literal per sent column, in `insertSql`'s order (the location goes after them). */
export function insertParams(rows: readonly ProbeResult[]): string[] {
  return SENT.map((c) => arrayLiteral(rows, c));
}
