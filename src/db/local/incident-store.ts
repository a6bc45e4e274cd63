import type Database from 'better-sqlite3';
import type { HttpMethod } from '../../config/types.js';
import type { Incident, IncidentKind, Resolution } from '../../results/incident.js';
import { prepared } from './statements.js';

/**
 * The tracker's SQL: incidents and service_health. Every call runs on the connection of the
 * transaction that records results (or the alerts job's own), so it commits with them.
 */

/** An incident with the local bookkeeping of its notifications. */
export interface TrackedIncident extends Incident {
  /** The opening was notified (or is queued to be). */
  notified: boolean;
  /** Next reminder, epoch ms, or null. */
  remindAt: number | null;
  /** A NotifyEvent (JSON) a maintenance window held back, or null. */
  heldEvent: string | null;
}

export interface HealthRow {
  recent: string;
  firstBadResultId: string | null;
}

export interface IncidentStore {
  /** Open incidents, and resolved ones whose resolution a maintenance window still holds back. */
  loadLive(): TrackedIncident[];
  loadHealth(): Map<string, HealthRow>;
  saveHealth(serviceKey: string, row: HealthRow, now: number): void;
  deleteHealth(serviceKey: string): void;
  insert(i: TrackedIncident): void;
  /** Writes the fields that change after opening; the version must have been raised by the caller. */
  update(i: TrackedIncident): void;
  /** One transaction around `fn` (nested in the caller's when there is one). */
  transaction<T>(fn: () => T): T;
}

const COLUMNS = `id, agent, service_key, url, method, kind, opened_at, resolved_at, resolution, cause,
  first_result_id, opening_result_id, resolving_result_id, version, notified, remind_at, held_event`;

interface IncidentRow {
  id: string;
  agent: string;
  service_key: string;
  url: string;
  method: string;
  kind: string;
  opened_at: number;
  resolved_at: number | null;
  resolution: string | null;
  cause: string;
  first_result_id: string;
  opening_result_id: string;
  resolving_result_id: string | null;
  version: number;
  notified: number;
  remind_at: number | null;
  held_event: string | null;
}

export function rowToIncident(r: IncidentRow): TrackedIncident {
  return {
    id: r.id,
    agent: r.agent,
    serviceKey: r.service_key,
    url: r.url,
    method: r.method as HttpMethod,
    kind: r.kind as IncidentKind,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution as Resolution | null,
    cause: r.cause,
    firstResultId: r.first_result_id,
    openingResultId: r.opening_result_id,
    resolvingResultId: r.resolving_result_id,
    version: r.version,
    notified: r.notified === 1,
    remindAt: r.remind_at,
    heldEvent: r.held_event,
  };
}

function params(i: TrackedIncident) {
  return {
    id: i.id,
    agent: i.agent,
    serviceKey: i.serviceKey,
    url: i.url,
    method: i.method,
    kind: i.kind,
    openedAt: i.openedAt,
    resolvedAt: i.resolvedAt,
    resolution: i.resolution,
    cause: i.cause,
    firstResultId: i.firstResultId,
    openingResultId: i.openingResultId,
    resolvingResultId: i.resolvingResultId,
    version: i.version,
    notified: i.notified ? 1 : 0,
    remindAt: i.remindAt,
    heldEvent: i.heldEvent,
  };
}

export function createIncidentStore(sqlite: Database.Database): IncidentStore {
  const selectLive = prepared(
    sqlite,
    `SELECT ${COLUMNS} FROM incidents WHERE resolved_at IS NULL OR held_event IS NOT NULL`,
  );
  const selectHealth = prepared(
    sqlite,
    'SELECT service_key, recent, first_bad_result_id FROM service_health',
  );
  const upsertHealth = prepared(
    sqlite,
    `INSERT INTO service_health (service_key, recent, first_bad_result_id, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (service_key) DO UPDATE SET recent = excluded.recent,
  first_bad_result_id = excluded.first_bad_result_id, updated_at = excluded.updated_at`,
  );
  const deleteHealthStmt = prepared(sqlite, 'DELETE FROM service_health WHERE service_key = ?');
  const insertStmt = prepared(
    sqlite,
    `INSERT INTO incidents (${COLUMNS}) VALUES (@id, @agent, @serviceKey, @url, @method, @kind, @openedAt,
  @resolvedAt, @resolution, @cause, @firstResultId, @openingResultId, @resolvingResultId, @version, @notified,
  @remindAt, @heldEvent)`,
  );
  const updateStmt = prepared(
    sqlite,
    `UPDATE incidents SET resolved_at = @resolvedAt, resolution = @resolution,
  resolving_result_id = @resolvingResultId, version = @version, notified = @notified, remind_at = @remindAt,
  held_event = @heldEvent WHERE id = @id`,
  );
  return {
    loadLive: () => (selectLive.all() as IncidentRow[]).map(rowToIncident),
    loadHealth() {
      const out = new Map<string, HealthRow>();
      for (const r of selectHealth.all() as {
        service_key: string;
        recent: string;
        first_bad_result_id: string | null;
      }[]) {
        out.set(r.service_key, { recent: r.recent, firstBadResultId: r.first_bad_result_id });
      }
      return out;
    },
    saveHealth(key, row, now) {
      upsertHealth.run(key, row.recent, row.firstBadResultId, now);
    },
    deleteHealth(key) {
      deleteHealthStmt.run(key);
    },
    insert(i) {
      insertStmt.run(params(i));
    },
    update(i) {
      const { id, resolvedAt, resolution, resolvingResultId, version, notified, remindAt, heldEvent } =
        params(i);
      updateStmt.run({
        id,
        resolvedAt,
        resolution,
        resolvingResultId,
        version,
        notified,
        remindAt,
        heldEvent,
      });
    },
    transaction: <T>(fn: () => T): T => sqlite.transaction(fn)(),
  };
}
