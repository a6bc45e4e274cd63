import type pg from 'pg';
import { LIMITS } from '../../config/limits.js';
import type { RemotePartition } from '../../config/types.js';
import { errorCode } from '../../errors.js';
import { addPartition, longQuery } from './partition-add.js';
import {
  defaultPartitionName,
  listPartitions,
  nextStart,
  overlaps,
  type PartitionInfo,
  type PartitionRange,
  type PartitionUnit,
  rangesAhead,
  relationKind,
  serverNow,
  sibling,
  unitOfWidth,
} from './partitions.js';
import { qualifiedName, type RemoteTable } from './table.js';

/**
 * The `upkeep` job's work on the remote tables, by one agent at a time (a session advisory lock
 * taken with pg_try_advisory_lock: the others skip this round):
 * - create the partitions of the current period and `partitionsAhead` more; a period the DEFAULT
 *   partition holds rows of (late, or skewed clocks) gets its partition too, and the rows move there;
 * - drop the partitions whose whole range is older than `retentionDays` (a partition that may hold a
 *   newer row is never dropped) and delete the default partition's rows older than that;
 * - delete `<t>_rollup_minute` / `<t>_rollup_hour` rows whose bucket is older than
 *   `rollupRetentionDays`, when those tables exist.
 */

export interface UpkeepSettings {
  /** Partition size when a partitioned table has no partition to read it from. Default "day" ("none" too). */
  partition?: RemotePartition | undefined;
  /** Partitions kept ahead of the current one. Default 3 (LIMITS['remote.partitions_ahead']). */
  partitionsAhead?: number | undefined;
  /** Raw rows older than this many days go. Default null: kept. */
  retentionDays?: number | null | undefined;
  /** Rollup rows older than this many days go. Default null: kept. */
  rollupRetentionDays?: number | null | undefined;
  /** The clock, epoch ms. Default: PostgreSQL's now(), the same for every agent. */
  now?: number | undefined;
}

export interface UpkeepReport {
  /** False when another agent held the upkeep lock (nothing was done). */
  ran: boolean;
  /** One line per partition created or dropped, rows moved or deleted. */
  lines: string[];
  /** Settings that could not apply (retention on a table that is not partitioned). */
  notices: string[];
}

const DAY_MS = 86_400_000;

/** The advisory lock key: one upkeep per remote table across the fleet. */
export function upkeepLockKey(target: RemoteTable): string {
  return `monitor-upkeep:${target.schema}.${target.table}`;
}

