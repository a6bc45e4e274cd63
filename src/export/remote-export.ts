import type pg from 'pg';
import { agentLocation } from '../config/agent-identity.js';
import type { MonitorConfig } from '../config/types.js';
import { registerUriSecrets } from '../config/uri.js';
import type { IncidentExportSource } from '../db/local/incident-export-source.js';
import { classifyRemoteError, describeRemoteError, type RemoteFailureKind } from '../db/remote/sqlstate.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ExportSource } from '../queue/store.js';
import type { ExportOutcome } from '../queue/types.js';
import { singleFlight } from '../util/single-flight.js';
import { createExporter, type Exporter } from './exporter.js';

/** What a failed migration is, in the log: never "lost connection" for a table problem. */
const MIGRATE_FAILURE: Record<RemoteFailureKind, string> = {
  connection: 'PostgreSQL unreachable',
  unavailable: 'PostgreSQL cannot take it right now',
  auth: 'authentication failed',
  database: 'database unavailable',
  table: 'table or permission problem',
  row: 'refused by PostgreSQL',
  other: 'unexpected error',
};

/** What withRemote rejects with when there is no PostgreSQL to reach. */
export class RemoteOff extends Error {
  constructor() {
    super('export to PostgreSQL is off');
  }
}

/** How long to wait before retrying a failed schema migration. */
const MIGRATE_RETRY_MS = 5_000;

/**
 * The exporter as the daemon sees it: swappable on reload (a fixed password or URI takes effect
 * without a restart), migrating the remote schema lazily so that an unreachable PostgreSQL at
 * start-up never stops monitoring.
 */
export class RemoteExport {
  private exporter: Exporter | null = null;
  private key: string | null = null;
  private migrated = false;
  private lastMigrateError: string | null = null;
  private failed = 0;

  /** `incidents`: where changed incidents are read; without it only results are exported. */
  constructor(
    private readonly source: ExportSource,
    private readonly logger: Logger,
    private readonly incidents?: IncidentExportSource,
  ) {}

  get enabled(): boolean {
    return this.exporter !== null;
  }

  /** Apply the config's remote settings; a change replaces the exporter. */
  configure(config: MonitorConfig, exportEnabled: boolean): void {
    const uri = exportEnabled ? config.external_database_uri : null;
    const settings = config.export ?? {};
    const layout = { partition: config.remote?.partition, partitionsAhead: config.remote?.partitions_ahead };
    const location = agentLocation(config);
    const key = uri
      ? JSON.stringify([
          uri,
          settings.schema,
          settings.table,
          settings.batch_size,
          settings.statement_timeout_ms,
          layout,
          location,
        ])
      : null;
    if (key === this.key) return;
    const old = this.exporter;
    this.exporter = null;
    this.key = key;
    this.migrated = false;
    this.lastMigrateError = null;
    if (old) void old.close().catch(() => {});
    if (!uri) return;
    registerUriSecrets(uri);
    this.exporter = createExporter({
      uri,
      schema: settings.schema,
      table: settings.table,
      batchSize: settings.batch_size,
      statementTimeoutMs: settings.statement_timeout_ms,
      // remote.partition (default "day") and remote.partitions_ahead (default 3): a new table only.
      layout,
      location,
      source: this.source,
      incidents: this.incidents,
      logger: this.logger,
    });
  }

  /** One export step; never rejects. Single-flight: a call while one runs joins it. */
  readonly run: () => Promise<ExportOutcome> = singleFlight(() => this.runOnce());

  private async runOnce(): Promise<ExportOutcome> {
    const exporter = this.exporter;
    if (!exporter) return { exported: 0, full: false, setAside: 0, retryAfterMs: null };
    if (!this.migrated) {
      try {
        const applied = await exporter.migrate();
        this.migrated = true;
        this.lastMigrateError = null;
        for (const m of applied) this.logger.info({ module: 'export' }, `Remote schema: ${m}`);
      } catch (err) {
        const e = toError(err);
        const msg = describeRemoteError(e);
        if (msg !== this.lastMigrateError) {
          const { kind } = classifyRemoteError(e);
          this.logger.error(
            { module: 'export', kind },
            `Cannot prepare the remote table (${MIGRATE_FAILURE[kind]}; will retry): ${msg}`,
          );
        }
        this.lastMigrateError = msg;
        this.failed++;
        return { exported: 0, full: false, setAside: 0, retryAfterMs: MIGRATE_RETRY_MS };
      }
    }
    const outcome = await exporter.exportOnce();
    if (outcome.retryAfterMs !== null) this.failed++;
    if (outcome.exported > 0) {
      this.logger.info({ module: 'export' }, `Exported ${outcome.exported} records.`);
    }
    return outcome;
  }

  /**
   * `fn` on a PostgreSQL client of the exporter (src/export/exporter.ts withRemote). Rejects with
   * RemoteOff when export is off (no URI, or --no-export), else as `fn` does.
   */
  withRemote<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const exporter = this.exporter;
    if (!exporter) return Promise.reject(new RemoteOff());
    return exporter.withRemote(fn);
  }

  /** Export runs that failed (PostgreSQL unreachable, refused, timed out) since the start. */
  get failures(): number {
    return this.failed;
  }

  state(): string {
    if (!this.exporter) return 'off';
    return this.exporter.state();
  }

  async close(): Promise<void> {
    const old = this.exporter;
    this.exporter = null;
    this.key = null;
    if (old) await old.close();
  }
}
