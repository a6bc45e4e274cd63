import type pg from 'pg';
import { agentName } from '../config/agent-identity.js';
import { LIMITS } from '../config/limits.js';
import { registerUriSecrets } from '../config/uri.js';
import { insertParams, insertSql } from '../db/remote/insert.js';
import { checkRemoteTable, migrateRemote } from '../db/remote/migrate.js';
import { classifyRemoteError, describeRemoteError, isRowLevel } from '../db/remote/sqlstate.js';
import { DEFAULT_REMOTE_TABLE, type RemoteTable } from '../db/remote/table.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { ExportSource } from '../queue/store.js';
import type { ExportOutcome } from '../queue/types.js';
import type { ProbeResult } from '../results/types.js';
import { Backoff } from '../util/backoff.js';
import { singleFlight } from '../util/single-flight.js';
import { type Batch, BatchReader } from './batch-reader.js';
import { ConnectionState } from './connection-state.js';
import { Escape, local } from './escape.js';
import type { Exporter, ExporterOptions } from './exporter-types.js';
import { AllIncidentsRejected, createIncidentExport } from './incident-export.js';
import { createRemotePool, withClient } from './remote-pool.js';

export type { Exporter, ExporterOptions } from './exporter-types.js';

/** Every row of a batch failed alike: the table, not the rows, is the problem. */
class AllRowsRejected extends Error {}

/**
 * Rows per export transaction. 2000, not more: a batch's column arrays are sent as one string per
 * column, and above ~128 KB V8 puts a string straight into the old generation, where only a full
 * collection frees it. Draining a backlog at 5000 rows a batch, the monitor's RSS peaked at
 * 307–315 MB (bench outage); at 3000, 277 MB; at 2000, 221 MB. The export benchmark measured
 * 50,000 rows/s (0.61 of COPY) at 2000 against 51,000–55,900 (0.64–0.69) at 5000 in the same
 * back-to-back runs.
 */
export const DEFAULT_EXPORT_BATCH = LIMITS['export.batch_size'].default;

interface Progress {
  exported: number;
  setAside: number;
  /** Rows PostgreSQL refused on their own, with the reason; set aside only if others went through. */
  rejected: Array<{ id: string; reason: string; code: string | undefined }>;
}

/** Where send() sends rows and marks them exported. */
interface SendTarget {
  options: ExporterOptions;
  pool: pg.Pool;
  /** The remote table's insert statement (rows and rollups). */
  statement: string;
  /** Its last parameter. */
  location: string;
}

/**
 * Send rows in one statement (one transaction). On a row-level refusal (sqlstate.ts), bisect to
 * find the rows at fault; any other failure leaves the batch whole, to be retried.
 */
async function send(
  target: SendTarget,
  rows: readonly ProbeResult[],
  progress: Progress,
  params?: string[],
): Promise<void> {
  const { options, pool, statement, location } = target;
  if (rows.length === 0) return;
  try {
    const values: string[] = params ?? insertParams(rows);
    await withClient(pool, options.logger, (c) => c.query(statement, [...values, location]));
  } catch (err) {
    const e = toError(err);
    const failure = classifyRemoteError(e);
    if (!isRowLevel(failure)) throw e;
    if (rows.length === 1) {
      progress.rejected.push({ id: rows[0]!.id, reason: describeRemoteError(e), code: failure.code });
      return;
    }
    const mid = rows.length >>> 1;
    await send(target, rows.slice(0, mid), progress);
    if (options.signal?.aborted) return;
    await send(target, rows.slice(mid), progress);
    return;
  }
  const ids = rows.map((r) => r.id);
  if (options.afterCommit) {
    try {
      await options.afterCommit(ids);
    } catch (err) {
      throw new Escape(err);
    }
  }
  progress.exported += local(() => options.source.markExported(ids, Date.now()));
}

/**
 * The rows PostgreSQL refused on their own go aside locally. Only when others got through: when
 * every row fails alike, the table is at fault (a NOT NULL or CHECK added by hand …) and draining
 * the queue into the set-aside pile would be the worst answer. A real poison row waits for the
 * next good one.
 */
function setAsideRejected(source: ExportSource, logger: Logger, progress: Progress): void {
  if (progress.exported === 0) {
    const first = progress.rejected[0]!;
    throw new AllRowsRejected(`PostgreSQL rejected every row of the batch: ${first.reason}`);
  }
  for (const r of progress.rejected) {
    local(() => source.setAside(r.id, r.reason, Date.now(), r.code ?? null));
    progress.setAside += 1;
    logger.warn(
      { module: 'export', id: r.id, code: r.code },
      `result set aside: PostgreSQL refused the row: ${r.reason} — see monitor db rejected`,
    );
  }
}

