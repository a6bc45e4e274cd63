/**
 * The rollup tables checked against the raw rows: every (service, location, minute / hour) bucket
 * of the raw table is aggregated here, in JavaScript (not with the exporter's SQL, so that the same
 * mistake cannot hide on both sides), and compared column by column with the rollup rows — first
 * the rollups merged with the pending rows not yet folded (the invariant at every commit), then,
 * after a fold by the `rollup` job's own function, the rollup tables alone.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { foldRollups } from '../../src/db/remote/rollup-fold.js';
import { DEFAULT_REMOTE_TABLE, qualifiedName, type RemoteTable } from '../../src/db/remote/table.js';

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

/** Merges `more` into `into` (same keys add up; min / max of the latency bounds). */
function mergeInto(into: Map<string, Row>, more: Iterable<[string, Row]>): void {
  for (const [key, row] of more) {
    const have = into.get(key);
    if (!have) {
      into.set(key, { ...row });
      continue;
    }
    for (const m of MEASURES) {
      const [a, b] = [have[m] as number | null, row[m] as number | null];
      if (m === 'latency_min_ms' || m === 'latency_max_ms') {
        const pick = m === 'latency_min_ms' ? Math.min : Math.max;
        have[m] = a === null ? b : b === null ? a : pick(a, b);
      } else have[m] = (a as number) + (b as number);
    }
  }
}

/**
 * The pending rows (per minute, possibly several per key) as minute or hour rows: grouped here,
 * in JavaScript, by the same rules as the raw rows.
 */
async function pendingRows(
  client: pg.Client,
  table: string,
  unit: keyof typeof UNIT_MS,
): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  const { rows } = await client.query<Row>(
    `SELECT service_key, location, (extract(epoch FROM bucket) * 1000)::float8 AS bucket,
            ${MEASURES.map((m) => `${m}::float8 AS ${m}`).join(', ')}
       FROM ${table}`,
  );
  for (const r of rows) {
    const at = r['bucket'] as number;
    const bucket = at - (((at % UNIT_MS[unit]) + UNIT_MS[unit]) % UNIT_MS[unit]);
    mergeInto(out, [[`${r['service_key']}|${r['location']}|${bucket}`, { ...r, bucket }]]);
  }
  return out;
}

export interface RollupCheck {
  /** Raw rows with a location (the ones the exporter rolled up). */
  raw: number;
  /** Pending rows there were before the fold (all folded since). */
  pending: number;
  minuteRows: number;
  hourRows: number;
  /** Distinct locations in the rollups. */
  locations: string[];
}

export interface RollupCheckOptions {
  /** Fold the pending rows (as the `rollup` job does) and check the rollup tables alone. Default true. */
  fold?: boolean;
}

/** Differences between the expected rows and the actual ones, one line each. */
function differences(unit: string, expected: Map<string, Row>, actual: Map<string, Row>): string[] {
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
  return diffs;
}

/**
 * Asserts that `<table>_rollup_minute` and `<table>_rollup_hour`, with the rows of
 * `<table>_rollup_pending` added, hold exactly the aggregates of the raw rows of `<table>` (every
 * bucket, every column, no bucket more or less); then folds (foldRollups, the job's function) and
 * asserts the same of the rollup tables alone, with nothing left pending. Each check reads the raw
 * rows, the rollups and the pending rows in one snapshot (REPEATABLE READ): with `fold: false` it
 * may run while exporters and folds do; the check after a fold needs the exporters stopped.
 */
export async function assertRollupsMatchRaw(
  url: string,
  target: RemoteTable = DEFAULT_REMOTE_TABLE,
  options: RollupCheckOptions = {},
): Promise<RollupCheck> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  const name = (suffix: string) =>
    qualifiedName({ schema: target.schema, table: `${target.table}${suffix}` });
  const check = async (withPending: boolean): Promise<RollupCheck> => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      const { rows: raw } = await client.query<RawRow>(
        `SELECT service_key, location, (extract(epoch FROM scheduled_at) * 1000)::bigint AS at_ms, state,
                duration_ms, status_code, maintenance
           FROM ${name('')} WHERE location IS NOT NULL`,
      );
      const [{ n } = { n: '0' }] = (
        await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name('_rollup_pending')}`)
      ).rows;
      const result: RollupCheck = {
        raw: raw.length,
        pending: Number(n),
        minuteRows: 0,
        hourRows: 0,
        locations: [],
      };
      for (const unit of ['minute', 'hour'] as const) {
        const actual = await rollupRows(client, name(`_rollup_${unit}`));
        if (withPending) mergeInto(actual, await pendingRows(client, name('_rollup_pending'), unit));
        if (unit === 'minute') result.minuteRows = actual.size;
        else result.hourRows = actual.size;
        if (unit === 'hour')
          result.locations = [...new Set([...actual.values()].map((r) => String(r['location'])))].sort();
        const diffs = differences(unit, aggregate(raw, unit), actual);
        const what = withPending ? 'rollups + pending' : 'rollups after the fold';
        assert.deepEqual(diffs.slice(0, 20), [], `${what}: ${diffs.length} differences`);
      }
      return result;
    } finally {
      await client.query('COMMIT');
    }
  };
  try {
    const before = await check(true);
    if (options.fold === false) return before;
    await foldRollups(client, target);
    const after = await check(false);
    assert.equal(after.pending, 0, 'the fold leaves nothing pending');
    return { ...after, pending: before.pending };
  } finally {
    await client.end();
  }
}
