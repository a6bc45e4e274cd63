import type { HttpMethod } from '../../config/types.js';
import type { ErrorClass, ProbeResult } from '../../results/types.js';

/** The results columns written and read by the raw prepared statements, in one place. */
export const RESULT_COLUMNS = [
  'id',
  'agent',
  'service_key',
  'url',
  'method',
  'scheduled_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'status_code',
  'ok',
  'regex_required',
  'regex',
  'regex_matched',
  'error_class',
  'error_message',
  'bytes_read',
  'truncated',
] as const;

export const INSERT_RESULT_SQL = `INSERT INTO results (${RESULT_COLUMNS.join(', ')}) VALUES (${RESULT_COLUMNS.map(
  () => '?',
).join(', ')}) ON CONFLICT DO NOTHING`;

export const SELECT_RESULT_COLUMNS = RESULT_COLUMNS.join(', ');

type SqlValue = string | number | null;

const bool = (b: boolean): number => (b ? 1 : 0);

/** Positional parameters for INSERT_RESULT_SQL (positional binding is the fastest in better-sqlite3). */
export function resultParams(r: ProbeResult): SqlValue[] {
  return [
    r.id,
    r.agent,
    r.serviceKey,
    r.url,
    r.method,
    r.scheduledAt,
    r.startedAt,
    r.finishedAt,
    r.durationMs,
    r.statusCode,
    bool(r.ok),
    bool(r.regexRequired),
    r.regex,
    r.regexMatched === null ? null : bool(r.regexMatched),
    r.errorClass,
    r.errorMessage,
    r.bytesRead,
    bool(r.truncated),
  ];
}

export interface ResultRow {
  id: string;
  agent: string;
  service_key: string;
  url: string;
  method: string;
  scheduled_at: number;
  started_at: number | null;
  finished_at: number;
  duration_ms: number | null;
  status_code: number | null;
  ok: number;
  regex_required: number;
  regex: string | null;
  regex_matched: number | null;
  error_class: string | null;
  error_message: string | null;
  bytes_read: number;
  truncated: number;
}

export function rowToResult(row: ResultRow): ProbeResult {
  return {
    id: row.id,
    agent: row.agent,
    serviceKey: row.service_key,
    url: row.url,
    method: row.method as HttpMethod,
    scheduledAt: row.scheduled_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    ok: row.ok === 1,
    regexRequired: row.regex_required === 1,
    regex: row.regex,
    regexMatched: row.regex_matched === null ? null : row.regex_matched === 1,
    errorClass: row.error_class as ErrorClass | null,
    errorMessage: row.error_message,
    bytesRead: row.bytes_read,
    truncated: row.truncated === 1,
  };
}
