/**
 * The dashboard query of issue 17 on a large table: "last 24 h, one service, per minute", from the
 * raw results and from the minute rollups, on a real PostgreSQL (embedded, durable settings).
 *
 * The table is the one monitor creates (partitioned by day, rollup tables beside it), filled by SQL
 * as a fleet would have filled it: `services` services probed every 5 s for as long as `rows`
 * takes, ending now; the rollups are made from those raw rows by the exporter's own statements
 * (the pending deltas of rollupPendingSql, then foldRollups), an hour of rows at a time. Then each query runs `repeat` times (the first is reported apart:
 * nothing of it cached by PostgreSQL yet) and the medians are compared.
 */
import pg from 'pg';
import { migrateRemote } from '../src/db/remote/migrate.js';
import { foldRollups } from '../src/db/remote/rollup-fold.js';
import { ROLLUP_RETURNING, rollupPendingSql } from '../src/db/remote/rollup-upsert.js';
import type { RemoteTable } from '../src/db/remote/table.js';
import { createDatabaseOn, startEmbeddedPostgres } from '../test/helpers/pg.js';

export interface FleetQueryOptions {
  /** Raw rows. Default 50,000,000. */
  rows?: number;
  /** Services; each gets rows / services results 5 s apart. Default 1,000. */
  services?: number;
  /** Runs of each query. Default 7. */
  repeat?: number;
}

const DAY = 86_400_000;
const T: RemoteTable = { schema: 'public', table: 'monitoring' };
const SLOT_MS = 5_000;
/** Slots generated per INSERT statement: bounded transactions, progress visible. */
const SLOTS_PER_STATEMENT = 720;

export interface FleetQueryReport {
  rows: number;
  services: number;
  days: number;
  generateSeconds: number;
  rollupSeconds: number;
  tableBytes: number;
  rollupBytes: number;
  raw: { firstMs: number; medianMs: number; rows: number };
  rollup: { firstMs: number; medianMs: number; rows: number };
  speedup: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await f();
  return [v, performance.now() - t0];
}

/** A day partition for every day of [from, to), created before any row arrives (else: default). */
async function dayPartitions(c: pg.Client, from: number, to: number): Promise<void> {
  for (let d = Math.floor(from / DAY) * DAY; d < to; d += DAY) {
    const name = `monitoring_p${new Date(d).toISOString().slice(0, 10).replaceAll('-', '')}`;
    const lo = new Date(d).toISOString().slice(0, 10);
    const hi = new Date(d + DAY).toISOString().slice(0, 10);
    await c.query(
      `CREATE TABLE IF NOT EXISTS public.${name} PARTITION OF public.monitoring FOR VALUES FROM ('${lo}') TO ('${hi}')`,
    );
  }
}

