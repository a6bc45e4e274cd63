import { qualifiedName, type RemoteTable, rollupPendingTable, rollupTables } from './table.js';

/**
 * The rollup SQL, in two halves.
 *
 * The export half (insert.ts): the results INSERT is a data-modifying CTE whose RETURNING holds only
 * the rows it inserted; from those, one plain INSERT appends each (service, location, UTC minute)'s
 * aggregates to `<t>_rollup_pending`, in the same statement. Rows absorbed by ON CONFLICT are not
 * returned, so a resent batch, a retried half of a bisected one or a late batch counts once and
 * only once. Appending is what makes it cheap: no index, no conflict check, no row lock — upserting
 * the rollup tables here (one row each per service and batch at 10,000 services) ran the statement
 * at 0.52 of the plain insert's speed.
 *
 * The fold half (rollup-fold.ts): one statement deletes a bounded set of pending rows and adds them
 * to `<t>_rollup_minute` and `<t>_rollup_hour` (upserts sorted by the key). Both halves commit
 * whole, so at every commit rollups + pending = the aggregates of the raw rows.
 *
 * Buckets are cut in UTC whatever the session's TimeZone (date_trunc's third argument, PostgreSQL
 * 12+); an hour of minutes is the hour of the raw rows, so folding minute aggregates into hours is
 * exact.
 */

/** Upper bounds (ms, inclusive) of the latency histogram's finite buckets; `h_inf` takes the rest. */
export const HISTOGRAM_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** The histogram's columns, in order: h_10 … h_10000, h_inf. */
export const HISTOGRAM_COLUMNS: readonly string[] = [...HISTOGRAM_BOUNDS_MS.map((b) => `h_${b}`), 'h_inf'];

/** What the results INSERT must return for the rollups. */
export const ROLLUP_RETURNING = 'service_key, scheduled_at, state, duration_ms, status_code, maintenance';

export type RollupUnit = 'minute' | 'hour';

/**
 * A result's latency: its duration when a response came (a status code), as the local live view
 * counts it — a timeout or a refused connection measures the deadline or the network, not the
 * service. NULL otherwise, so that count/sum/min/max skip it.
 */
const LATENCY = 'CASE WHEN status_code IS NOT NULL THEN duration_ms END';

function histogram(): string[] {
  const out: string[] = [];
  let lower: number | null = null;
  for (const bound of HISTOGRAM_BOUNDS_MS) {
    const above = lower === null ? '' : `lat > ${lower} AND `;
    out.push(`count(*) FILTER (WHERE ${above}lat <= ${bound})`);
    lower = bound;
  }
  out.push(`count(*) FILTER (WHERE lat > ${lower})`);
  return out;
}

type Merge = 'add' | 'least' | 'greatest';

/** Every rollup column after the key: its aggregate over raw rows, and how two values merge. */
const MEASURES: ReadonlyArray<{ name: string; aggregate: string; merge: Merge }> = [
  { name: 'total', aggregate: 'count(*)', merge: 'add' },
  { name: 'up', aggregate: `count(*) FILTER (WHERE state = 'up')`, merge: 'add' },
  { name: 'degraded', aggregate: `count(*) FILTER (WHERE state = 'degraded')`, merge: 'add' },
  { name: 'down', aggregate: `count(*) FILTER (WHERE state = 'down')`, merge: 'add' },
  // A missed slot is the only 'unknown' result (error_class 'missed'): nothing was probed.
  { name: 'missed', aggregate: `count(*) FILTER (WHERE state = 'unknown')`, merge: 'add' },
  { name: 'maintenance', aggregate: 'count(*) FILTER (WHERE maintenance)', merge: 'add' },
  { name: 'latency_count', aggregate: 'count(lat)', merge: 'add' },
  { name: 'latency_sum_ms', aggregate: 'coalesce(sum(lat), 0)', merge: 'add' },
  { name: 'latency_min_ms', aggregate: 'min(lat)', merge: 'least' },
  { name: 'latency_max_ms', aggregate: 'max(lat)', merge: 'greatest' },
  ...histogram().map((aggregate, i) => ({ name: HISTOGRAM_COLUMNS[i]!, aggregate, merge: 'add' as const })),
];

