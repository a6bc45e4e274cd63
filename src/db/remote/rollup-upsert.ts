import { qualifiedName, type RemoteTable, rollupTables } from './table.js';

/**
 * The rollup half of the export statement (insert.ts): from the rows the results INSERT actually
 * inserted (its RETURNING, a CTE), one upsert per rollup table adds each (service, location,
 * bucket)'s counts to what the row already holds. Rows absorbed by ON CONFLICT are not returned, so
 * a resent batch, a retried half of a bisected one or a late batch counts once and only once.
 *
 * The upserts' rows are sorted by the key: two agents whose batches touch the same keys (one
 * location, or share mode) lock them in the same order and wait for each other instead of
 * deadlocking. Buckets are cut in UTC whatever the session's TimeZone (date_trunc's third argument,
 * PostgreSQL 12+).
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

/** Every rollup column after the key, with its aggregate over the inserted rows and its merge. */
const MEASURES: ReadonlyArray<{ name: string; aggregate: string; merge: 'add' | 'least' | 'greatest' }> = [
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

/** The rollup columns after the key (service_key, location, bucket), in the table's order. */
export const ROLLUP_MEASURES: readonly string[] = MEASURES.map((m) => m.name);

function merged(m: (typeof MEASURES)[number]): string {
  const [r, e] = [`r.${m.name}`, `EXCLUDED.${m.name}`];
  // LEAST and GREATEST skip NULLs: a bucket without a latency yet takes the new one.
  if (m.merge === 'least') return `${m.name} = LEAST(${r}, ${e})`;
  if (m.merge === 'greatest') return `${m.name} = GREATEST(${r}, ${e})`;
  return `${m.name} = ${r} + ${e}`;
}

/**
 * `INSERT INTO <table>_rollup_<unit> … SELECT … FROM <from> GROUP BY … ON CONFLICT … DO UPDATE`,
 * for use as a CTE; `from` is the CTE holding the inserted rows, `location` the parameter ($n::text).
 */
export function rollupUpsertSql(
  target: RemoteTable,
  unit: RollupUnit,
  from: string,
  location: string,
): string {
  const table = qualifiedName(rollupTables(target)[unit]);
  const names = ['service_key', 'location', 'bucket', ...ROLLUP_MEASURES];
  return (
    `INSERT INTO ${table} AS r (${names.join(', ')}) ` +
    `SELECT service_key, ${location}, date_trunc('${unit}', scheduled_at, 'UTC'), ` +
    `${MEASURES.map((m) => m.aggregate).join(', ')} ` +
    `FROM (SELECT service_key, scheduled_at, state, maintenance, ${LATENCY} AS lat FROM ${from}) AS i ` +
    'GROUP BY 1, 3 ORDER BY 1, 3 ' +
    `ON CONFLICT (service_key, location, bucket) DO UPDATE SET ${MEASURES.map(merged).join(', ')}`
  );
}
