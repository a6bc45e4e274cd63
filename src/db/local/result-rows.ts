import type { HttpMethod } from '../../config/types.js';
import type { ConditionOutcome, ErrorClass, ProbeResult, ProbeState } from '../../results/types.js';

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
  'state',
  'conditions',
  'resolved_ip',
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'ttfb_ms',
  'transfer_ms',
  'tls_version',
  'cert_issuer',
  'cert_expires_at',
  'cert_chain_expires_at',
  'maintenance',
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
    r.state,
    r.conditions === null ? null : JSON.stringify(r.conditions),
    r.resolvedIp,
    r.dnsMs,
    r.connectMs,
    r.tlsMs,
    r.ttfbMs,
    r.transferMs,
    r.tlsVersion,
    r.certIssuer,
    r.certExpiresAt,
    r.certChainExpiresAt,
    r.maintenance === true ? 1 : 0,
  ];
}

/** A row of SELECT_RESULT_COLUMNS in raw (array) mode: no object with 30 named keys per row. */
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
  state: string,
  conditions: string | null,
  resolvedIp: string | null,
  dnsMs: number | null,
  connectMs: number | null,
  tlsMs: number | null,
  ttfbMs: number | null,
  transferMs: number | null,
  tlsVersion: string | null,
  certIssuer: string | null,
  certExpiresAt: number | null,
  certChainExpiresAt: number | null,
  maintenance: number,
];

/** The result a row holds; indexes follow ResultRow (no slices: this runs for every exported row). */
export function rowToResult(row: ResultRow): ProbeResult {
  const conditions = row[19];
  return {
    id: row[0],
    agent: row[1],
    serviceKey: row[2],
    url: row[3],
    method: row[4] as HttpMethod,
    scheduledAt: row[5],
    startedAt: row[6],
    finishedAt: row[7],
    durationMs: row[8],
    statusCode: row[9],
    ok: row[10] === 1,
    regexRequired: row[11] === 1,
    regex: row[12],
    regexMatched: row[13] === null ? null : row[13] === 1,
    errorClass: row[14] as ErrorClass | null,
    errorMessage: row[15],
    bytesRead: row[16],
    truncated: row[17] === 1,
    state: row[18] as ProbeState,
    conditions: conditions === null ? null : (JSON.parse(conditions) as ConditionOutcome[]),
    resolvedIp: row[20],
    dnsMs: row[21],
    connectMs: row[22],
    tlsMs: row[23],
    ttfbMs: row[24],
    transferMs: row[25],
    tlsVersion: row[26],
    certIssuer: row[27],
    certExpiresAt: row[28],
    certChainExpiresAt: row[29],
    maintenance: row[30] === 1,
  };
}
