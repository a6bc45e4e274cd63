import type pg from 'pg';
import {
  defaultPartitionName,
  forValues,
  naiveLiteral,
  type PartitionRange,
  partitionName,
  quoteIdent,
  sibling,
} from './partitions.js';
import { qualifiedName, type RemoteTable } from './table.js';

/** Longest a statement of partition upkeep may run, ms (10 minutes: moving many late rows). */
export const UPKEEP_STATEMENT_MS = 600_000;

/**
 * A statement with no client-side cut-off below the server's: the exporter's pool gives every query
 * a timeout of the export's size, too short to move a day of late rows.
 */
export function longQuery(text: string, values?: unknown[]): pg.QueryConfig & { query_timeout: number } {
  return { text, ...(values ? { values } : {}), query_timeout: UPKEEP_STATEMENT_MS + 60_000 };
}

/** The parent's live columns, in order, quoted: rows are moved by name, never by position. */
export async function columnList(client: pg.ClientBase, target: RemoteTable): Promise<string> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped
      ORDER BY attnum`,
    [qualifiedName(target)],
  );
  return rows.map((r) => quoteIdent(r.attname)).join(', ');
}

/**
 * Add the partition for `range`, taking over the rows the DEFAULT partition holds for it, in one
 * transaction. PostgreSQL refuses `CREATE TABLE … PARTITION OF` while the default partition holds
 * rows of the new range, so: lock the default partition against writers (readers keep reading), make
 * the new table standalone, move the rows into it (DELETE … RETURNING feeding an INSERT), and
 * ATTACH it. An INSERT routed to the default partition meanwhile waits and then goes to the new
 * partition. Returns the partition's name and the rows moved.
 */
export async function addPartition(
  client: pg.ClientBase,
  target: RemoteTable,
  range: PartitionRange,
  hasDefault: boolean,
): Promise<{ name: string; moved: number }> {
  const parent = qualifiedName(target);
  const name = partitionName(target.table, range.from);
  const part = sibling(target, name);
  await client.query('BEGIN');
  try {
    // Queue behind a long dashboard query for a while, not forever (and not holding others up).
    await client.query(`SET LOCAL lock_timeout = '10s'`);
    await client.query(`SET LOCAL statement_timeout = '${UPKEEP_STATEMENT_MS}'`);
    if (!hasDefault) {
      await client.query(`CREATE TABLE ${part} PARTITION OF ${parent} ${forValues(range)}`);
      await client.query('COMMIT');
      return { name, moved: 0 };
    }
    const def = sibling(target, defaultPartitionName(target.table));
    await client.query(`LOCK TABLE ${def} IN EXCLUSIVE MODE`);
    // ATTACH wants the parent's CHECK constraints on the table too (NOT NULLs come with LIKE).
    await client.query(`CREATE TABLE ${part} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    const cols = await columnList(client, target);
    const inRange = `request_timestamp >= ${naiveLiteral(range.from)} AND request_timestamp < ${naiveLiteral(range.to)}`;
    const moved = await client.query(
      longQuery(
        `WITH moved AS (DELETE FROM ${def} WHERE ${inRange} RETURNING ${cols})
         INSERT INTO ${part} (${cols}) SELECT ${cols} FROM moved`,
      ),
    );
    // A CHECK that implies the bound lets ATTACH skip scanning the new partition; dropped after.
    const check = quoteIdent(`${name}_bound`.slice(0, 63));
    await client.query(`ALTER TABLE ${part} ADD CONSTRAINT ${check} CHECK (${inRange})`);
    await client.query(longQuery(`ALTER TABLE ${parent} ATTACH PARTITION ${part} ${forValues(range)}`));
    await client.query(`ALTER TABLE ${part} DROP CONSTRAINT ${check}`);
    await client.query('COMMIT');
    return { name, moved: moved.rowCount ?? 0 };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
