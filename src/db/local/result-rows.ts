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

/** A row of SELECT_RESULT_COLUMNS in raw (array) mode: no object with 18 named keys per row. */
export type ResultRow = [
  id: string,
  agent: string,
  serviceKey: string,
  url: string,
  method: string,
  scheduledAt: number,
  startedAt: number | null,
  finishedAt: number,
  durationMs: number | null,
  statusCode: number | null,
  ok: number,
  regexRequired: number,
  regex: string | null,
  regexMatched: number | null,
  errorClass: string | null,
  errorMessage: string | null,
  bytesRead: number,
  truncated: number,
];

export function rowToResult(row: ResultRow): ProbeResult {
  const [id, agent, serviceKey, url, method, scheduledAt, startedAt, finishedAt, durationMs, statusCode] =
    row;
  const [
    ,
    ,
    ,
    ,
    ,
    ,
    ,
    ,
    ,
    ,
    ok,
    regexRequired,
    regex,
    regexMatched,
    errorClass,
    errorMessage,
    bytesRead,
    truncated,
  ] = row;
  return {
    id,
    agent,
    serviceKey,
    url,
    method: method as HttpMethod,
    scheduledAt,
    startedAt,
    finishedAt,
    durationMs,
    statusCode,
    ok: ok === 1,
    regexRequired: regexRequired === 1,
    regex,
    regexMatched: regexMatched === null ? null : regexMatched === 1,
    errorClass: errorClass as ErrorClass | null,
    errorMessage,
    bytesRead,
    truncated: truncated === 1,
  };
}
