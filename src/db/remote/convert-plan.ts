import type pg from 'pg';
import {
  defaultPartitionName,
  type PartitionRange,
  type PartitionUnit,
  partitionName,
  rangesAhead,
  rangesCovering,
  relationKind,
} from './partitions.js';
import { qualifiedName, type RemoteTable } from './table.js';

/**
 * What `monitor db partition` will do to a plain results table, and why it may refuse: read before
 * asking, and again under the table's lock (rows keep arriving in between).
 */

/** A table that cannot be converted, one line saying why (nothing was changed). */
export class CannotConvert extends Error {}

export interface ConversionPlan {
  rows: number;
  /** Oldest and newest request_timestamp, epoch ms of naive UTC; null for an empty table. */
  min: number | null;
  max: number | null;
  unit: PartitionUnit;
  /** Every partition to create, oldest first (the default partition besides). */
  ranges: PartitionRange[];
  /** Views that read the table: they keep reading the old one after the rename. */
  views: string[];
}

/** Suffix of the old table, kept after the conversion. */
export const KEPT_SUFFIX = '_unpartitioned';

export function keptTable(target: RemoteTable): RemoteTable {
  return { schema: target.schema, table: `${target.table}${KEPT_SUFFIX}` };
}

async function exists(client: pg.ClientBase, target: RemoteTable): Promise<boolean> {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    qualifiedName(target),
  ]);
  return Boolean(rows[0]?.t);
}

/** The refusals that do not depend on the rows. */
async function checkConvertible(
  client: pg.ClientBase,
  target: RemoteTable,
  ranges: PartitionRange[],
): Promise<void> {
  const name = qualifiedName(target);
  const kind = await relationKind(client, target);
  if (kind === null) throw new CannotConvert(`table ${name} does not exist: nothing to convert`);
  if (kind === 'p') throw new CannotConvert(`table ${name} is already partitioned: nothing to do`);
  const { rows: cols } = await client.query<{ attname: string; attidentity: string; attnotnull: boolean }>(
    `SELECT attname, attidentity, attnotnull FROM pg_attribute
      WHERE attrelid = to_regclass($1) AND attname IN ('id', 'local_id', 'request_timestamp') AND NOT attisdropped`,
    [name],
  );
  const col = new Map(cols.map((c) => [c.attname, c]));
  for (const c of ['id', 'local_id', 'request_timestamp']) {
    if (!col.has(c)) throw new CannotConvert(`table ${name} has no ${c} column: not a results table`);
  }
  if (col.get('id')!.attidentity !== '') {
    throw new CannotConvert(
      `table ${name}: id is an identity column; only a serial id (the original's) is converted`,
    );
  }
  if (!col.get('request_timestamp')!.attnotnull) {
    throw new CannotConvert(
      `table ${name}: request_timestamp allows NULL; it must be NOT NULL to partition by it`,
    );
  }
  // A unique key of a partitioned table must contain the partition key; ours are rebuilt with it.
  const { rows: uniques } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1) AND i.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'request_timestamp'
                          AND a.attnum = ANY (i.indkey))
        AND pg_get_indexdef(i.indexrelid) !~ '\\((id|local_id)\\)$'`,
    [name],
  );
  if (uniques.length > 0) {
    throw new CannotConvert(
      `table ${name}: unique index ${uniques[0]!.name} does not contain request_timestamp, which a partitioned table requires; drop it or add the column first`,
    );
  }
  const kept = keptTable(target);
  if (await exists(client, kept)) {
    throw new CannotConvert(
      `${qualifiedName(kept)} already exists (an earlier conversion?): drop or rename it first`,
    );
  }
  const names = [
    defaultPartitionName(target.table),
    ...ranges.map((r) => partitionName(target.table, r.from)),
  ];
  for (const n of names) {
    const t = { schema: target.schema, table: n };
    if (await exists(client, t))
      throw new CannotConvert(`${qualifiedName(t)} already exists: drop or rename it first`);
  }
}

/**
 * The plan for `target`: its rows and their range, the partitions covering it plus the current
 * period and `ahead` more. Rejects with CannotConvert (one line) when the table cannot be converted.
 */
export async function planConversion(
  client: pg.ClientBase,
  target: RemoteTable,
  unit: PartitionUnit,
  ahead: number,
  now: number,
): Promise<ConversionPlan> {
  if ((await relationKind(client, target)) !== 'r') await checkConvertible(client, target, []);
  const { rows } = await client.query<{ n: string; min: string | null; max: string | null }>(
    `SELECT count(*)::text AS n,
            (extract(epoch FROM min(request_timestamp)) * 1000)::text AS min,
            (extract(epoch FROM max(request_timestamp)) * 1000)::text AS max
       FROM ${qualifiedName(target)}`,
  );
  const r = rows[0]!;
  const min = r.min === null ? null : Number(r.min);
  const max = r.max === null ? null : Number(r.max);
  const byStart = new Map<number, PartitionRange>();
  if (min !== null && max !== null) for (const x of rangesCovering(unit, min, max)) byStart.set(x.from, x);
  for (const x of rangesAhead(unit, now, ahead)) byStart.set(x.from, x);
  const ranges = [...byStart.values()].sort((a, b) => a.from - b.from);
  await checkConvertible(client, target, ranges);
  const { rows: views } = await client.query<{ v: string }>(
    `SELECT DISTINCT v.oid::regclass::text AS v FROM pg_depend d
       JOIN pg_rewrite w ON w.oid = d.objid JOIN pg_class v ON v.oid = w.ev_class
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = to_regclass($1) AND v.oid <> d.refobjid
      ORDER BY 1`,
    [qualifiedName(target)],
  );
  return { rows: Number(r.n), min, max, unit, ranges, views: views.map((v) => v.v) };
}
