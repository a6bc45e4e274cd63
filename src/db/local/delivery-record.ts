import type Database from 'better-sqlite3';
import type { DeliveryRecord, JobRef } from '../../queue/store.js';
import type { JobKind } from '../../queue/types.js';
import { KINDS } from './claim.js';
import { prepared } from './statements.js';

/**
 * A notify job's attempt and its delivery row, one transaction: a crash can never leave an
 * accepted delivery without its job done, nor a finished job without its row.
 */

const INSERT_DELIVERY_SQL = `INSERT INTO deliveries (event_id, incident_id, channel, kind, attempt, at, status, code, detail, duration_ms)
VALUES (@eventId, @incidentId, @channel, @kind, @attempt, @at, @status, @code, @detail, @durationMs)`;

const FENCE = "id = @id AND lease_token = @token AND state = 'running'";

const DONE_SQL = `UPDATE jobs SET state = 'done', lease_until = NULL, lease_token = NULL, updated_at = @now WHERE ${FENCE}`;
const RETRY_SQL = `UPDATE jobs SET state = 'queued', run_at = @retryAt, last_error = @error, lease_until = NULL,
  lease_token = NULL, updated_at = @now WHERE ${FENCE}`;
const BURY_SQL = `UPDATE jobs SET state = 'dead', last_error = @error, lease_until = NULL, lease_token = NULL,
  updated_at = @now WHERE ${FENCE}`;

export type FinishDelivery = (ref: JobRef, d: DeliveryRecord, retryAt: number | null | undefined) => boolean;

export function deliveryFinisher(sqlite: Database.Database): FinishDelivery {
  const insert = prepared(sqlite, INSERT_DELIVERY_SQL);
  const done = prepared(sqlite, DONE_SQL);
  const retry = prepared(sqlite, RETRY_SQL);
  const bury = prepared(sqlite, BURY_SQL);
  return sqlite.transaction((ref: JobRef, d: DeliveryRecord, retryAt: number | null | undefined): boolean => {
    const fence = { id: ref.id, token: ref.token, now: d.at };
    const changed =
      retryAt === undefined
        ? done.run(fence).changes
        : retryAt === null
          ? bury.run({ ...fence, error: d.detail }).changes
          : retry.run({ ...fence, retryAt, error: d.detail }).changes;
    // Stale token: the job is someone else's now (a lease that ran out); its attempt is theirs to log.
    if (changed === 0) return false;
    insert.run(d);
    return true;
  });
}

/** Running jobs of these kinds go back to the queue (their process is gone). */
export function abandonedRequeuer(
  sqlite: Database.Database,
): (kinds: readonly JobKind[], now: number) => number {
  const byKinds = new Map<string, Database.Statement>();
  return (kinds, now) => {
    if (kinds.length === 0) return 0;
    for (const k of kinds) if (!KINDS.includes(k)) throw new TypeError(`unknown job kind ${String(k)}`);
    const key = kinds.join(',');
    let stmt = byKinds.get(key);
    if (stmt === undefined) {
      const list = kinds.map((k) => `'${k}'`).join(', ');
      stmt = prepared(
        sqlite,
        `UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), lease_until = NULL, lease_token = NULL,
  updated_at = @now WHERE state = 'running' AND kind IN (${list})`,
      );
      byKinds.set(key, stmt);
    }
    return stmt.run({ now }).changes;
  };
}
