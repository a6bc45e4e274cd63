import type pg from 'pg';
import {
  CannotConvert,
  type ConversionPlan,
  KEPT_SUFFIX,
  keptTable,
  planConversion,
} from './convert-plan.js';
import { columnList } from './partition-add.js';
import { defaultPartitionName, forValues, partitionName, quoteIdent, sibling } from './partitions.js';
import { qualifiedName, type RemoteTable } from './table.js';
import { upkeepLockKey } from './upkeep.js';

/**
 * `monitor db partition`: a plain results table converted in place, in ONE transaction, so that
 * either everything happened or nothing did:
 * 1. the migration's advisory lock (no agent migrates meanwhile), the upkeep's (none works on it),
 *    then LOCK TABLE … IN EXCLUSIVE MODE: writers (exports) wait, readers keep reading;
 * 2. a partitioned twin with the same columns, defaults and CHECKs (LIKE), its partitions covering
 *    every row plus the ones ahead, and a DEFAULT partition;
 * 3. every row copied (the count is checked), then the keys (id, request_timestamp) and
 *    (local_id, request_timestamp) and the table's other indexes built once, on the copied rows;
 * 4. the id sequence re-owned by the twin (dropping the old table later keeps it), the grants copied;
 * 5. the old table renamed `<t>_unpartitioned` with its indexes, the twin renamed `<t>`.
 * An export that waited on the lock resolves the table's name again when it gets it (PostgreSQL
 * does on a relation renamed under a waiting statement) and writes into the partitioned table.
 */

export { CannotConvert, type ConversionPlan, planConversion } from './convert-plan.js';

/** Name of the twin while it is built. */
const TWIN_SUFFIX = '_partitioning';

/** The longest table name whose `<t>_unpartitioned` and partition names fit in 63 characters. */
export const CONVERTIBLE_NAME_MAX = 63 - KEPT_SUFFIX.length;

interface IndexRow {
  name: string;
  def: string;
  /** p: the primary key, u: a unique constraint, null: a plain index. */
  con: 'p' | 'u' | null;
}

