/**
 * The daemon's live view: the HTTP server (src/live/server.ts) over the last results, the
 * monitor's health and the status worker (the page and /api, computed and serialised off this
 * thread), started after the engine and closed before the drain.
 */
import type { ResolvedHttp } from '../config/http-settings.js';
import type { ResolvedService } from '../config/resolve.js';
import { oldestUnexportedAt, takesWrites } from '../db/local/export-backlog.js';
import { COUNTER, type LocalDatabase, type LocalJobStore, readCounters } from '../db/local/index.js';
import type { RemoteExport } from '../export/remote-export.js';
import type { Agent } from '../jobs/agent.js';
import { cachedAnswers } from '../live/cached-status.js';
import type { HealthSource, MonitorHealth } from '../live/health.js';
import { START_LAG_BOUNDS_MS } from '../live/health-metrics.js';
import { MetricsText } from '../live/metrics.js';
import type { LastResults } from '../live/metrics-hook.js';
import { apiRoutes } from '../live/routes-api.js';
import { healthRoutes } from '../live/routes-health.js';
import { metricsRoutes } from '../live/routes-metrics.js';
import { pageRoutes } from '../live/routes-page.js';
import { startLiveServer } from '../live/server.js';
import { StatusWorker } from '../live/status-worker-client.js';
import type { Logger } from '../log/logger.js';
import type { ExportSource } from '../queue/store.js';
import type { Closers } from './closers.js';

/** The database figures of /metrics and /readyz are read at most this often. */
const DB_FIGURES_MS = 2_000;
/** How long requests in progress may finish at shutdown before their sockets are destroyed. */
const CLOSE_GRACE_MS = 1_000;
/** How long the status worker may take to close its connection before it is terminated. */
const WORKER_STOP_MS = 2_000;

export interface HttpParts {
  agent: Agent;
  remote: RemoteExport;
  ldb: LocalDatabase;
  store: LocalJobStore;
  source: ExportSource;
  last: LastResults;
  services: () => readonly ResolvedService[];
  logger: Logger;
}

export interface LiveView {
  /** Reload: removed services lose their series; the page and /api show the new list at once. */
  setServices(services: readonly ResolvedService[]): void;
}

export async function startHttp(
  http: Extract<ResolvedHttp, { enabled: true }>,
  parts: HttpParts,
  closers: Closers,
): Promise<LiveView> {
  const health = healthSource(parts);
  const metrics = new MetricsText(parts.last, health, { hideUrls: http.public });
  // Registered before the server, so closed after it: requests in their grace still get answers.
  const worker = closers.add(
    new StatusWorker({
      path: parts.ldb.path,
      services: parts.services(),
      public: http.public,
      logger: parts.logger,
      stopWaitMs: WORKER_STOP_MS,
    }),
    'status worker',
    (w) => w.stop(),
    WORKER_STOP_MS + 1_000,
  );
  const answers = cachedAnswers(worker);
  const server = await startLiveServer({
    host: http.host,
    port: http.port,
    token: http.token,
    logger: parts.logger,
    routes: [
      ...healthRoutes(health),
      ...metricsRoutes(metrics),
      ...apiRoutes(answers),
      ...pageRoutes(answers),
    ],
  });
  closers.add(server, 'HTTP server', (s) => s.close(CLOSE_GRACE_MS), CLOSE_GRACE_MS + 1_000);
  const shown = http.host.includes(':') ? `[${http.host}]:${server.port}` : `${http.host}:${server.port}`;
  const access =
    http.token !== null ? 'bearer token required' : http.public ? 'public, no token' : 'loopback, no token';
  parts.logger.info({ module: 'http', listen: shown }, `Live view on http://${shown}/ (${access}).`);
  return {
    setServices(services) {
      metrics.retain(new Set(services.map((s) => s.key)));
      answers.setServices(services);
    },
  };
}

/** The monitor's health from the agent, the export and the local database (the last cached). */
function healthSource(parts: HttpParts): HealthSource {
  let db: {
    at: number;
    unexported: number;
    oldest: number | null;
    counters: Record<string, number>;
    writable: boolean;
  } | null = null;
  const dbFigures = (t: number) => {
    if (db && t - db.at < DB_FIGURES_MS) return db;
    db = {
      at: t,
      unexported: parts.source.countUnexported(),
      oldest: oldestUnexportedAt(parts.ldb),
      counters: readCounters(parts.ldb),
      writable: !parts.store.diskFull && takesWrites(parts.ldb),
    };
    return db;
  };
  return {
    health(): MonitorHealth {
      const t = Date.now();
      const s = parts.agent.stats();
      const d = dbFigures(t);
      const exportState = parts.remote.state();
      return {
        services: parts.services().length,
        executed: s.executed,
        missed: s.missed,
        stale: s.stale,
        startLagP50Ms: s.startLagP50Ms,
        startLagP99Ms: s.startLagP99Ms,
        startLagMaxMs: s.startLagMaxMs,
        startLag: { boundsMs: START_LAG_BOUNDS_MS, ...parts.agent.startLagBuckets(START_LAG_BOUNDS_MS) },
        inFlight: s.inFlight,
        waiting: s.waiting,
        bufferedResults: s.bufferedResults,
        schedulerTicks: s.schedulerTicks,
        notifyAccepted: s.notifyAccepted,
        notifyFailed: s.notifyFailed,
        notifyRetries: s.notifyRetries,
        unexportedRows: d.unexported,
        // With export off nothing is late: the rows are kept locally on purpose.
        exportLagMs: d.oldest === null || exportState === 'off' ? 0 : Math.max(0, t - d.oldest),
        exportState,
        exportFailures: parts.remote.failures,
        droppedResults: d.counters[COUNTER.droppedResults] ?? 0,
        diskFullDropped: (d.counters[COUNTER.diskFullDropped] ?? 0) + parts.store.pendingDiskFullDrops,
        setAside: d.counters[COUNTER.setAside] ?? 0,
        localDbWritable: d.writable,
      };
    },
  };
}
