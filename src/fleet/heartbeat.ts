import type pg from 'pg';
import { describeRemoteError } from '../db/remote/sqlstate.js';
import { agentsTable, qualifiedName, type RemoteTable, serviceStateTable } from '../db/remote/table.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/**
 * The fleet heartbeat (docs/fleet.md): at most every `everyMs`, ONE transaction that upserts this
 * agent's row in `<table>_agents` and the rows of `<table>_service_state` for its services whose
 * state or last result changed since the last heartbeat that succeeded, and deletes its rows of
 * services it no longer has (or of another location, after a reload changed it).
 *
 * A failure (PostgreSQL down, table missing) is logged once per outage and never thrown: the
 * heartbeat is advisory and must not stop anything. What was not sent is sent by the next one
 * that succeeds, because "changed" is measured from the last success.
 */

/** Default heartbeat period: lost after 3 missed ones (45 s). */
export const HEARTBEAT_MS = 15_000;
/** An agent whose last heartbeat is older than this many of its periods is lost. */
export const LOST_AFTER_HEARTBEATS = 3;

export interface AgentIdentity {
  name: string;
  location: string;
  version: string;
  mode: string;
  pool: string;
  host: string;
  pid: number;
  /** When this process started, epoch ms. */
  startedAt: number;
}

export interface AgentFigures {
  services: number;
  unexportedRows: number;
  exportLagMs: number;
}

/** A configured service's current state, from the local `service_status` table. Times epoch ms. */
export interface LocalServiceState {
  serviceKey: string;
  state: string;
  since: number;
  lastResultAt: number;
  /** As shown (password masked). */
  url: string;
}

export interface HeartbeatOptions {
  identity: () => AgentIdentity;
  figures: () => AgentFigures;
  /** Every configured service's key (services without a result yet included). */
  serviceKeys: () => readonly string[];
  /** The configured services that have a state. */
  states: () => readonly LocalServiceState[];
  /** Where the results go (config export.schema/table): the fleet tables are beside it. */
  table: () => RemoteTable;
  /** False when export is off: nothing is sent. */
  enabled: () => boolean;
  /** A client of the exporter's pool, after its migration (RemoteExport.withRemote). */
  withRemote: <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  logger: Logger;
  /** Period, ms. Default HEARTBEAT_MS (15 s). */
  everyMs?: number;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface Heartbeat {
  /** Sends a heartbeat when one is due; never rejects. Resolves true when one was sent now. */
  run(): Promise<boolean>;
  /**
   * At a clean stop (after the drain): marks the agent's row stopped, so that `monitor fleet` shows
   * it stopped rather than lost. Never rejects; the caller bounds how long it may take.
   */
  stop(): Promise<void>;
  /** Heartbeats that succeeded and failed since the start. */
  stats(): { sent: number; failed: number };
}

/** A state row's identity for "changed since the last success". */
const signature = (s: LocalServiceState, location: string): string =>
  `${location}\n${s.state}\n${s.since}\n${s.lastResultAt}\n${s.url}`;

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
] as const;

