import { errorCode } from '../../errors.js';

/**
 * What a PostgreSQL failure means for the export, decided in ONE table (docs/errors.md lists it):
 * - `connection`: the connection is gone or cannot be made (class 08, 57P01-03/57P05, Node socket
 *   errors, pg's own timeouts): back off and retry the same batch forever.
 * - `unavailable`: the server answered but cannot take the batch now (class 53, 58, 57014, 40001,
 *   40P01, 55P03, 25006 on a standby): back off and retry the same batch forever.
 * - `auth` (class 28) and `database` (3D000): the URI is wrong; retry, so that a fix applies.
 * - `table` (class 42, 3F000, 0A000): the table or the statement is unusable (missing column,
 *   permission); no row is at fault: wait for a fix, retrying with backoff.
 * - `row`: PostgreSQL refused a row for its content (class 22, 23, 54, P0, and any SQLSTATE not
 *   listed here): bisect the batch; a row the bisection pins down alone is set aside.
 * - `other`: no SQLSTATE and not a known network failure: retry with backoff.
 */
export type RemoteFailureKind =
  | 'connection'
  | 'unavailable'
  | 'auth'
  | 'database'
  | 'table'
  | 'row'
  | 'other';

export interface RemoteFailure {
  kind: RemoteFailureKind;
  /** The SQLSTATE, or Node's error code (ECONNREFUSED …), when there is one. */
  code: string | undefined;
  /** What the code means, named after PostgreSQL's condition classes ("program limit exceeded"). */
  name: string;
}

export interface SqlstateRule {
  /** A whole SQLSTATE (5 characters) or a class (its first 2); a whole code wins over its class. */
  match: string;
  kind: RemoteFailureKind;
  name: string;
}

/** The classification table. Order does not matter: exact codes are looked up before classes. */
export const SQLSTATE_RULES: readonly SqlstateRule[] = [
  { match: '08', kind: 'connection', name: 'connection exception' },
  { match: '57P01', kind: 'connection', name: 'server shutting down (admin shutdown)' },
  { match: '57P02', kind: 'connection', name: 'server crashed (crash shutdown)' },
  { match: '57P03', kind: 'connection', name: 'server starting or recovering (cannot connect now)' },
  { match: '57P05', kind: 'connection', name: 'idle session timeout' },
  { match: '57P04', kind: 'database', name: 'database dropped' },
  { match: '57014', kind: 'unavailable', name: 'statement timeout or query cancelled' },
  { match: '57', kind: 'unavailable', name: 'operator intervention' },
  { match: '53', kind: 'unavailable', name: 'insufficient resources' },
  { match: '58', kind: 'unavailable', name: 'system error' },
  { match: '40001', kind: 'unavailable', name: 'serialization failure' },
  { match: '40P01', kind: 'unavailable', name: 'deadlock detected' },
  { match: '40003', kind: 'unavailable', name: 'statement completion unknown' },
  // A deferred constraint checked at COMMIT: a row's values.
  { match: '40002', kind: 'row', name: 'integrity constraint violation at commit' },
  { match: '40', kind: 'unavailable', name: 'transaction rollback' },
  { match: '55P03', kind: 'unavailable', name: 'lock not available' },
  // After a failover the URI may point at a standby: every row fails alike, so bisecting is waste.
  { match: '25006', kind: 'unavailable', name: 'read-only transaction (a standby?)' },
  { match: '28', kind: 'auth', name: 'invalid authorization' },
  { match: '3D000', kind: 'database', name: 'database does not exist' },
  { match: '3F000', kind: 'table', name: 'schema does not exist' },
  { match: '0A000', kind: 'table', name: 'feature not supported' },
  // Our values are typed, so class 42 (undefined column, permission, type mismatch …) concerns the
  // table or the statement, never one row.
  { match: '42', kind: 'table', name: 'syntax error or access rule violation' },
  { match: '22', kind: 'row', name: 'data exception' },
  { match: '23', kind: 'row', name: 'integrity constraint violation' },
  { match: '54', kind: 'row', name: 'program limit exceeded' },
  { match: 'P0', kind: 'row', name: 'PL/pgSQL error (raised by a trigger)' },
];

/** Any other SQLSTATE: bisection decides whether one row is at fault. */
const UNLISTED: Omit<SqlstateRule, 'match'> = { kind: 'row', name: 'unclassified SQLSTATE' };

const EXACT = new Map(SQLSTATE_RULES.filter((r) => r.match.length === 5).map((r) => [r.match, r]));
const CLASS = new Map(SQLSTATE_RULES.filter((r) => r.match.length === 2).map((r) => [r.match, r]));

/** Node's codes for a network path that does not work (refused, reset, unreachable, DNS …). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** pg's own failures carry no code; these messages mean the connection is gone or never came. */
const PG_CONNECTION_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed|ended unexpectedly/i;

/** Node's own codes are 5 capitals too (EPIPE, EPERM); no SQLSTATE class starts with E. */
const SQLSTATE = /^[0-9A-DF-Z][0-9A-Z]{4}$/;

/** Classify a failure of the remote by the one table above. */
export function classifyRemoteError(err: unknown): RemoteFailure {
  const code = errorCode(err);
  if (code && NETWORK_CODES.has(code)) return { kind: 'connection', code, name: 'network error' };
  if (code && SQLSTATE.test(code)) {
    const rule = EXACT.get(code) ?? CLASS.get(code.slice(0, 2)) ?? UNLISTED;
    return { kind: rule.kind, code, name: rule.name };
  }
  const message = err instanceof Error ? err.message : String(err);
  if (PG_CONNECTION_MESSAGE.test(message)) return { kind: 'connection', code, name: 'connection lost' };
  return { kind: 'other', code, name: 'unexpected error' };
}

/** The export bisects a failed batch for these: one row may be at fault. */
export function isRowLevel(failure: RemoteFailure): boolean {
  return failure.kind === 'row';
}

/** A short reason for a log line: the message, its code and what the code means. */
export function describeRemoteError(err: Error): string {
  const code = errorCode(err);
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  const msg = err.message || code || err.name;
  if (code && SQLSTATE.test(code)) return `${msg} (SQLSTATE ${code}: ${classifyRemoteError(err).name})`;
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}