async function indexesOf(client: pg.ClientBase, target: RemoteTable): Promise<IndexRow[]> {
  const { rows } = await client.query<IndexRow>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, k.contype::text AS con
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
      WHERE i.indrelid = to_regclass($1) ORDER BY c.relname`,
    [qualifiedName(target)],
  );
  return rows;
}

/** The old index's name once its table is `<t>_unpartitioned`: `<t>_x` becomes `<t>_unpartitioned_x`. */
function keptIndexName(table: string, name: string, i: number): string {
  const renamed = name.startsWith(`${table}_`)
    ? `${table}${KEPT_SUFFIX}${name.slice(table.length)}`
    : `${name}${KEPT_SUFFIX}`;
  return renamed.length <= 63 ? renamed : `${name.slice(0, 50)}_old${i}`;
}

/** An index definition of the old table rewritten for the twin, under a temporary name. */
function twinIndexSql(def: string, tmpName: string, twin: string): string {
  const m =
    /^(CREATE (?:UNIQUE )?INDEX )(?:"(?:[^"]|"")+"|\S+)( ON )(?:ONLY )?(?:"(?:[^"]|"")+"|\S+)\.(?:"(?:[^"]|"")+"|\S+)( USING .*)$/s.exec(
      def,
    );
  if (!m) throw new CannotConvert(`cannot read the index definition ${def}`);
  return `${m[1]}${quoteIdent(tmpName)}${m[2]}${twin}${m[3]}`;
}

async function copyGrants(client: pg.ClientBase, target: RemoteTable, twin: string): Promise<void> {
  const { rows } = await client.query<{ grantee: string; privilege: string }>(
    `SELECT g.grantee, g.privilege_type AS privilege FROM information_schema.role_table_grants g
      WHERE g.table_schema = $1 AND g.table_name = $2
        AND g.grantee <> (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass($3))`,
    [target.schema, target.table, qualifiedName(target)],
  );
  for (const g of rows) {
    const who = g.grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(g.grantee);
    await client.query(`GRANT ${g.privilege} ON ${twin} TO ${who}`);
  }
}

export interface ConversionResult {
  plan: ConversionPlan;
  copied: number;
  kept: RemoteTable;
}

/** Convert `target` (see above); rejects with CannotConvert or the driver's error, nothing changed. */
export async function convertTable(
  client: pg.ClientBase,
  target: RemoteTable,
  options: { unit: ConversionPlan['unit']; ahead: number; now: number },
): Promise<ConversionResult> {
  if (target.table.length > CONVERTIBLE_NAME_MAX) {
    throw new CannotConvert(
      `table name ${target.table} is too long to convert (at most ${CONVERTIBLE_NAME_MAX} characters)`,
    );
  }
  const name = qualifiedName(target);
  const twinTable = `${target.table}${TWIN_SUFFIX}`;
  const twin = sibling(target, twinTable);
  const kept = keptTable(target);
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = '15s'`);
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`monitor-migrate:${name}`]);
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [upkeepLockKey(target)]);
    const kind = await client.query<{ k: string }>(
      `SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass($1)`,
      [name],
    );
    if (kind.rows[0]?.k !== 'r')
      await planConversion(client, target, options.unit, options.ahead, options.now);
    await client.query(`LOCK TABLE ${name} IN EXCLUSIVE MODE`);
    // Again under the lock: rows written since the question may reach further.
    const plan = await planConversion(client, target, options.unit, options.ahead, options.now);
    const left = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [twin]);
    if (left.rows[0]?.t)
      throw new CannotConvert(`${twin} already exists (an interrupted conversion?): drop it first`);
    await client.query(
      `CREATE TABLE ${twin} (LIKE ${name} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED
         INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (request_timestamp)`,
    );
    for (const r of plan.ranges) {
      await client.query(
        `CREATE TABLE ${sibling(target, partitionName(target.table, r.from))} PARTITION OF ${twin} ${forValues(r)}`,
      );
    }
    await client.query(
      `CREATE TABLE ${sibling(target, defaultPartitionName(target.table))} PARTITION OF ${twin} DEFAULT`,
    );
    const cols = await columnList(client, target);
    const copied =
      (await client.query(`INSERT INTO ${twin} (${cols}) SELECT ${cols} FROM ${name}`)).rowCount ?? 0;
    if (copied !== plan.rows) throw new Error(`copied ${copied} rows of ${plan.rows}; nothing changed`);

    const old = await indexesOf(client, target);
    const finalNames: Array<[string, string]> = [];
    // Temporary names (the old table's still hold the final ones); short enough for any table name.
    const pkey = `${target.table}_cv_pk`;
    const ukey = `${target.table}_cv_uk`;
    await client.query(
      `ALTER TABLE ${twin} ADD CONSTRAINT ${quoteIdent(pkey)} PRIMARY KEY (id, request_timestamp)`,
    );
    await client.query(
      `ALTER TABLE ${twin} ADD CONSTRAINT ${quoteIdent(ukey)} UNIQUE (local_id, request_timestamp)`,
    );
    finalNames.push(
      [pkey, `${target.table}_pkey`],
      [ukey, `${target.table}_local_id_request_timestamp_key`.slice(0, 63)],
    );
    let i = 0;
    for (const idx of old) {
      if (idx.con === 'p' || (idx.con === 'u' && /\((id|local_id)\)$/.test(idx.def))) continue;
      const tmp = `${target.table}_cv_i${i++}`;
      await client.query(twinIndexSql(idx.def, tmp, twin));
      finalNames.push([tmp, idx.name]);
    }
    const seq = await client.query<{ s: string | null }>(`SELECT pg_get_serial_sequence($1, 'id') AS s`, [
      name,
    ]);
    if (seq.rows[0]?.s) await client.query(`ALTER SEQUENCE ${seq.rows[0].s} OWNED BY ${twin}.id`);
    await copyGrants(client, target, twin);

    // The renames take the table's ACCESS EXCLUSIVE lock: wait for readers a while, not forever.
    await client.query(`SET LOCAL lock_timeout = '60s'`);
    await client.query(`ALTER TABLE ${name} RENAME TO ${quoteIdent(kept.table)}`);
    for (const [k, idx] of old.entries()) {
      await client.query(
        `ALTER INDEX ${sibling(target, idx.name)} RENAME TO ${quoteIdent(keptIndexName(target.table, idx.name, k))}`,
      );
    }
    await client.query(`ALTER TABLE ${twin} RENAME TO ${quoteIdent(target.table)}`);
    for (const [tmp, final] of finalNames) {
      await client.query(`ALTER INDEX ${sibling(target, tmp)} RENAME TO ${quoteIdent(final)}`);
    }
    await client.query('COMMIT');
    return { plan, copied, kept };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
