import { agentsTable, qualifiedName, type RemoteTable, serviceStateTable } from '../db/remote/table.js';

/** The heartbeat's statements (src/fleet/heartbeat.ts), over the fleet tables beside `table`. */

/** The agent's row, locked for the transaction: another writer's values mean a duplicate name. */
export function lockAgentSql(table: RemoteTable): string {
  return `SELECT host, pid, (extract(epoch FROM started_at) * 1000)::float8 AS started
  FROM ${qualifiedName(agentsTable(table))} WHERE name = $1 FOR UPDATE`;
}

const AGENT_COLUMNS = [
  'name',
  'location',
  'version',
  'mode',
  'pool',
  'host',
  'pid',
  'started_at',
  'heartbeat_ms',
  'services',
  'unexported_rows',
  'export_lag_ms',
  'held',
] as const;

/** The agent's row; last_seen is PostgreSQL's clock, so agents with skewed clocks compare fairly. */
export function upsertAgentSql(table: RemoteTable): string {
  const set = AGENT_COLUMNS.filter((c) => c !== 'name').map((c) => `${c} = EXCLUDED.${c}`);
  return `INSERT INTO ${qualifiedName(agentsTable(table))} (${AGENT_COLUMNS.join(', ')}, last_seen)
  VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::float8 / 1000), $9, $10, $11, $12, $13, now())
  ON CONFLICT (name) DO UPDATE SET ${set.join(', ')}, last_seen = now(), stopped_at = NULL`;
}

/** A clean stop: the row says so (stopped, not lost), if it is still this process's row. */
export function markStoppedSql(table: RemoteTable): string {
  return `UPDATE ${qualifiedName(agentsTable(table))} SET stopped_at = now(), last_seen = now()
  WHERE name = $1 AND host = $2 AND pid = $3`;
}

/** The changed rows in one statement, ordered by key (two transactions never lock in opposite orders). */
export function upsertStatesSql(table: RemoteTable): string {
  return `INSERT INTO ${qualifiedName(serviceStateTable(table))}
    (service_key, location, agent, state, since, last_result_at, url, updated_at)
  SELECT k, $1, $2, s, to_timestamp(si / 1000), to_timestamp(l / 1000), u, now()
  FROM unnest($3::text[], $4::text[], $5::float8[], $6::float8[], $7::text[]) AS r(k, s, si, l, u)
  ORDER BY k
  ON CONFLICT (service_key, location, agent) DO UPDATE SET state = EXCLUDED.state,
    since = EXCLUDED.since, last_result_at = EXCLUDED.last_result_at, url = EXCLUDED.url, updated_at = now()`;
}

/** This agent's rows of services it no longer has, or of a location it no longer is in. */
export function deleteGoneSql(table: RemoteTable): string {
  return `DELETE FROM ${qualifiedName(serviceStateTable(table))}
  WHERE agent = $1 AND (location <> $2 OR NOT (service_key = ANY($3::text[])))`;
}