/** The rollup (and pending) columns after the key (service_key, location, bucket), in order. */
export const ROLLUP_MEASURES: readonly string[] = MEASURES.map((m) => m.name);

const NAMES = ['service_key', 'location', 'bucket', ...ROLLUP_MEASURES].join(', ');

/**
 * `INSERT INTO <t>_rollup_pending … SELECT … FROM <from> GROUP BY …`, for use as a CTE of the
 * export statement; `from` is the CTE holding the inserted rows, `location` the parameter ($n::text).
 */
export function rollupPendingSql(target: RemoteTable, from: string, location: string): string {
  return (
    `INSERT INTO ${qualifiedName(rollupPendingTable(target))} (${NAMES}) ` +
    `SELECT service_key, ${location}, date_trunc('minute', scheduled_at, 'UTC'), ` +
    `${MEASURES.map((m) => m.aggregate).join(', ')} ` +
    `FROM (SELECT service_key, scheduled_at, state, maintenance, ${LATENCY} AS lat FROM ${from}) AS i ` +
    'GROUP BY 1, 3'
  );
}

/**
 * Aggregates of already aggregated rows: counts add up (cast back to the column's type, so that a
 * second level of sums stays integer arithmetic), minima and maxima of minima and maxima.
 */
function reaggregate(m: (typeof MEASURES)[number]): string {
  if (m.merge === 'least') return `min(${m.name})`;
  if (m.merge === 'greatest') return `max(${m.name})`;
  return `sum(${m.name})::${m.name === 'latency_sum_ms' ? 'bigint' : 'int'}`;
}

function merged(m: (typeof MEASURES)[number]): string {
  const [r, e] = [`r.${m.name}`, `EXCLUDED.${m.name}`];
  // LEAST and GREATEST skip NULLs: a bucket without a latency yet takes the new one.
  if (m.merge === 'least') return `${m.name} = LEAST(${r}, ${e})`;
  if (m.merge === 'greatest') return `${m.name} = GREATEST(${r}, ${e})`;
  return `${m.name} = ${r} + ${e}`;
}

/**
 * `SELECT … FROM <from> GROUP BY (service_key, location, bucket)`: the fold's pending rows (several
 * per minute bucket: one per export statement that had results of it) merged into one per key.
 */
export function rollupGroupSql(from: string): string {
  return `SELECT service_key, location, bucket, ${MEASURES.map((m) => `${reaggregate(m)} AS ${m.name}`).join(', ')} FROM ${from} GROUP BY 1, 2, 3`;
}

/**
 * `INSERT INTO <t>_rollup_<unit> … ON CONFLICT … DO UPDATE`, for use as a CTE of the fold; `from` is
 * the CTE of rollupGroupSql (one row per minute bucket): the minutes go in as they are, the hours
 * are summed from them. Sorted by the key, so that anything else upserting these rows locks them in
 * the same order.
 */
export function rollupFoldSql(target: RemoteTable, unit: RollupUnit, from: string): string {
  const table = qualifiedName(rollupTables(target)[unit]);
  const rows =
    unit === 'minute'
      ? `SELECT ${NAMES} FROM ${from}`
      : `SELECT service_key, location, date_trunc('hour', bucket, 'UTC'), ${MEASURES.map(reaggregate).join(', ')} ` +
        `FROM ${from} GROUP BY 1, 2, 3`;
  return (
    `INSERT INTO ${table} AS r (${NAMES}) ${rows} ORDER BY 1, 2, 3 ` +
    `ON CONFLICT (service_key, location, bucket) DO UPDATE SET ${MEASURES.map(merged).join(', ')}`
  );
}
