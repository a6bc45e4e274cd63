import { errorCode } from '../../errors.js';
import type { FailureKind } from '../../jobs/connection-state.js';

/**
 * What a PostgreSQL failure means for the export:
 * - `data`: this batch holds a row PostgreSQL rejects for its values (SQLSTATE classes 22 and 23);
 *   bisect and set the bad row aside.
 * - anything else: the remote is not usable right now; back off and retry the same batch.
 */
export type RemoteFailure = { kind: 'data'; code: string } | { kind: FailureKind; code: string | undefined };

/** Errors that concern the table, not a row: setting rows aside would drain the queue. */
const SCHEMA_CODES = new Set(['3F000']);
const AUTH_CODES = new Set(['28P01', '28000']);

export function classifyRemoteError(err: unknown): RemoteFailure {
  const code = errorCode(err);
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    if (AUTH_CODES.has(code)) return { kind: 'auth', code };
    if (code === '3D000') return { kind: 'database', code };
    if (SCHEMA_CODES.has(code)) return { kind: 'schema', code };
    const cls = code.slice(0, 2);
    if (cls === '22' || cls === '23') return { kind: 'data', code };
    // Class 42 (syntax, undefined objects, privileges, type mismatches) concerns the statement or
    // the table, never one row's values: our values are typed, so a bad value is a class-22 error.
    if (cls === '42') return { kind: 'schema', code };
  }
  // Node socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT …), pg's own timeouts and
  // "Connection terminated", and server states (57P01-03 shutting down/starting, 53300 too many
  // connections, 57014 statement timeout, 40001/40P01 …): all transient.
  return { kind: 'connection', code };
}

/** A short reason for a log line: the message and its code. */
export function describeRemoteError(err: Error): string {
  const code = errorCode(err);
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  const msg = err.message || code || err.name;
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}
