/**
 * The daemon's part in the fleet (docs/fleet.md): the heartbeat job's handler over the local
 * database and the exporter's PostgreSQL pool, and what a reload changes. Off when export is off
 * (--no-export or no external_database_uri at start): then no heartbeat job is ever queued.
 */
import { hostname } from 'node:os';
import { agentLocation } from '../config/agent-identity.js';
import type { ResolvedService } from '../config/resolve.js';
import { FLEET_DEFAULTS, type MonitorConfig } from '../config/types.js';
import { oldestUnexportedAt } from '../db/local/export-backlog.js';
import type { LocalDatabase } from '../db/local/index.js';
import { readServiceStatus } from '../db/local/rollup-queries.js';
import { DEFAULT_REMOTE_TABLE } from '../db/remote/table.js';
import type { RemoteExport } from '../export/remote-export.js';
import { createHeartbeat, HEARTBEAT_MS, type Heartbeat } from '../fleet/heartbeat.js';
import type { Logger } from '../log/logger.js';
import type { ExportSource } from '../queue/store.js';
import { packageVersion } from '../util/package-version.js';

/**
 * TEST ONLY: the heartbeat period in ms instead of 15 s (the e2e tests cannot wait 45 s for an
 * agent to be lost). Readers judge "lost" by the period each agent writes in its row.
 */
export const TEST_HEARTBEAT_ENV = 'MONITOR_TEST_HEARTBEAT_MS';

export interface Fleet {
  heartbeat: Heartbeat;
  /** Period of the heartbeat, ms (the job is queued at least every 5 s, the handler decides). */
  everyMs: number;
  reload(config: MonitorConfig, services: readonly ResolvedService[]): void;
}

function heartbeatPeriod(): number {
  const raw = process.env[TEST_HEARTBEAT_ENV];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n >= 200 && n <= HEARTBEAT_MS ? n : HEARTBEAT_MS;
}

export function startFleet(
  initial: {
    config: MonitorConfig;
    services: readonly ResolvedService[];
    agentName: string;
    /** share mode: the keys of the services this agent holds leases on (it reports only those). */
    held?: (() => readonly string[]) | undefined;
  },
  parts: { ldb: LocalDatabase; source: ExportSource; remote: RemoteExport; exportEnabled: boolean },
  log: Logger,
): Fleet | null {
  if (!parts.exportEnabled || !initial.config.external_database_uri) return null;
  let { config, services } = initial;
  const name = initial.agentName;
  const startedAt = Date.now();
  const host = hostname();
  const version = packageVersion();
  const everyMs = heartbeatPeriod();
  /** The services this agent speaks for: all of them, or in share mode those it holds. */
  const reported = (): readonly ResolvedService[] => {
    if (!initial.held) return services;
    const held = new Set(initial.held());
    return services.filter((s) => held.has(s.key));
  };
  const heartbeat = createHeartbeat({
    identity: () => ({
      name,
      location: agentLocation(config),
      version,
      mode: config.fleet?.mode ?? FLEET_DEFAULTS.mode,
      pool: config.fleet?.pool ?? FLEET_DEFAULTS.pool,
      host,
      pid: process.pid,
      startedAt,
    }),
    figures: () => {
      const oldest = oldestUnexportedAt(parts.ldb);
      return {
        services: services.length,
        unexportedRows: parts.source.countUnexported(),
        exportLagMs: oldest === null ? 0 : Math.max(0, Date.now() - oldest),
        held: initial.held ? initial.held().length : null,
      };
    },
    serviceKeys: () => reported().map((s) => s.key),
    states: () => {
      const status = readServiceStatus(parts.ldb.sqlite);
      return reported().flatMap((s) => {
        const st = status.get(s.key);
        return st === undefined
          ? []
          : [{ serviceKey: s.key, state: st.state, since: st.since, lastResultAt: st.lastAt, url: s.url }];
      });
    },
    table: () => ({
      schema: config.export?.schema ?? DEFAULT_REMOTE_TABLE.schema,
      table: config.export?.table ?? DEFAULT_REMOTE_TABLE.table,
    }),
    enabled: () => parts.remote.enabled,
    withRemote: (fn) => parts.remote.withRemote(fn),
    logger: log,
    everyMs,
  });
  if (everyMs !== HEARTBEAT_MS) {
    log.warn(
      { module: 'fleet', everyMs },
      `${TEST_HEARTBEAT_ENV} is set: heartbeat every ${everyMs} ms (tests only).`,
    );
  }
  return {
    heartbeat,
    everyMs,
    reload(next, nextServices) {
      config = next;
      services = nextServices;
    },
  };
}
