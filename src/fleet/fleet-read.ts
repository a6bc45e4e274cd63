import type pg from 'pg';
import { agentsTable, qualifiedName, type RemoteTable, serviceStateTable } from '../db/remote/table.js';
import { type AgentFigures, type AgentIdentity, LOST_AFTER_HEARTBEATS } from './heartbeat.js';
import type { AgentServiceRow } from './quorum.js';

/**
 * What `monitor fleet` and `monitor status --global` read from PostgreSQL. Ages are computed by
 * PostgreSQL (now() − last_seen), the same clock the heartbeats wrote: the reader's clock and the
 * agents' clocks never enter into "lost".
 */

/** An agent whose export lag is above this is `behind`: 60 s (normally it is about a second). */
export const BEHIND_LAG_MS = 60_000;

export type AgentHealth = 'ok' | 'behind' | 'lost' | 'stopped';

/** An agent's row as read back: what its heartbeat wrote, and what the reader makes of it. */
export interface AgentRow extends AgentIdentity, Required<AgentFigures> {
  heartbeatMs: number;
  /** How long ago its last heartbeat was, ms. */
  lastSeenAgoMs: number;
  /** A clean stop (SIGTERM) wrote this and no heartbeat came after it. */
  stopped: boolean;
  health: AgentHealth;
}

/**
 * stopped: it said so at a clean stop; lost: 3 heartbeats missed; behind: its export lags more than
 * BEHIND_LAG_MS; else ok.
 */
export function agentHealth(
  a: Pick<AgentRow, 'lastSeenAgoMs' | 'heartbeatMs' | 'exportLagMs' | 'stopped'>,
): AgentHealth {
  if (a.stopped) return 'stopped';
  if (a.lastSeenAgoMs > LOST_AFTER_HEARTBEATS * a.heartbeatMs) return 'lost';
  if (a.exportLagMs > BEHIND_LAG_MS) return 'behind';
  return 'ok';
}

export async function readAgents(client: pg.ClientBase, table: RemoteTable): Promise<AgentRow[]> {
  const { rows } = await client.query<Omit<AgentRow, 'health'>>(
    `SELECT name, location, version, mode, pool, host, pid,
        (extract(epoch FROM started_at) * 1000)::float8 AS "startedAt",
        heartbeat_ms AS "heartbeatMs",
        (extract(epoch FROM now() - last_seen) * 1000)::float8 AS "lastSeenAgoMs",
        services, unexported_rows::float8 AS "unexportedRows", export_lag_ms::float8 AS "exportLagMs", held,
        stopped_at IS NOT NULL AS stopped
       FROM ${qualifiedName(agentsTable(table))} ORDER BY location, name`,
  );
  return rows.map((r) => ({ ...r, health: agentHealth(r) }));
}

/** Every agent's row of every service (or of `serviceKey`), marked live when its agent is neither lost nor stopped. */
export async function readServiceStates(
  client: pg.ClientBase,
  table: RemoteTable,
  serviceKey?: string,
): Promise<AgentServiceRow[]> {
  const { rows } = await client.query<AgentServiceRow>(
    `SELECT s.service_key AS "serviceKey", s.location, s.agent, s.state,
        (extract(epoch FROM s.since) * 1000)::float8 AS since,
        (extract(epoch FROM s.last_result_at) * 1000)::float8 AS "lastResultAt", s.url,
        COALESCE(a.stopped_at IS NULL
          AND now() - a.last_seen <= a.heartbeat_ms * $1::int * interval '1 millisecond', false) AS live
       FROM ${qualifiedName(serviceStateTable(table))} s
       LEFT JOIN ${qualifiedName(agentsTable(table))} a ON a.name = s.agent
      WHERE $2::text IS NULL OR s.service_key = $2`,
    [LOST_AFTER_HEARTBEATS, serviceKey ?? null],
  );
  return rows;
}
