import { rowToIncident, type TrackedIncident } from './incident-store.js';
import type { LocalDatabase } from './open.js';
import { prepared } from './statements.js';

/**
 * Read-only views of the incidents and their deliveries, for `monitor alerts list|history`. They
 * run from the CLI while a daemon may be writing the same file (WAL): reads never block it.
 */

/** One delivery attempt of one notification (a `deliveries` row). */
export interface DeliveryView {
  eventId: string;
  channel: string;
  /** The event kind: down, degraded, resolved, reminder. */
  kind: string;
  /** 1 for the first attempt of the event on this channel. */
  attempt: number;
  /** Epoch ms. */
  at: number;
  /** accepted, retry, failed or expired. */
  status: string;
  /** HTTP status, SMTP reply code or exit code; null when there was none. */
  code: number | null;
  /** One line, written without secrets by the notifier. */
  detail: string;
  durationMs: number;
}

export interface IncidentWithDeliveries extends TrackedIncident {
  /** Oldest first. */
  deliveries: DeliveryView[];
}

export interface HistoryQuery {
  /** Only the incidents of this service: its URL (any method) or its service key. Default: all. */
  service?: string;
  /** Most incidents returned, newest first. Default 20. */
  limit?: number;
}

type IncidentRow = Parameters<typeof rowToIncident>[0];

const COLUMNS = `id, agent, service_key, url, method, kind, opened_at, resolved_at, resolution, cause,
  first_result_id, opening_result_id, resolving_result_id, version, notified, remind_at, held_event`;

const DELIVERIES_SQL = `SELECT event_id AS eventId, channel, kind, attempt, at, status, code, detail,
  duration_ms AS durationMs FROM deliveries WHERE incident_id = ? ORDER BY at, id`;

/** The incidents not resolved yet, oldest first (the one open longest leads). */
export function openIncidents(ldb: LocalDatabase): TrackedIncident[] {
  const rows = prepared(
    ldb.sqlite,
    `SELECT ${COLUMNS} FROM incidents WHERE resolved_at IS NULL ORDER BY opened_at, id`,
  ).all() as IncidentRow[];
  return rows.map(rowToIncident);
}

/** Incidents, open or resolved, newest first, each with its delivery attempts. */
export function incidentHistory(ldb: LocalDatabase, query: HistoryQuery = {}): IncidentWithDeliveries[] {
  const limit = Math.max(0, Math.floor(query.limit ?? 20));
  const rows = (
    query.service === undefined
      ? prepared(ldb.sqlite, `SELECT ${COLUMNS} FROM incidents ORDER BY opened_at DESC, id DESC LIMIT ?`).all(
          limit,
        )
      : prepared(
          ldb.sqlite,
          `SELECT ${COLUMNS} FROM incidents WHERE url = ? OR service_key = ?
             ORDER BY opened_at DESC, id DESC LIMIT ?`,
        ).all(query.service, query.service, limit)
  ) as IncidentRow[];
  const deliveries = prepared(ldb.sqlite, DELIVERIES_SQL);
  return rows.map((r) => ({
    ...rowToIncident(r),
    deliveries: deliveries.all(r.id) as DeliveryView[],
  }));
}
