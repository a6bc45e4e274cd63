import type pg from 'pg';
import { LIMITS } from '../../config/limits.js';
import { FLEET_DEFAULTS, type RemotePartition } from '../../config/types.js';
import { qualifiedName, type RemoteTable } from './table.js';

/**
 * The results table as native range partitions on request_timestamp (the original's NOT NULL
 * column, a function of the row: a resent row lands in the partition it landed in before, where
 * UNIQUE (local_id, request_timestamp) absorbs it). Partitions are named `<t>_pYYYYMMDD` after the
 * start of their range (UTC, request_timestamp is naive UTC); `<t>_default` takes late or skewed
 * rows until upkeep creates their partition and moves them there (src/db/remote/upkeep.ts).
 */

export type PartitionUnit = 'day' | 'week' | 'month';

/** A partition's range, epoch ms of naive-UTC bounds: [from, to). */
export interface PartitionRange {
  from: number;
  to: number;
}

export interface PartitionInfo extends Partial<PartitionRange> {
  name: string;
  isDefault: boolean;
}

const DAY_MS = 86_400_000;

/** Longest table name whose partition names fit PostgreSQL's 63 characters ("_pYYYYMMDD"). */
export const PARTITIONED_NAME_MAX = 63 - '_p20260101'.length;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** "schema"."name" for a relation beside `target`. */
export function sibling(target: RemoteTable, name: string): string {
  return qualifiedName({ schema: target.schema, table: name });
}

/** Start (epoch ms, UTC) of the period `ms` falls in: a day, an ISO week (Monday) or a month. */
export function periodStart(unit: PartitionUnit, ms: number): number {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'day') return day;
  if (unit === 'week') return day - ((d.getUTCDay() + 6) % 7) * DAY_MS;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the period after the one that starts at `start`. */
export function nextStart(unit: PartitionUnit, start: number): number {
  if (unit === 'day') return start + DAY_MS;
  if (unit === 'week') return start + 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The periods from the one holding `fromMs` to the one holding `toMs`, both included. */
export function rangesCovering(unit: PartitionUnit, fromMs: number, toMs: number): PartitionRange[] {
  const out: PartitionRange[] = [];
  for (let s = periodStart(unit, fromMs); s <= toMs; s = nextStart(unit, s)) {
    out.push({ from: s, to: nextStart(unit, s) });
  }
  return out;
}

/** The current period and `ahead` more after it. */
export function rangesAhead(unit: PartitionUnit, nowMs: number, ahead: number): PartitionRange[] {
  const out: PartitionRange[] = [];
  let s = periodStart(unit, nowMs);
  for (let i = 0; i <= ahead; i++) {
    const to = nextStart(unit, s);
    out.push({ from: s, to });
    s = to;
  }
  return out;
}

export function partitionName(table: string, from: number): string {
  return `${table}_p${new Date(from).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export function defaultPartitionName(table: string): string {
  return `${table}_default`;
}

/** A naive UTC timestamp literal ('2026-12-03 00:00:00'), as request_timestamp stores them. */
export function naiveLiteral(ms: number): string {
  return `'${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}'`;
}

export function forValues(r: PartitionRange): string {
  return `FOR VALUES FROM (${naiveLiteral(r.from)}) TO (${naiveLiteral(r.to)})`;
}

/** Epoch ms of a naive UTC timestamp as PostgreSQL prints it; NaN for MINVALUE/MAXVALUE. */
function parseNaive(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** Day, week or month from a partition's width; null for anything else. */
export function unitOfWidth(r: PartitionRange): PartitionUnit | null {
  const days = (r.to - r.from) / DAY_MS;
  if (days === 1) return 'day';
  if (days === 7) return 'week';
  if (days >= 28 && days <= 31 && periodStart('month', r.from) === r.from) return 'month';
  return null;
}

/** The server's clock, epoch ms: every agent plans partitions by the same clock. */
export async function serverNow(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ ms: string }>(
    'SELECT (extract(epoch FROM now()) * 1000)::text AS ms',
  );
  return Math.floor(Number(rows[0]!.ms));
}

/** 'p' partitioned, 'r' plain, null missing. */
export async function relationKind(client: pg.ClientBase, target: RemoteTable): Promise<'p' | 'r' | null> {
  const { rows } = await client.query<{ relkind: string }>(
    `SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [target.schema, target.table],
  );
  const kind = rows[0]?.relkind;
  if (kind === undefined) return null;
  return kind === 'p' ? 'p' : 'r';
}

