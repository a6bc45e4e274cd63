import type pg from 'pg';
import { describeRemoteError } from '../db/remote/sqlstate.js';
import { qualifiedName, type RemoteTable } from '../db/remote/table.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import {
  deleteGoneSql,
  lockAgentSql,
  markStoppedSql,
  upsertAgentSql,
  upsertStatesSql,
} from './heartbeat-sql.js';

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
  /** share mode: leases held; null (or absent) in replicate mode. */
  held?: number | null;
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

/**
 * A state row's identity for "changed since the last success". Not its last result: that moves
 * with every probe, and sending it each time would upsert every service at every heartbeat (10,000
 * rows per agent per 15 s at 10,000 services); it is refreshed every LAST_RESULT_REFRESH_MS.
 */
const signature = (s: LocalServiceState, location: string): string =>
  `${location}\n${s.state}\n${s.since}\n${s.url}`;

/** A row whose state did not change is sent again once its last result is this much newer: 5 min. */
export const LAST_RESULT_REFRESH_MS = 300_000;

export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { logger } = options;
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? HEARTBEAT_MS;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  /** Signature of every state row as of the last heartbeat that succeeded, by service key. */
  let sent = new Map<string, string>();
  /** The last result each service's row carried when it was last sent. */
  let sentResultAt = new Map<string, number>();
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
        lockAgentSql(table),
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
        f.held ?? null,
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
    if (where !== sentTo) {
      sent = new Map();
      sentResultAt = new Map();
    }
    const current = options.states();
    const next = new Map<string, string>();
    const nextAt = new Map<string, number>();
    const changed: LocalServiceState[] = [];
    for (const s of current) {
      const sig = signature(s, location);
      const at = sentResultAt.get(s.serviceKey);
      if (
        sent.get(s.serviceKey) !== sig ||
        at === undefined ||
        s.lastResultAt - at >= LAST_RESULT_REFRESH_MS
      ) {
        changed.push(s);
        nextAt.set(s.serviceKey, s.lastResultAt);
      } else nextAt.set(s.serviceKey, at);
      next.set(s.serviceKey, sig);
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
    sentResultAt = nextAt;
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