/** The partition size of an existing table, read from its newest partition. */
function unitOf(parts: readonly PartitionInfo[], fallback: RemotePartition | undefined): PartitionUnit {
  const ranged = parts.filter(
    (p): p is PartitionInfo & PartitionRange => p.from !== undefined && p.to !== undefined,
  );
  ranged.sort((a, b) => b.from - a.from);
  const newest = ranged[0];
  const unit = newest ? unitOfWidth(newest) : null;
  return unit ?? (fallback === undefined || fallback === 'none' ? 'day' : fallback);
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** A lock not granted in time is not a failure of the job: it is tried again at the next upkeep. */
async function orLockTimeout(what: string, lines: string[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (errorCode(err) !== '55P03') throw err;
    lines.push(`${what}: a lock was not granted within 10 s (a long query?); tried again at the next upkeep`);
  }
}

/** The periods the default partition holds rows of, newer than `cutoff`. */
async function periodsInDefault(
  client: pg.ClientBase,
  target: RemoteTable,
  unit: PartitionUnit,
  cutoff: number | null,
): Promise<PartitionRange[]> {
  const def = sibling(target, defaultPartitionName(target.table));
  const { rows } = await client.query<{ s: string }>(
    longQuery(
      `SELECT DISTINCT (extract(epoch FROM date_trunc('${unit}', request_timestamp)) * 1000)::text AS s FROM ${def}`,
    ),
  );
  return rows
    .map((r) => Number(r.s))
    .map((from) => ({ from, to: nextStart(unit, from) }))
    .filter((r) => cutoff === null || r.to > cutoff);
}

async function partitionsStep(
  client: pg.ClientBase,
  target: RemoteTable,
  settings: UpkeepSettings,
  now: number,
  lines: string[],
): Promise<void> {
  const parts = await listPartitions(client, target);
  const hasDefault = parts.some((p) => p.isDefault);
  const unit = unitOf(parts, settings.partition);
  const days = settings.retentionDays ?? null;
  const cutoff = days === null ? null : now - days * DAY_MS;
  const ahead = settings.partitionsAhead ?? LIMITS['remote.partitions_ahead'].default;
  const wanted = rangesAhead(unit, now, ahead);
  if (hasDefault) wanted.push(...(await periodsInDefault(client, target, unit, cutoff)));
  wanted.sort((a, b) => a.from - b.from);
  for (const r of wanted) {
    if (overlaps(r, parts)) continue;
    await orLockTimeout(`partition for ${iso(r.from)}`, lines, async () => {
      const { name, moved } = await addPartition(client, target, r, hasDefault);
      parts.push({ name, isDefault: false, ...r });
      const from = moved > 0 ? `, ${moved} rows moved from the default partition` : '';
      lines.push(`created partition ${name} [${iso(r.from)}, ${iso(r.to)})${from}`);
    });
  }
  if (cutoff === null) return;
  for (const p of parts) {
    if (p.isDefault || p.to === undefined || p.to > cutoff) continue;
    await orLockTimeout(`dropping ${p.name}`, lines, async () => {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL lock_timeout = '10s'`);
        await client.query(`DROP TABLE ${sibling(target, p.name)}`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      lines.push(`dropped partition ${p.name} (every row older than ${iso(p.to!)}, retention ${days} days)`);
    });
  }
  if (hasDefault) {
    const def = sibling(target, defaultPartitionName(target.table));
    const res = await client.query(
      longQuery(`DELETE FROM ${def} WHERE request_timestamp < $1`, [iso(cutoff)]),
    );
    if ((res.rowCount ?? 0) > 0) {
      lines.push(
        `deleted ${res.rowCount} rows older than ${iso(cutoff)} from ${defaultPartitionName(target.table)}`,
      );
    }
  }
}

async function rollupStep(
  client: pg.ClientBase,
  target: RemoteTable,
  days: number,
  now: number,
  lines: string[],
): Promise<void> {
  for (const suffix of ['rollup_minute', 'rollup_hour']) {
    const name = sibling(target, `${target.table}_${suffix}`);
    const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [name]);
    if (!rows[0]?.t) continue;
    const cutoff = now - days * DAY_MS;
    const res = await client.query(
      longQuery(`DELETE FROM ${name} WHERE bucket < to_timestamp($1::float8 / 1000)`, [cutoff]),
    );
    if ((res.rowCount ?? 0) > 0) {
      lines.push(
        `deleted ${res.rowCount} rows of ${target.table}_${suffix} older than ${iso(cutoff)} (retention ${days} days)`,
      );
    }
  }
}

/** One upkeep round on `target` (see above). Rejects on a remote failure (the job is retried). */
export async function runUpkeep(
  client: pg.ClientBase,
  target: RemoteTable,
  settings: UpkeepSettings = {},
): Promise<UpkeepReport> {
  const key = upkeepLockKey(target);
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
    key,
  ]);
  if (!rows[0]?.ok) return { ran: false, lines: [], notices: [] };
  const lines: string[] = [];
  const notices: string[] = [];
  try {
    const now = settings.now ?? (await serverNow(client));
    const kind = await relationKind(client, target);
    if (kind === 'p') await partitionsStep(client, target, settings, now, lines);
    else if (kind === 'r' && (settings.retentionDays ?? null) !== null) {
      notices.push(
        `remote.retention_days is set but ${qualifiedName(target)} is not partitioned: no row is dropped (monitor db partition converts it)`,
      );
    }
    const rollupDays = settings.rollupRetentionDays ?? null;
    if (rollupDays !== null) await rollupStep(client, target, rollupDays, now, lines);
    return { ran: true, lines, notices };
  } finally {
    // A session lock outlives the transaction: give it back before the client returns to the pool.
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
  }
}
