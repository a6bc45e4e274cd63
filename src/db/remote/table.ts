/** Where the results go in PostgreSQL: config `export.schema` / `export.table`. */
export interface RemoteTable {
  /** Default "public". */
  schema: string;
  /** Default "monitoring", the original tool's table. */
  table: string;
}

export const DEFAULT_REMOTE_TABLE: RemoteTable = { schema: 'public', table: 'monitoring' };

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** "schema"."table", quoted. */
export function qualifiedName(target: RemoteTable): string {
  return `${quoteIdent(target.schema)}.${quoteIdent(target.table)}`;
}

/** The incidents table beside `target`: same schema, "<table>_incidents". */
export function incidentsTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}_incidents` };
}

/** share mode's leases beside `target`: same schema, "<table>_leases". */
export function leasesTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}_leases` };
}

/** share mode's pool members beside `target`: same schema, "<table>_pool_members". */
export function poolMembersTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}_pool_members` };
}

/** The fleet's agents beside `target`: "<table>_agents" (docs/fleet.md). */
export function agentsTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}_agents` };
}

/** Each agent's state of its services beside `target`: "<table>_service_state" (docs/fleet.md). */
export function serviceStateTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}_service_state` };
}

/** The rollup tables beside `target` (0003): "<table>_rollup_minute" and "<table>_rollup_hour". */
export function rollupTables(target: RemoteTable): { minute: RemoteTable; hour: RemoteTable } {
  return {
    minute: { schema: target.schema, table: `${target.table}_rollup_minute` },
    hour: { schema: target.schema, table: `${target.table}_rollup_hour` },
  };
}

/**
 * The rollups' pending table beside `target` (0003): "<table>_rollup_pending", the per-minute
 * aggregates the export statement appends and the fold moves into the rollup tables.
 */
export function rollupPendingTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}_rollup_pending` };
}
