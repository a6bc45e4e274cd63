/**
 * The daemon's engine step: the probe worker, the PostgreSQL export and the agent (scheduler and
 * runner) over the local database, each registered with the closers, the drain included.
 */
import { createCollector } from '../collect/collector.js';
import { agentName as agentNameOf } from '../config/agent-identity.js';
import type { ResolvedService } from '../config/resolve.js';
import type { MonitorConfig } from '../config/types.js';
import {
  type createExportSource,
  createIncidentExportSource,
  type LocalDatabase,
  type LocalJobStore,
} from '../db/local/index.js';
import { RemoteExport } from '../export/remote-export.js';
import { type Agent, createAgent } from '../jobs/agent.js';
import { LastResults } from '../live/metrics-hook.js';
import { createRollupHook } from '../live/rollup-hook.js';
import { createThreadedProber } from '../probe/threaded-prober.js';
import { composeHooks } from '../queue/record-hooks.js';
import { type Alerting, startAlerting } from './alerting.js';
import type { Closers } from './closers.js';
import type { DaemonOptions } from './daemon.js';
import { type Fleet, startFleet } from './fleet.js';
import { countDiskFullDrops } from './local-buffer.js';
import { warnOnRegexTimeout } from './regex-timeout-warning.js';
import { createRollupFold, type RollupFold } from './rollup-fold.js';
import type { ProbeEnvironment } from './service-env.js';
import { type Share, startShare } from './share.js';
import { withTimeout } from './stop-latch.js';
import { createUpkeep, type Upkeep } from './upkeep.js';

/** How long closing the remote pool or the HTTP pools may take at shutdown. */
export const CLOSE_BOUND_MS = 2_000;

export interface Storage {
  ldb: LocalDatabase;
  store: LocalJobStore;
  source: ReturnType<typeof createExportSource>;
}

export async function startEngine(
  config: MonitorConfig,
  services: readonly ResolvedService[],
  env: ProbeEnvironment,
  { ldb, store, source }: Storage,
  options: DaemonOptions,
  closers: Closers,
): Promise<{
  remote: RemoteExport;
  agent: Agent;
  alerting: Alerting | null;
  last: LastResults;
  share: Share | null;
  fleet: Fleet | null;
  upkeep: Upkeep;
  rollups: RollupFold;
}> {
  const log = options.logger;
  const exportEnabled = options.exportEnabled ?? true;
  const collectEnabled = options.collectEnabled ?? true;
  const hooks = options.hooks ?? {};
  // HTTP in a worker thread: the main thread keeps the scheduler, the runner and SQLite.
  const prober = closers.add(
    warnOnRegexTimeout(
      createThreadedProber({
        perOrigin: config.runner?.per_origin,
        concurrency: config.runner?.concurrency,
        env,
      }),
      log,
    ),
    'probe worker',
    (p) => p.close(),
    CLOSE_BOUND_MS,
  );
  const remote = closers.add(
    new RemoteExport(hooks.exportSource?.(source) ?? source, log, createIncidentExportSource(ldb)),
    'PostgreSQL export',
    (r) => r.close(),
    CLOSE_BOUND_MS,
  );
  remote.configure(config, exportEnabled);
  // Partitions ahead and retention, by one agent of the fleet at a time (src/daemon/upkeep.ts).
  const upkeep = createUpkeep(config, remote, log);
  // The fold of pending rollup rows, by one agent of the fleet at a time (src/daemon/rollup-fold.ts).
  const rollups = createRollupFold(config, remote, log);

  // Before the agent: its closers (the notifier) then close after the drain.
  const alerting = startAlerting(config, services, env, { ldb, store }, log, closers, CLOSE_BOUND_MS);
  // The result transaction's one hook: incidents (when alerting is on), the live rollups, and the
  // last result per service for /metrics.
  const last = new LastResults();
  store.setRecordHook(composeHooks([alerting?.tracker, createRollupHook(ldb.sqlite), last]));
  closers.add(store, 'record hooks', (s) => s.setRecordHook(null));
  const collectLog = log.child({ module: 'cleanup' });
  const { step } = hooks;
  const agentName = agentNameOf(config);
  // share mode: the agent starts with no service and probes those it holds a lease for.
  const share = startShare(config, services, remote, store, agentName, log);
  const fleet = startFleet(
    { config, services, agentName, held: share ? () => share.policy.held() : undefined },
    { ldb, source, remote, exportEnabled },
    log.child({ module: 'fleet' }),
  );
  if (fleet) {
    // Closed after the drain (closers run in reverse), before the exporter's pool it needs.
    closers.add(fleet, 'fleet heartbeat', (f) => f.heartbeat.stop(), CLOSE_BOUND_MS);
  }
  const agent = createAgent({
    store: hooks.jobStore?.(store) ?? store,
    prober: hooks.prober?.(prober) ?? prober,
    services: share ? [] : services,
    agentName,
    logger: log,
    leaseHandler: share ? () => share.policy.round() : undefined,
    leaseEveryMs: share?.leaseEveryMs,
    // The handler always exists so that a reload that adds an external database needs no restart.
    exportHandler: exportEnabled ? () => remote.run() : undefined,
    collectHandler: collectEnabled
      ? createCollector(ldb, {
          onDeleted: (n) => collectLog.info(`${n} processed records deleted.`),
          slice: step ? (run) => step('collect slice', run) : undefined,
        })
      : undefined,
    alertsHandler: alerting ? () => alerting.tracker.sweep() : undefined,
    upkeepHandler: exportEnabled ? () => upkeep.run() : undefined,
    rollupHandler: exportEnabled ? (signal) => rollups.run(signal) : undefined,
    notify: alerting?.notify,
    heartbeatHandler: fleet
      ? async () => {
          await fleet.heartbeat.run();
        }
      : undefined,
    heartbeatEveryMs: fleet?.everyMs,
  });
  // The drain: closed before the exporter, the prober and the database it still uses.
  closers.add(agent, 'the drain', async (a) => {
    await a.stop({ graceMs: options.drainMs ?? 10_000 });
    // Probing has stopped: the other agents of the pool may take this one's services now.
    await share?.release();
    countDiskFullDrops(store, log);
    // Everything after the drain is bounded: a PostgreSQL that hangs mid-batch must not hold the
    // exit. Leaving a remote transaction unfinished is safe: it either committed (the rows are
    // re-sent and absorbed by ON CONFLICT next time) or it is rolled back when the connection drops.
    if (remote.enabled) await withTimeout(finalExport(remote), options.finalExportMs ?? 5_000);
  });

  share?.attach(agent);
  return { remote, agent, alerting, last, share, fleet, upkeep, rollups };
}

/**
 * Export until nothing is left (or PostgreSQL fails): the first run may join a batch selected before
 * the drain's last results were recorded, and one batch may not hold the whole backlog. Bounded
 * by the caller's timeout; whatever stays is exported at the next start.
 */
async function finalExport(remote: RemoteExport): Promise<void> {
  for (;;) {
    const out = await remote.run();
    if (out.retryAfterMs !== null || out.exported + out.setAside === 0) return;
  }
}
