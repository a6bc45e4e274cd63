import type { Incident } from '../../results/incident.js';
import { incidentsTable, qualifiedName, type RemoteTable } from './table.js';

/**
 * One statement per batch of incidents into "<table>_incidents": every column travels as one
 * array parameter and PostgreSQL unnests them into rows (as insert.ts does for results).
 *
 * `ON CONFLICT (id) DO UPDATE … WHERE <table>.version < EXCLUDED.version` makes it idempotent and
 * monotonic: a resend (a crash between the remote COMMIT and the local mark) changes nothing, and
 * an older version arriving late (an export that raced a change) never overwrites a newer one.
 * `updated_at` moves only when a row is written. The agent's location is one scalar parameter after
 * the arrays (the location at export time: a newer version sent from elsewhere moves it).
 */

interface IncidentColumn {
  name: string;
  /** The array type of the parameter. */
  type: string;
  /** An epoch-ms value stored as a timestamptz. */
  time?: true;
  value: (i: Incident) => unknown;
}

export const INCIDENT_COLUMNS: readonly IncidentColumn[] = [
  { name: 'id', type: 'text[]', value: (i) => i.id },
  { name: 'agent', type: 'text[]', value: (i) => i.agent },
  { name: 'service_key', type: 'text[]', value: (i) => i.serviceKey },
  { name: 'url', type: 'text[]', value: (i) => i.url },
  { name: 'method', type: 'text[]', value: (i) => i.method },
  { name: 'kind', type: 'text[]', value: (i) => i.kind },
  { name: 'opened_at', type: 'float8[]', time: true, value: (i) => i.openedAt },
  { name: 'resolved_at', type: 'float8[]', time: true, value: (i) => i.resolvedAt },
  { name: 'resolution', type: 'text[]', value: (i) => i.resolution },
  { name: 'cause', type: 'text[]', value: (i) => i.cause },
  { name: 'first_result_id', type: 'text[]', value: (i) => i.firstResultId },
  { name: 'opening_result_id', type: 'text[]', value: (i) => i.openingResultId },
  { name: 'resolving_result_id', type: 'text[]', value: (i) => i.resolvingResultId },
  { name: 'version', type: 'int4[]', value: (i) => i.version },
];

/** The upsert for the incidents table beside `target`; its parameters come from `incidentParams`. */
export function incidentUpsertSql(target: RemoteTable): string {
  const name = qualifiedName(incidentsTable(target));
  const names = INCIDENT_COLUMNS.map((c) => c.name);
  const params = INCIDENT_COLUMNS.map((c, i) => `$${i + 1}::${c.type}`);
  const values = INCIDENT_COLUMNS.map((c) => (c.time ? `to_timestamp(u.${c.name} / 1000)` : `u.${c.name}`));
  const location = `$${INCIDENT_COLUMNS.length + 1}::text`;
  const updates = [...names.filter((n) => n !== 'id'), 'location'].map((n) => `${n} = EXCLUDED.${n}`);
  return (
    `INSERT INTO ${name} AS t (${names.join(', ')}, location) ` +
    `SELECT ${values.join(', ')}, ${location} FROM unnest(${params.join(', ')}) AS u(${names.join(', ')}) ` +
    `ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}, updated_at = now() ` +
    'WHERE t.version < EXCLUDED.version'
  );
}

/**
 * One array per column, in `incidentUpsertSql`'s order, then the location. Batches are small (tens
 * of incidents), so pg's own array serialiser is good enough here.
 */
export function incidentParams(incidents: readonly Incident[], location: string): unknown[] {
  return [...INCIDENT_COLUMNS.map((c) => incidents.map((i) => c.value(i) ?? null)), location];
}