export async function fleetQueryBench(o: FleetQueryOptions = {}): Promise<FleetQueryReport> {
  const rows = o.rows ?? 50_000_000;
  const services = o.services ?? 1_000;
  const repeat = o.repeat ?? 7;
  const slots = Math.ceil(rows / services);
  const end = Math.floor(Date.now() / SLOT_MS) * SLOT_MS;
  const start = end - slots * SLOT_MS;
  const server = await startEmbeddedPostgres({ fast: false });
  const url = await createDatabaseOn(server.url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await migrateRemote(c, T);
    await dayPartitions(c, start, end + DAY);
    const [, genMs] = await timed(async () => {
      for (let s0 = 0; s0 < slots; s0 += SLOTS_PER_STATEMENT) {
        const s1 = Math.min(slots, s0 + SLOTS_PER_STATEMENT);
        // One service in 50 is down for a slot in 20; latencies 20-220 ms; times on the slot grid.
        await c.query(
          `INSERT INTO public.monitoring (local_id, url, method, request_timestamp, regex_check_required,
             contains_regex, contains_exception, status_code, response_timestamp, local_created_at,
             agent, service_key, scheduled_at, started_at, finished_at, duration_ms, ok, state, location)
           SELECT lpad(s::text, 9, '0') || '-' || lpad(k::text, 6, '0'),
             'https://service-' || k || '.example.internal/health', 'GET',
             to_timestamp(($1::float8 + s * ${SLOT_MS}) / 1000) AT TIME ZONE 'UTC', false, false, false,
             CASE WHEN down THEN 503 ELSE 200 END,
             to_timestamp(($1::float8 + s * ${SLOT_MS} + lat) / 1000) AT TIME ZONE 'UTC',
             to_timestamp(($1::float8 + s * ${SLOT_MS} + lat) / 1000) AT TIME ZONE 'UTC',
             'bench', 'svc-' || k, to_timestamp(($1::float8 + s * ${SLOT_MS}) / 1000),
             to_timestamp(($1::float8 + s * ${SLOT_MS}) / 1000),
             to_timestamp(($1::float8 + s * ${SLOT_MS} + lat) / 1000), lat, NOT down,
             CASE WHEN down THEN 'down' ELSE 'up' END, 'bench-location'
           FROM generate_series($2::int, $3::int - 1) AS s, generate_series(0, $4::int - 1) AS k,
             LATERAL (SELECT (k % 50 = 0 AND s % 20 = 0) AS down, 20 + ((s * 7 + k * 13) % 200) AS lat) x`,
          [start, s0, s1, services],
        );
      }
    });
    const [, rollMs] = await timed(async () => {
      for (let s0 = 0; s0 < slots; s0 += SLOTS_PER_STATEMENT) {
        const from = new Date(start + s0 * SLOT_MS);
        const to = new Date(start + Math.min(slots, s0 + SLOTS_PER_STATEMENT) * SLOT_MS);
        await c.query(
          // request_timestamp is the partition key (and indexed): one partition, an index range.
          `WITH ins AS (SELECT ${ROLLUP_RETURNING} FROM public.monitoring
             WHERE request_timestamp >= ($1::timestamptz AT TIME ZONE 'UTC')
               AND request_timestamp < ($2::timestamptz AT TIME ZONE 'UTC'))
           ${rollupPendingSql(T, 'ins', `'bench-location'::text`)}`,
          [from, to],
        );
        for (;;) if (!(await foldRollups(c, T)).more) break;
      }
    });
    await c.query('VACUUM ANALYZE');
    const size = async (rel: string) =>
      Number(
        (await c.query<{ b: string }>(`SELECT pg_total_relation_size($1)::text AS b`, [rel])).rows[0]?.b ?? 0,
      );
    const parts = await c.query<{ b: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::text AS b FROM pg_inherits
        WHERE inhparent = 'public.monitoring'::regclass`,
    );
    const key = `svc-${Math.floor(services / 2)}`;
    const from = new Date(end - DAY);
    const to = new Date(end);
    const rawSql = `SELECT date_trunc('minute', scheduled_at) AS minute, count(*) AS n,
        count(*) FILTER (WHERE state = 'down') AS down, avg(duration_ms) AS latency
      FROM public.monitoring
      WHERE service_key = $1 AND scheduled_at >= $2 AND scheduled_at < $3
        AND request_timestamp >= ($2::timestamptz AT TIME ZONE 'UTC') - interval '1 minute'
        AND request_timestamp < ($3::timestamptz AT TIME ZONE 'UTC') + interval '1 minute'
      GROUP BY 1 ORDER BY 1`;
    const rollupSql = `SELECT bucket AS minute, sum(total) AS n, sum(down) AS down,
        sum(latency_sum_ms)::float8 / nullif(sum(latency_count), 0) AS latency
      FROM public.monitoring_rollup_minute
      WHERE service_key = $1 AND bucket >= $2 AND bucket < $3
      GROUP BY 1 ORDER BY 1`;
    const run = async (text: string) => {
      const ms: number[] = [];
      let n = 0;
      for (let i = 0; i < repeat; i++) {
        const [r, d] = await timed(() => c.query(text, [key, from, to]));
        ms.push(d);
        n = r.rowCount ?? 0;
      }
      return { firstMs: +(ms[0] as number).toFixed(1), medianMs: +median(ms.slice(1)).toFixed(2), rows: n };
    };
    const raw = await run(rawSql);
    const rollup = await run(rollupSql);
    return {
      rows: slots * services,
      services,
      days: +((slots * SLOT_MS) / DAY).toFixed(2),
      generateSeconds: +(genMs / 1000).toFixed(1),
      rollupSeconds: +(rollMs / 1000).toFixed(1),
      tableBytes: Number(parts.rows[0]?.b ?? 0),
      rollupBytes: await size('public.monitoring_rollup_minute'),
      raw,
      rollup,
      speedup: +(raw.medianMs / rollup.medianMs).toFixed(1),
    };
  } finally {
    await c.end();
    await server.destroy();
  }
}
