import type pg from 'pg';
import type { IncidentExportSource } from '../db/local/incident-export-source.js';
import type { RemoteLayout } from '../db/remote/migrate.js';
import type { Logger } from '../log/logger.js';
import type { ExportSource } from '../queue/store.js';
import type { ExportOutcome } from '../queue/types.js';
import type { BackoffOptions } from '../util/backoff.js';
import type { ConnectionStatus } from './connection-state.js';

/** The exporter's options and interface (src/export/exporter.ts), typed once. */

export interface ExporterOptions {
  /** postgres:// URI. Its password is registered as a secret and never logged. */
  uri: string;
  /** Default "public". */
  schema?: string | undefined;
  /** Default "monitoring". */
  table?: string | undefined;
  /**
   * How a results table that the migration creates is laid out: partitioned per "day" (default),
   * "week" or "month" with `partitionsAhead` (default 3) partitions ahead, or "none" (plain). An
   * existing table is never changed (RemoteLayout in src/db/remote/migrate.ts).
   */
  layout?: RemoteLayout | undefined;
  /**
   * Where this agent probes from, written with every result and incident it exports (one value
   * per statement) and keying its rollups. Default: the agent's default name (the host name);
   * the daemon passes config `agent_location ?? agent_name ?? hostname()`.
   */
  location?: string | undefined;
  /** Most rows per transaction. Default DEFAULT_EXPORT_BATCH (2000). */
  batchSize?: number | undefined;
  source: ExportSource;
  logger: Logger;
  /** Connect (TCP + TLS + auth) deadline, ms. Default 5000. */
  connectTimeoutMs?: number | undefined;
  /**
   * Server-side statement_timeout, ms; the client gives up on a silent connection this much plus
   * min(5 s, this) later. Default 30,000.
   */
  statementTimeoutMs?: number | undefined;
  /**
   * Keep the rollups (append the pending deltas of the rows inserted). Default true; false only
   * for the benchmark's baseline (bench/fleet-export.ts): no config key turns rollups off.
   */
  rollups?: boolean | undefined;
  /** Stops starting new work (a batch in flight finishes or times out). */
  signal?: AbortSignal | undefined;
  /** Retry timing after a remote failure. Default: base 250 ms, cap 10 s, full jitter. */
  backoff?: BackoffOptions | undefined;
  /**
   * Fault injection for tests: called after the remote COMMIT and before the local mark. Whatever
   * it throws escapes `exportOnce` as is (a "crash" at the worst moment). Default none.
   */
  afterCommit?: ((ids: readonly string[]) => void | Promise<void>) | undefined;
  /** Where changed incidents are read and marked; without it only results are exported. Default none. */
  incidents?: IncidentExportSource | undefined;
  /** Most incidents per export step. Default DEFAULT_INCIDENT_BATCH (500). */
  incidentBatchSize?: number | undefined;
  /** Like `afterCommit`, for the incidents' upsert. Default none. */
  afterIncidentCommit?: ((ids: readonly string[]) => void | Promise<void>) | undefined;
}

export interface Exporter {
  /** Create or adopt and update the remote table. Lines describing what was done. Rejects on failure. */
  migrate(): Promise<string[]>;
  /**
   * Export one batch of results, then (when they went through) one of changed incidents. Never
   * rejects for remote failures (see `retryAfterMs`); local errors do reject.
   */
  exportOnce(): Promise<ExportOutcome>;
  state(): ConnectionStatus;
  /**
   * Runs `fn` on a client of the exporter's pool, after the remote tables are migrated: the fleet's
   * jobs (heartbeat, leases, upkeep) reach PostgreSQL the way the export does. Rejects as `fn` does.
   */
  withRemote<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