export function createExporter(options: ExporterOptions): Exporter {
  const target: RemoteTable = checkRemoteTable({
    schema: options.schema ?? DEFAULT_REMOTE_TABLE.schema,
    table: options.table ?? DEFAULT_REMOTE_TABLE.table,
  });
  const { source, logger } = options;
  const batchSize = Math.max(
    1,
    Math.floor(Number.isFinite(options.batchSize) ? options.batchSize! : DEFAULT_EXPORT_BATCH),
  );
  const statementTimeoutMs = options.statementTimeoutMs ?? LIMITS['export.statement_timeout_ms'].default;
  registerUriSecrets(options.uri);
  const pool = createRemotePool(
    { uri: options.uri, connectTimeoutMs: options.connectTimeoutMs ?? 5000, statementTimeoutMs },
    logger,
  );

  const connection = new ConnectionState(logger);
  const backoff = new Backoff(options.backoff);
  const location = options.location ?? agentName({});
  const sendTarget: SendTarget = {
    options,
    pool,
    statement: insertSql(target, { rollups: options.rollups }),
    location,
  };
  const reader = new BatchReader(source, batchSize);
  const incidentExport = options.incidents
    ? createIncidentExport({
        source: options.incidents,
        pool,
        target,
        location,
        logger,
        batchSize: options.incidentBatchSize,
        signal: options.signal,
        afterCommit: options.afterIncidentCommit,
      })
    : null;
  let migrated = false;
  let closed = false;

  async function migrate(): Promise<string[]> {
    const done = await withClient(pool, logger, (c) => migrateRemote(c, target, undefined, options.layout));
    migrated = true;
    return done;
  }

  /** Single-flight: a call while a batch is in flight shares that batch's outcome. */
  const exportOnce = singleFlight(exportBatch);

  async function exportBatch(): Promise<ExportOutcome> {
    if (closed || options.signal?.aborted) {
      reader.prefetched = null;
      return { exported: 0, setAside: 0, full: false, retryAfterMs: null };
    }
    const outcome = await exportResults();
    // Incidents wait while the results cannot go: the same connection, the same backoff.
    if (outcome.retryAfterMs !== null || !incidentExport || options.signal?.aborted) return outcome;
    try {
      const step = await incidentExport.run(async () => {
        if (!migrated) await migrate();
      });
      if (step.exported + step.refused > 0) {
        connection.succeeded();
        backoff.reset();
      }
      return { ...outcome, full: outcome.full || step.full };
    } catch (err) {
      return failed(err, outcome);
    }
  }

  async function exportResults(): Promise<ExportOutcome> {
    const progress: Progress = { exported: 0, setAside: 0, rejected: [] };
    const batch = reader.take();
    const rows = batch.rows;
    if (rows.length === 0) return { exported: 0, setAside: 0, full: false, retryAfterMs: null };
    const full = rows.length >= batchSize;
    try {
      if (!migrated) await migrate();
      const sending = send(sendTarget, rows, progress, batch.params);
      // Handled below by `await sending`; this keeps an early rejection from counting as unhandled.
      sending.catch(() => {});
      let next: Batch | null = null;
      if (full) {
        // Let the INSERT reach the socket first, then read the next batch while the server works.
        await new Promise<void>((resolve) => setImmediate(resolve));
        try {
          next = reader.after(rows);
        } catch {
          // Only an optimisation: the next call selects again and meets the local error itself.
          next = null;
        }
      }
      await sending;
      if (progress.rejected.length > 0) setAsideRejected(source, logger, progress);
      if (progress.setAside === 0 && next && next.rows.length > 0) reader.prefetched = next;
      connection.succeeded();
      backoff.reset();
      return { exported: progress.exported, setAside: progress.setAside, full, retryAfterMs: null };
    } catch (err) {
      return failed(err, progress);
    }
  }

  /** A failed step: local errors leave as they are; remote ones are classified and backed off. */
  function failed(err: unknown, done: { exported: number; setAside: number }): ExportOutcome {
    if (err instanceof Escape) throw err.error;
    const e = toError(err);
    const rejectedAll = e instanceof AllRowsRejected || e instanceof AllIncidentsRejected;
    const kind = rejectedAll ? 'table' : classifyRemoteError(e).kind;
    // A dropped or altered table is re-created/extended on the next attempt.
    if (kind === 'table' || kind === 'row') migrated = false;
    // A row-level refusal that escapes the bisection hit every row alike: the table is at fault.
    connection.failed(kind === 'row' ? 'table' : kind, describeRemoteError(e));
    return { exported: done.exported, setAside: done.setAside, full: false, retryAfterMs: backoff.next() };
  }

  return {
    migrate,
    exportOnce,
    state: () => connection.state,
    withRemote: async (fn) => {
      if (!migrated) await migrate();
      return withClient(pool, logger, fn);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
