import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { ConfigError } from '../../errors.js';
import { createLaidOut, type RemoteLayout } from './partitions.js';
import {
  agentsTable,
  incidentsTable,
  leasesTable,
  poolMembersTable,
  qualifiedName,
  type RemoteTable,
  rollupPendingTable,
  rollupTables,
  serviceStateTable,
} from './table.js';

export type { RemoteLayout } from './partitions.js';

/**
 * Our own small migrator for the remote schema, instead of drizzle's: the table's schema and name
 * are configurable (several setups can share one database), and drizzle's migrator knows one fixed
 * name and one bookkeeping table per database.
 *
 * - Reads drizzle-kit's journal (drizzle/remote/meta/_journal.json) and its SQL files, in journal
 *   order, split at `--> statement-breakpoint`.
 * - In each statement, the identifier "monitoring" becomes "<schema>"."<table>",
 *   "monitoring_incidents" becomes "<schema>"."<table>_incidents" (and so on for each table of
 *   tablesOf: _rollup_minute, _rollup_hour, _rollup_pending, _leases, _pool_members, _agents, _service_state), and
 *   other identifiers that start with "monitoring_ (index names) start with "<table>_ instead.
 * - Applied migrations are recorded per table in "<schema>".monitor_migrations (table_name, tag,
 *   hash), so two tables in one schema migrate independently.
 * - Everything runs in one transaction under an advisory lock on the table's name: two agents that
 *   start together do not race, and a failure leaves nothing half-applied.
 * - The SQL is written to be idempotent over a table the original tool created (IF NOT EXISTS
 *   everywhere), which is how such a table is adopted.
 * - A results table that does not exist yet is first created range-partitioned (config
 *   `remote.partition`, partitions.ts createLaidOut); the SQL then runs over it unchanged.
 */

/** Longest a migration statement may run, ms (10 minutes). */
const MIGRATION_TIMEOUT_MS = 600_000;

export interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export interface Migration {
  tag: string;
  when: number;
  hash: string;
  statements: string[];
}

/** The committed drizzle/remote folder, found from this module's location (never the cwd). */
export function remoteMigrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'drizzle', 'remote');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`drizzle/remote migrations not found above ${fileURLToPath(import.meta.url)}`);
}

export function readJournal(folder: string): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

export function readMigrations(folder: string = remoteMigrationsFolder()): Migration[] {
  return readJournal(folder).map((e) => {
    const sql = readFileSync(join(folder, `${e.tag}.sql`), 'utf8');
    return {
      tag: e.tag,
      when: e.when,
      hash: createHash('sha256').update(sql).digest('hex'),
      statements: sql
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter((s) => s.replace(/--[^\n]*\n?/g, '').trim() !== ''),
    };
  });
}

/** The tables a migration may write, by the name the SQL gives them. */
function tablesOf(target: RemoteTable): ReadonlyMap<string, RemoteTable> {
  const rollups = rollupTables(target);
  return new Map([
    ['"monitoring"', target],
    ['"monitoring_incidents"', incidentsTable(target)],
    ['"monitoring_rollup_minute"', rollups.minute],
    ['"monitoring_rollup_hour"', rollups.hour],
    ['"monitoring_rollup_pending"', rollupPendingTable(target)],
    ['"monitoring_leases"', leasesTable(target)],
    ['"monitoring_pool_members"', poolMembersTable(target)],
    ['"monitoring_agents"', agentsTable(target)],
    ['"monitoring_service_state"', serviceStateTable(target)],
  ]);
}

/** A statement written for "monitoring" rewritten for the configured table. */
export function retarget(statement: string, target: RemoteTable): string {
  const table = target.table.replaceAll('"', '""');
  const tables = tablesOf(target);
  // One pass, so that a table named like "monitoring_x" is not rewritten twice. A table is
  // schema-qualified; any other "monitoring_… name (an index) lives in its table's schema already.
  return statement.replace(/"monitoring(_[^"]*)?"/g, (m, suffix: string | undefined) => {
    const t = tables.get(m);
    return t ? qualifiedName(t) : `"${table}${suffix}"`;
  });
}

/**
 * The applied tags that still hold: a table dropped by hand is created again by re-applying every
 * migration that mentions it (they are all idempotent).
 */