/** The partitions of `target` with their bounds (MINVALUE/MAXVALUE bounds are left undefined). */
export async function listPartitions(client: pg.ClientBase, target: RemoteTable): Promise<PartitionInfo[]> {
  const { rows } = await client.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
    [qualifiedName(target)],
  );
  return rows.map((r) => {
    if (r.bound === 'DEFAULT') return { name: r.name, isDefault: true };
    const m = /FROM \((?:'([^']*)'|\w+)\) TO \((?:'([^']*)'|\w+)\)/.exec(r.bound);
    const from = m?.[1] === undefined ? Number.NaN : parseNaive(m[1]);
    const to = m?.[2] === undefined ? Number.NaN : parseNaive(m[2]);
    return {
      name: r.name,
      isDefault: false,
      ...(Number.isFinite(from) ? { from } : {}),
      ...(Number.isFinite(to) ? { to } : {}),
    };
  });
}

/** Whether [r.from, r.to) meets an existing partition's range (an open bound meets everything past it). */
export function overlaps(r: PartitionRange, parts: readonly PartitionInfo[]): boolean {
  return parts.some(
    (p) =>
      !p.isDefault &&
      (p.from ?? Number.NEGATIVE_INFINITY) < r.to &&
      r.from < (p.to ?? Number.POSITIVE_INFINITY),
  );
}

/**
 * The results table as 0000_monitoring_table.sql's CREATE TABLE declares it, column for column,
 * but partitioned: a unique key of a partitioned table must contain the partition key, so the
 * primary key is (id, request_timestamp) and the conflict key (local_id, request_timestamp).
 * The migrations then run over it unchanged and add the other columns, in the same order as on a
 * plain table (test/db/remote/partitions.test.ts compares the two).
 */
export function partitionedTableSql(target: RemoteTable): string {
  return `CREATE TABLE ${qualifiedName(target)} (
	"id" serial NOT NULL,
	"local_id" varchar NOT NULL,
	"url" varchar NOT NULL,
	"method" varchar NOT NULL,
	"request_timestamp" timestamp NOT NULL,
	"regex_check_required" boolean NOT NULL,
	"contains_regex" boolean NOT NULL,
	"contains_exception" boolean NOT NULL,
	"status_code" integer,
	"response_timestamp" timestamp,
	"regex" varchar,
	"exception" text,
	"local_created_at" timestamp NOT NULL,
	"created_at" timestamp DEFAULT timezone('utc', now()) NOT NULL,
	PRIMARY KEY ("id", "request_timestamp"),
	UNIQUE ("local_id", "request_timestamp")
) PARTITION BY RANGE ("request_timestamp")`;
}

/** A table name too long for its partitions' names is refused rather than truncated by PostgreSQL. */
export function checkPartitionable(target: RemoteTable, maxLength = PARTITIONED_NAME_MAX): void {
  if (target.table.length > maxLength) {
    throw new Error(
      `table name ${target.table} is too long to partition (at most ${maxLength} characters, its partitions are named <table>_pYYYYMMDD); shorten export.table or set remote.partition: none`,
    );
  }
}

/**
 * Create `target` partitioned by `unit`, with partitions from the current period to `ahead` more
 * and a DEFAULT partition. Runs inside the caller's transaction; returns one line per thing made.
 */
export async function createPartitionedTable(
  client: pg.ClientBase,
  target: RemoteTable,
  unit: PartitionUnit,
  ahead: number,
  nowMs: number,
): Promise<string[]> {
  checkPartitionable(target);
  await client.query(partitionedTableSql(target));
  const names: string[] = [];
  for (const r of rangesAhead(unit, nowMs, ahead)) {
    const name = partitionName(target.table, r.from);
    await client.query(
      `CREATE TABLE ${sibling(target, name)} PARTITION OF ${qualifiedName(target)} ${forValues(r)}`,
    );
    names.push(name);
  }
  const def = defaultPartitionName(target.table);
  await client.query(`CREATE TABLE ${sibling(target, def)} PARTITION OF ${qualifiedName(target)} DEFAULT`);
  return [
    `created ${qualifiedName(target)} partitioned by ${unit} on request_timestamp: partitions ${names.join(', ')} and ${def}`,
  ];
}

/** How a results table that migrate creates is laid out (config `remote`, docs/scale-out.md). */
export interface RemoteLayout {
  /**
   * A table created here is range-partitioned by request_timestamp per day/week/month, or plain
   * with "none". An existing table is never changed. Default "day" (FLEET_DEFAULTS.partition).
   */
  partition?: RemotePartition | undefined;
  /** Partitions created ahead of the current one. Default 3 (LIMITS['remote.partitions_ahead']). */
  partitionsAhead?: number | undefined;
  /** The clock partitions are planned by, epoch ms. Default PostgreSQL's now(). */
  now?: number | undefined;
}

/** migrate's first step for a table that does not exist yet: partitioned, unless the layout says "none". */
export async function createLaidOut(
  client: pg.ClientBase,
  target: RemoteTable,
  layout: RemoteLayout,
): Promise<string[]> {
  const partition = layout.partition ?? FLEET_DEFAULTS.partition;
  if (partition === 'none') return [];
  const ahead = layout.partitionsAhead ?? LIMITS['remote.partitions_ahead'].default;
  return createPartitionedTable(client, target, partition, ahead, layout.now ?? (await serverNow(client)));
}
