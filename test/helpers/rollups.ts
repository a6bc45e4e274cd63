/**
 * The rollup tables checked against the raw rows: every (service, location, minute / hour) bucket
 * of the raw table is aggregated here, in JavaScript (not with the exporter's SQL, so that the same
 * mistake cannot hide on both sides), and compared column by column with the rollup rows.
 */
import assert from 'node:assert/strict';
import pg from 'pg';

/** The latency histogram's upper bounds, ms, as docs/results.md states them (h_inf: the rest). */
const BOUNDS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const H = [...BOUNDS.map((b) => `h_${b}`), 'h_inf'];
const MEASURES = [
  'total',
  'up',
  'degraded',
  'down',
  'missed',
  'maintenance',
  'latency_count',
  'latency_sum_ms',
  'latency_min_ms',
  'latency_max_ms',
  ...H,
];

type Row = Record<string, number | string | null>;

interface RawRow {
  service_key: string;
  location: string;
  at_ms: string;
  state: string | null;
  duration_ms: number | null;
  status_code: number | null;
  maintenance: boolean;
}

const UNIT_MS = { minute: 60_000, hour: 3_600_000 } as const;

function aggregate(raw: readonly RawRow[], unit: keyof typeof UNIT_MS): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const r of raw) {
    const at = Number(r.at_ms);
    const bucket = at - (((at % UNIT_MS[unit]) + UNIT_MS[unit]) % UNIT_MS[unit]);
    const key = `${r.service_key}|${r.location}|${bucket}`;
    let row = out.get(key);
    if (!row) {
      row = { service_key: r.service_key, location: r.location, bucket };
      for (const m of MEASURES) row[m] = m === 'latency_min_ms' || m === 'latency_max_ms' ? null : 0;
      out.set(key, row);
    }
    const add = (m: string) => {
      row![m] = (row![m] as number) + 1;
    };
    add('total');
    if (r.state === 'up') add('up');
    if (r.state === 'degraded') add('degraded');
    if (r.state === 'down') add('down');
    if (r.state === 'unknown') add('missed');
    if (r.maintenance) add('maintenance');
    // A latency is the duration of a result that got a response.
    if (r.status_code !== null && r.duration_ms !== null) {
      const d = r.duration_ms;
      add('latency_count');
      row.latency_sum_ms = (row.latency_sum_ms as number) + d;
      row.latency_min_ms = row.latency_min_ms === null ? d : Math.min(row.latency_min_ms as number, d);
      row.latency_max_ms = row.latency_max_ms === null ? d : Math.max(row.latency_max_ms as number, d);
      const i = BOUNDS.findIndex((b) => d <= b);
      add(H[i === -1 ? BOUNDS.length : i]!);
    }
  }
  return out;
}

async function rollupRows(client: pg.Client, table: string): Promise<Map<string, Row>> {
  const { rows } = await client.query<Row>(
    `SELECT service_key, location, (extract(epoch FROM bucket) * 1000)::float8 AS bucket,
            ${MEASURES.map((m) => `${m}::float8 AS ${m}`).join(', ')}
       FROM ${table}`,
  );
  return new Map(rows.map((r) => [`${r['service_key']}|${r['location']}|${r['bucket']}`, r]));
}

export interface RollupCheck {
  /** Raw rows with a location (the ones the exporter rolled up). */
  raw: number;
  minuteRows: number;
  hourRows: number;
  /** Distinct locations in the rollups. */
  locations: string[];
}

/**
 * Asserts that `<table>_rollup_minute` and `<table>_rollup_hour` hold exactly the aggregates of the
 * raw rows of `<table>` (every bucket, every column, no bucket more or less). `table` is
 * schema-qualified SQL ("monitoring" by default, in the search path).
 */
export async function assertRollupsMatchRaw(url: string, table = 'monitoring'): Promise<RollupCheck> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows: raw } = await client.query<RawRow>(
      `SELECT service_key, location, (extract(epoch FROM scheduled_at) * 1000)::bigint AS at_ms, state,
              duration_ms, status_code, maintenance
         FROM ${table} WHERE location IS NOT NULL`,
    );
    const result: RollupCheck = { raw: raw.length, minuteRows: 0, hourRows: 0, locations: [] };
    for (const unit of ['minute', 'hour'] as const) {
      const expected = aggregate(raw, unit);
      const actual = await rollupRows(client, `${table}_rollup_${unit}`);
      const diffs: string[] = [];
      for (const [key, want] of expected) {
        const got = actual.get(key);
        if (!got) {
          diffs.push(`${unit} ${key}: missing`);
          continue;
        }
        for (const m of MEASURES) {
          if (got[m] !== want[m]) diffs.push(`${unit} ${key}: ${m} is ${got[m]}, raw rows say ${want[m]}`);
        }
      }
      for (const key of actual.keys()) if (!expected.has(key)) diffs.push(`${unit} ${key}: no raw rows`);
      assert.deepEqual(diffs.slice(0, 20), [], `${diffs.length} differences`);
      if (unit === 'minute') result.minuteRows = actual.size;
      else result.hourRows = actual.size;
      if (unit === 'hour')
        result.locations = [...new Set([...actual.values()].map((r) => String(r['location'])))].sort();
    }
    return result;
  } finally {
    await client.end();
  }
}