async function stillApplied(
  client: pg.ClientBase,
  target: RemoteTable,
  migrations: readonly Migration[],
  applied: readonly string[],
): Promise<Set<string>> {
  const tags = new Set(applied);
  for (const [written, t] of tablesOf(target)) {
    const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
      qualifiedName(t),
    ]);
    if (rows[0]?.t) continue;
    for (const m of migrations) if (m.statements.some((s) => s.includes(written))) tags.delete(m.tag);
  }
  return tags;
}

interface ColumnRow {
  column_name: string;
}

async function columnsOf(client: pg.ClientBase, target: RemoteTable): Promise<string[]> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [target.schema, target.table],
  );
  return rows.map((r) => r.column_name);
}

/**
 * Bring the remote table up to date. Returns one human-readable line per thing done (empty when
 * everything was already applied). Rejects with the driver's error on failure (nothing applied).
 */
export async function migrateRemote(
  client: pg.ClientBase,
  target: RemoteTable,
  migrations: readonly Migration[] = readMigrations(),
  layout: RemoteLayout = {},
): Promise<string[]> {
  const name = qualifiedName(target);
  const schema = `"${target.schema.replaceAll('"', '""')}"`;
  const book = `${schema}.monitor_migrations`;
  const done: string[] = [];
  await client.query('BEGIN');
  try {
    // DDL waits for locks held by readers (dashboards); give up rather than queue behind them forever.
    await client.query(`SET LOCAL lock_timeout = '15s'`);
    // Indexing an adopted table with years of rows can take minutes: more than an export's timeout.
    await client.query(`SET LOCAL statement_timeout = '${MIGRATION_TIMEOUT_MS}'`);
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`monitor-migrate:${name}`]);
    const { rows: ns } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema]);
    if (ns.length === 0) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      done.push(`created schema ${schema}`);
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${book} (
         table_name text NOT NULL,
         tag text NOT NULL,
         hash text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (table_name, tag)
       )`,
    );
    const { rows: applied } = await client.query<{ tag: string }>(
      `SELECT tag FROM ${book} WHERE table_name = $1`,
      [target.table],
    );
    const appliedTags = await stillApplied(
      client,
      target,
      migrations,
      applied.map((r) => r.tag),
    );
    const pending = migrations.filter((m) => !appliedTags.has(m.tag));
    if (pending.length > 0) {
      const before = await columnsOf(client, target);
      // The tables beside the results table (incidents, agents …) that do not exist yet.
      const besides = [...tablesOf(target).values()].filter((t) => t !== target);
      const missingBefore: RemoteTable[] = [];
      for (const t of besides) if ((await columnsOf(client, t)).length === 0) missingBefore.push(t);
      // Only a table made here: the migrations below then run over it as over a plain one.
      if (before.length === 0) done.push(...(await createLaidOut(client, target, layout)));
      for (const m of pending) {
        for (const statement of m.statements) {
          // pg's client-side timeout (the exporter's pool sets one) would cut a long index build.
          const query: pg.QueryConfig & { query_timeout: number } = {
            text: retarget(statement, target),
            query_timeout: MIGRATION_TIMEOUT_MS + 60_000,
          };
          await client.query(query);
        }
        await client.query(
          `INSERT INTO ${book} (table_name, tag, hash) VALUES ($1, $2, $3)
           ON CONFLICT (table_name, tag) DO UPDATE SET hash = EXCLUDED.hash, applied_at = now()`,
          [target.table, m.tag, m.hash],
        );
        done.push(`applied migration ${m.tag} to ${name}`);
      }
      const after = await columnsOf(client, target);
      if (before.length === 0) {
        done.push(`created table ${name} (${after.length} columns)`);
      } else {
        const added = after.filter((c) => !before.includes(c));
        done.push(
          added.length > 0
            ? `adopted existing table ${name}: added columns ${added.join(', ')}; existing rows untouched`
            : `existing table ${name} already had every column`,
        );
      }
      for (const t of missingBefore) {
        if ((await columnsOf(client, t)).length > 0) done.push(`created table ${qualifiedName(t)}`);
      }
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  return done;
}

/** Reject schema/table names that are not plain identifiers (they end up in SQL). */
export function checkRemoteTable(target: RemoteTable): RemoteTable {
  for (const [what, value] of [
    ['export.schema', target.schema],
    ['export.table', target.table],
  ] as const) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)) {
      throw new ConfigError(
        `${what} must be a plain identifier (letters, digits, _; at most 63 characters), got ${JSON.stringify(value)}`,
      );
    }
  }
  return target;
}