/** The agent's row; last_seen is PostgreSQL's clock, so agents with skewed clocks compare fairly. */
export function upsertAgentSql(table: RemoteTable): string {
  const set = AGENT_COLUMNS.filter((c) => c !== 'name').map((c) => `${c} = EXCLUDED.${c}`);
  return `INSERT INTO ${qualifiedName(agentsTable(table))} (${AGENT_COLUMNS.join(', ')}, last_seen)
  VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::float8 / 1000), $9, $10, $11, $12, now())
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

export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? HEARTBEAT_MS;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** Signature of every state row as of the last heartbeat that succeeded, by service key. */
  let sent = new Map<string, string>();
  let sentTo = '';
  /** The row was written by this process before: another writer's values mean a duplicate name. */
  let wrote = false;
  let warnedDuplicate = false;
  let failing = 0;
  const counts = { sent: 0, failed: 0 };

  async function send(client: pg.PoolClient, table: RemoteTable, rows: LocalServiceState[]): Promise<void> {
    const me = options.identity();
    const f = options.figures();
    await client.query('BEGIN');
    try {
      const { rows: prev } = await client.query<{ host: string; pid: number; started: number }>(
        `SELECT host, pid, (extract(epoch FROM started_at) * 1000)::float8 AS started
           FROM ${qualifiedName(agentsTable(table))} WHERE name = $1 FOR UPDATE`,
        [me.name],
      );
      const p = prev[0];
      if (wrote && p && (p.host !== me.host || p.pid !== me.pid || Math.abs(p.started - me.startedAt) > 1)) {
        if (!warnedDuplicate) {
          logger.warn(
            { module: 'fleet', agent: me.name, otherHost: p.host, otherPid: p.pid },
            `Another agent named "${me.name}" (host ${p.host}, pid ${p.pid}) writes the same agent row: give each agent its own agent_name.`,
          );
        }
        warnedDuplicate = true;
      }
      await client.query(upsertAgentSql(table), [
        me.name,
        me.location,
        me.version,
        me.mode,
        me.pool,
        me.host,
        me.pid,
        me.startedAt,
        everyMs,
        f.services,
        f.unexportedRows,
        Math.round(f.exportLagMs),
      ]);
      if (rows.length > 0) {
        await client.query(upsertStatesSql(table), [
          me.location,
          me.name,
          rows.map((r) => r.serviceKey),
          rows.map((r) => r.state),
          rows.map((r) => r.since),
          rows.map((r) => r.lastResultAt),
          rows.map((r) => r.url),
        ]);
      }
      await client.query(deleteGoneSql(table), [me.name, me.location, [...options.serviceKeys()]]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  async function runOnce(): Promise<boolean> {
    if (!options.enabled()) {
      // Export off: nothing is sent; when it comes back, everything is sent again.
      sent = new Map();
      return false;
    }
    const t = now();
    if (t - lastAttemptAt < everyMs) return false;
    lastAttemptAt = t;
    const table = options.table();
    const location = options.identity().location;
    const where = `${qualifiedName(table)}\n${location}`;
    if (where !== sentTo) sent = new Map();
    const current = options.states();
    const next = new Map<string, string>();
    const changed: LocalServiceState[] = [];
    for (const s of current) {
      const sig = signature(s, location);
      next.set(s.serviceKey, sig);
      if (sent.get(s.serviceKey) !== sig) changed.push(s);
    }
    try {
      await options.withRemote((client) => send(client, table, changed));
    } catch (err) {
      counts.failed++;
      const message = describeRemoteError(toError(err));
      if (failing === 0) {
        logger.warn(
          { module: 'fleet' },
          `Fleet heartbeat to PostgreSQL failed (monitoring goes on; retrying every ${everyMs / 1000} s, logged once until it works): ${message}`,
        );
      } else logger.debug({ module: 'fleet' }, `Fleet heartbeat failed again: ${message}`);
      failing++;
      return false;
    }
    if (failing > 0) {
      logger.info(
        { module: 'fleet', failed: failing },
        `Fleet heartbeat works again after ${failing} failed.`,
      );
    }
    failing = 0;
    wrote = true;
    sent = next;
    sentTo = where;
    counts.sent++;
    logger.debug({ module: 'fleet', states: changed.length }, 'Fleet heartbeat sent.');
    return true;
  }

  return {
    run: () =>
      runOnce().catch((err: unknown) => {
        // A local failure (reading SQLite): logged, never thrown into the job queue.
        logger.error({ module: 'fleet' }, `Fleet heartbeat skipped: ${toError(err).message}`);
        return false;
      }),
    async stop() {
      // Nothing was ever written (or export is off now): there is no row of ours to mark.
      if (!wrote || !options.enabled()) return;
      const me = options.identity();
      try {
        await options.withRemote((c) => c.query(markStoppedSql(options.table()), [me.name, me.host, me.pid]));
      } catch (err) {
        logger.debug(
          { module: 'fleet' },
          `Could not mark the agent stopped: ${describeRemoteError(toError(err))}`,
        );
      }
    },
    stats: () => ({ ...counts }),
  };
}
