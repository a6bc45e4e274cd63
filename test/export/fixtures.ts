import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  createExportSource,
  createIncidentExportSource,
  createJobStore,
  type LocalDatabase,
  openLocalDatabase,
} from '../../src/db/local/index.js';
import { createExporter, type Exporter, type ExporterOptions } from '../../src/export/exporter.js';
import type { Logger } from '../../src/log/logger.js';
import type { ExportSource } from '../../src/queue/store.js';
import type { ExportOutcome } from '../../src/queue/types.js';
import type { ProbeResult } from '../../src/results/types.js';
import { capturingLogger } from '../helpers/logs.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';

/** A real SQLite file with the local-DB module's schema, in its own temp dir. */
export interface LocalFixture {
  dir: string;
  path: string;
  ldb: LocalDatabase;
  source: ExportSource;
  add(results: readonly ProbeResult[]): void;
  close(): void;
}

export function openLocal(): LocalFixture {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-export-'));
  const path = join(dir, 'local.sqlite3');
  const ldb = openLocalDatabase(path);
  const store = createJobStore(ldb);
  return {
    dir,
    path,
    ldb,
    source: createExportSource(ldb),
    add(results) {
      const written = store.recordProbeResults(results.map((result) => ({ result, job: null })));
      if (written !== results.length) throw new Error(`wrote ${written} of ${results.length}`);
    },
    close() {
      ldb.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Runs one `exportOnce` and asserts its whole outcome: `exported` rows and, unless `others` says
 * otherwise, a batch that was not full, nothing set aside and no retry wait.
 */
export async function assertExportOnce(
  exporter: Exporter,
  exported: number,
  others: Partial<Omit<ExportOutcome, 'exported'>> = {},
): Promise<void> {
  assert.deepEqual(await exporter.exportOnce(), {
    exported,
    full: false,
    setAside: 0,
    retryAfterMs: null,
    ...others,
  });
}

/** Asserts that the remote table holds `n` rows, no local_id twice. */
export async function assertRemoteRows(url: string, n: number): Promise<void> {
  const [row] = await query<{ n: string; d: string }>(
    url,
    'SELECT count(*) AS n, count(DISTINCT local_id) AS d FROM monitoring',
  );
  assert.deepEqual(row, { n: String(n), d: String(n) });
}

/** The original tool's CREATE TABLE, as it ran it against PostgreSQL. */
export const ORIGINAL_DDL = `CREATE TABLE IF NOT EXISTS monitoring (
    id SERIAL PRIMARY KEY,
    local_id VARCHAR NOT NULL UNIQUE,
    url VARCHAR NOT NULL,
    method VARCHAR NOT NULL,
    request_timestamp TIMESTAMP NOT NULL,
    regex_check_required BOOLEAN NOT NULL,
    contains_regex BOOLEAN NOT NULL,
    contains_exception BOOLEAN NOT NULL,
    status_code INTEGER,
    response_timestamp TIMESTAMP,
    regex VARCHAR,
    exception TEXT,
    local_created_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT (timezone('utc', now()))
)`;

/** The columns migration 0001_result_details adds to the remote table, in order. */
export const DETAIL_COLUMNS = [
  'state',
  'conditions',
  'resolved_ip',
  'dns_ms',
  'connect_ms',
  'tls_ms',
  'ttfb_ms',
  'transfer_ms',
  'tls_version',
  'cert_issuer',
  'cert_expires_at',
  'cert_chain_expires_at',
];

/** What `exporterRig` sets up besides the exporter options it passes through. */
export interface ExporterRigOptions extends Omit<Partial<ExporterOptions>, 'uri' | 'source' | 'logger'> {
  /**
   * The PostgreSQL to export to (e.g. a database on a server the test started itself, a proxy in
   * front of one, or a URI that cannot work). Default: a fresh database from `getTestDatabaseUrl()`.
   */
  url?: string;
  /**
   * Run `exporter.migrate()` before handing the exporter over. Default true; false for tests that
   * rely on the first `exportOnce` migrating lazily, or whose server is not reachable.
   */
  migrate?: boolean;
  /** Export the local incidents too (an incident source over the rig's local database). Default false. */
  withIncidents?: boolean;
}

export interface ExporterRig {
  /** The URI the exporter was given. */
  url: string;
  local: LocalFixture;
  exporter: Exporter;
  logger: Logger;
  lines: string[];
  text(): string;
}

/**
 * An exporter over a fresh local fixture, with a capturing logger and fast backoff
 * ({ baseMs: 1, capMs: 5 }; pass `backoff: undefined` for the exporter's default), on a fresh test
 * database unless `url` is given, migrated unless `migrate: false`. Any other `options` are passed to
 * `createExporter`. The local fixture and the exporter are closed after the test.
 */
export async function exporterRig(
  t: { after(fn: () => unknown): void },
  options: ExporterRigOptions = {},
): Promise<ExporterRig> {
  const { url: given, migrate = true, withIncidents = false, ...exporterOptions } = options;
  const url = given ?? (await getTestDatabaseUrl());
  const local = openLocal();
  t.after(() => local.close());
  const log = capturingLogger();
  const exporter = createExporter({
    uri: url,
    source: local.source,
    logger: log.logger,
    backoff: { baseMs: 1, capMs: 5 },
    incidents: withIncidents ? createIncidentExportSource(local.ldb) : undefined,
    ...exporterOptions,
  });
  t.after(() => exporter.close());
  if (migrate) await exporter.migrate();
  return { url, local, exporter, ...log };
}
