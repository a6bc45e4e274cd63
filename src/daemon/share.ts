/**
 * The daemon's share mode (`fleet.mode: "share"`, docs/fleet.md): the lease policy wired to the
 * agent (it probes only the services it holds), to PostgreSQL through the exporter's pool
 * (RemoteExport.withRemote) and to the local results (a takeover's missed slots). The engine's
 * drain ends the leases right after the agent stopped probing (Share.release), so the other agents
 * take them over at their next round instead of after expiry.
 */

import { LIMITS } from '../config/limits.js';
import type { ResolvedService } from '../config/resolve.js';
import { FLEET_DEFAULTS, type MonitorConfig } from '../config/types.js';
import { DEFAULT_REMOTE_TABLE } from '../db/remote/table.js';
import type { RemoteExport } from '../export/remote-export.js';
import { leaseTiming } from '../fleet/lease-timing.js';
import { leaseTablesFor } from '../fleet/leases.js';
import { createSharePolicy, type SharePolicy } from '../fleet/share.js';
import type { Agent } from '../jobs/agent.js';
import type { Logger } from '../log/logger.js';
import type { JobStore } from '../queue/store.js';
import { withTimeout } from './stop-latch.js';

export interface Share {
  policy: SharePolicy;
  /** Period of the `lease` job, ms. */
  leaseEveryMs: number;
  /** The agent whose services the policy sets (created after the policy: it runs its rounds). */
  attach(agent: Agent): void;
  /** After the drain: end this agent's leases, bounded. */
  release(): Promise<void>;
}

/** How long the release at shutdown may take. */
const RELEASE_BOUND_MS = 3_000;

/** null unless `fleet.mode` is "share". Fleet settings take effect at the next start. */
export function startShare(
  config: MonitorConfig,
  services: readonly ResolvedService[],
  remote: RemoteExport,
  store: JobStore,
  agentName: string,
  log: Logger,
): Share | null {
  const fleet = config.fleet ?? {};
  if ((fleet.mode ?? FLEET_DEFAULTS.mode) !== 'share') return null;
  const pool = fleet.pool ?? FLEET_DEFAULTS.pool;
  const timing = leaseTiming(fleet.lease_seconds ?? LIMITS['fleet.lease_seconds'].default);
  const target = {
    schema: config.export?.schema ?? DEFAULT_REMOTE_TABLE.schema,
    table: config.export?.table ?? DEFAULT_REMOTE_TABLE.table,
  };
  let agent: Agent | null = null;
  const policy = createSharePolicy({
    pool,
    agent: agentName,
    timing,
    tables: leaseTablesFor(target),
    withRemote: (fn) => remote.withRemote(fn),
    probe: (held) => agent?.setServices(held),
    record: (results) => {
      store.recordProbeResults(results.map((result) => ({ result, job: null })));
    },
    logger: log,
  });
  policy.setConfigured(services);
  log.info(
    { module: 'fleet', pool, leaseSeconds: timing.leaseMs / 1000 },
    `Share mode: pool ${pool}, lease ${timing.leaseMs / 1000} s (a round every ${timing.roundEveryMs} ms): probing only the services this agent holds a lease for.`,
  );
  return {
    policy,
    leaseEveryMs: timing.roundEveryMs,
    attach(a) {
      agent = a;
    },
    release: () => withTimeout(policy.release(), RELEASE_BOUND_MS),
  };
}
