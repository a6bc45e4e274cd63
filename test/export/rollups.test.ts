import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { test } from 'node:test';
import pg from 'pg';
import { createIncidentExportSource } from '../../src/db/local/index.js';
import { insertParams, insertSql } from '../../src/db/remote/insert.js';
import { HISTOGRAM_COLUMNS } from '../../src/db/remote/rollup-upsert.js';
import { DEFAULT_REMOTE_TABLE } from '../../src/db/remote/table.js';
import { createExporter } from '../../src/export/exporter.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ProbeResult } from '../../src/results/types.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { makeResult } from '../helpers/results.js';
import { assertRollupsMatchRaw } from '../helpers/rollups.js';
import { assertExportOnce, assertRemoteRows, exporterRig, openLocal, query } from './fixtures.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** A slot at the start of a UTC hour, so that buckets are easy to tell apart. */
const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);

/**
 * A mix that exercises every rollup column: each state, missed slots (no duration), maintenance,
 * failures without a response (a duration but no status: not a latency), and latencies on and
 * around every histogram bound. `n` results over services a–c from `start`, 7 s apart.
 */
function mixed(n: number, start: number, seed = 0): ProbeResult[] {
  // 17 values (prime to the 6 kinds below): every latency kind meets every value.
  const durations = [0, 10, 11, 25, 26, 50, 100, 250, 251, 500, 999, 1000, 2500, 5000, 10000, 10001, 60000];
  return Array.from({ length: n }, (_, k) => {
    const i = k + seed;
    const at = start + k * 7_000;
    const key = `svc-${'abc'[i % 3]}`;
    const d = durations[i % durations.length]!;
    const maintenance = i % 11 === 0;
    switch (i % 6) {
      case 0:
        return makeResult(key, at, {
          startedAt: null,
          durationMs: null,
          statusCode: null,
          ok: false,
          errorClass: 'missed',
          state: 'unknown',
          maintenance,
        });
      case 1:
        return makeResult(key, at, {
          statusCode: null,
          ok: false,
          errorClass: 'timeout',
          state: 'down',
          durationMs: 15_000,
          maintenance,
        });
      case 2:
        return makeResult(key, at, {
          statusCode: 503,
          ok: false,
          errorClass: 'http_status',
          state: 'down',
          durationMs: d,
          maintenance,
        });
      case 3:
        return makeResult(key, at, {
          errorClass: 'condition',
          state: 'degraded',
          durationMs: d,
          maintenance,
        });
      default:
        return makeResult(key, at, { durationMs: d, maintenance });
    }
  });
}

test('the export statement fills the rollups from the rows it inserted: every column matches the raw rows; sent twice, it adds nothing', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { location: 'fra-office' });
  const results = mixed(120, T0 + 20_000);
  local.add(results);
  await assertExportOnce(exporter, 120);
  const first = await assertRollupsMatchRaw(url);
  assert.equal(first.raw, 120);
  // The export statement appends per-minute aggregates; the rollup tables move at the fold.
  assert.ok(first.pending >= first.minuteRows, `${first.pending} pending rows before the fold`);
  assert.deepEqual(first.locations, ['fra-office']);
  // 120 results, 7 s apart from 08:00:20, over 3 services: 15 minutes, 2 hours.
  assert.ok(first.minuteRows >= 15 * 3 - 3, String(first.minuteRows));
  assert.equal(first.hourRows, 3 * 1, 'the 14 minutes lie in one hour');
  const [tally] = await query<Record<string, string>>(
    url,
    `SELECT sum(total) AS total, sum(missed) AS missed, sum(latency_count) AS lat, sum(maintenance) AS maint,
            ${HISTOGRAM_COLUMNS.map((h) => `sum(${h}) AS ${h}`).join(', ')} FROM monitoring_rollup_hour`,
  );
  assert.equal(tally?.['total'], '120');
  assert.equal(tally?.['missed'], '20');
  assert.equal(
    tally?.['lat'],
    '80',
    'the up, degraded and 503 results got a response; timeouts and missed did not',
  );
  for (const h of HISTOGRAM_COLUMNS) assert.ok(Number(tally?.[h]) > 0, `${h}: ${JSON.stringify(tally)}`);
  assert.ok(Number(tally?.['maint']) > 0);

  // The same batch again, as the statement a resend would run: nothing inserted, nothing counted.
  const before = await query(url, 'SELECT * FROM monitoring_rollup_minute ORDER BY 1, 2, 3');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const again = await client.query<{ inserted: number }>(insertSql(DEFAULT_REMOTE_TABLE), [
      ...insertParams(results),
      'fra-office',
    ]);
    assert.deepEqual(again.rows, [{ inserted: 0 }]);
  } finally {
    await client.end();
  }
  assert.deepEqual(await query(url, 'SELECT * FROM monitoring_rollup_minute ORDER BY 1, 2, 3'), before);
  assert.deepEqual(
    await query(url, 'SELECT count(*)::int AS n FROM monitoring_rollup_pending'),
    [{ n: 0 }],
    'nothing appended for a resend',
  );
  await assertRollupsMatchRaw(url);
  await assertRemoteRows(url, 120);
  const locations = await query<{ location: string; n: string }>(
    url,
    'SELECT location, count(*) AS n FROM monitoring GROUP BY 1',
  );
  assert.deepEqual(locations, [{ location: 'fra-office', n: '120' }]);
});

test('a crash after the remote COMMIT and before the local mark, then a resend with new rows: rollups count every row once', async (t) => {
  const {
    url,
    local,
    exporter: crashing,
  } = await exporterRig(t, {
    location: 'ams',
    afterCommit: () => {
      throw new Error('simulated crash after COMMIT');
    },
  });
  local.add(mixed(50, T0));
  await assert.rejects(crashing.exportOnce(), /simulated crash after COMMIT/);
  await crashing.close();
  assert.equal(local.source.countUnexported(), 50, 'not marked locally');
  // More rows of the same services and minutes: the resend mixes old and new rows in one batch.
  local.add(mixed(30, T0 + 3_500, 50));
  const exporter = createExporter({
    uri: url,
    source: local.source,
    logger: silentLogger(),
    location: 'ams',
  });
  t.after(() => exporter.close());
  await assertExportOnce(exporter, 80);
  await assertRemoteRows(url, 80);
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 80);
  const [sum] = await query<{ n: string }>(url, 'SELECT sum(total) AS n FROM monitoring_rollup_minute');
  assert.equal(sum?.n, '80');
});

test('a row refused in the middle of a batch: the bisected retries count only the rows that went in', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { location: 'lon' });
  await query(url, `ALTER TABLE monitoring ADD CONSTRAINT no_poison CHECK (url NOT LIKE '%poison%')`);
  const results = mixed(64, T0);
  for (const i of [5, 33, 34, 60]) results[i] = { ...results[i]!, url: `http://127.0.0.1/poison/${i}` };
  local.add(results);
  const out = await exporter.exportOnce();
  assert.deepEqual(out, { exported: 60, full: false, setAside: 4, retryAfterMs: null });
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 60);
  const [sum] = await query<{ n: string }>(url, 'SELECT sum(total) AS n FROM monitoring_rollup_hour');
  assert.equal(sum?.n, '60', 'the refused rows are not counted, the rows of the failed attempts once');
});

test('a late batch (slots hours ago) lands in its own buckets and merges with what is there; UTC buckets whatever the session time zone', async (t) => {
  // A half-hour zone for every session (the exporter's too): an hour cut in the session's zone
  // would not be a UTC hour.
  const given = await getTestDatabaseUrl();
  const [{ db } = { db: '' }] = await query<{ db: string }>(given, 'SELECT current_database() AS db');
  await query(given, `ALTER DATABASE "${db}" SET timezone = 'Asia/Kolkata'`);
  const { url, local, exporter } = await exporterRig(t, { url: given, location: 'nyc' });
  const [{ TimeZone: tz } = { TimeZone: '' }] = await query<{ TimeZone: string }>(url, 'SHOW timezone');
  assert.equal(tz, 'Asia/Kolkata');
  const now = T0 + 6 * HOUR;
  local.add(mixed(40, now));
  await assertExportOnce(exporter, 40);
  // First a part of the late hours, then the rest (other slots of the same minutes) and more.
  local.add(mixed(40, now - 5 * HOUR + 1_000, 7));
  await assertExportOnce(exporter, 40);
  local.add([...mixed(40, now - 5 * HOUR + 4_500, 11), ...mixed(20, now - 3 * HOUR - 30 * MINUTE, 3)]);
  await assertExportOnce(exporter, 60);
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 140);
  const hours = await query<{ h: string; n: string }>(
    url,
    `SELECT to_char(bucket AT TIME ZONE 'UTC', 'HH24:MI') AS h, sum(total)::text AS n
       FROM monitoring_rollup_hour GROUP BY 1 ORDER BY 1`,
  );
  // now is 14:00 UTC; the late rows are from 09:00 (two batches) and 10:30.
  assert.deepEqual(hours, [
    { h: '09:00', n: '80' },
    { h: '10:00', n: '20' },
    { h: '14:00', n: '40' },
  ]);
});

test('two locations into one table: a rollup row per location', async (t) => {
  const url = (await exporterRig(t, { migrate: true })).url;
  const results = mixed(60, T0);
  for (const location of ['fra', 'sfo']) {
    const local = openLocal();
    t.after(() => local.close());
    // Each agent probed the same services at the same slots (replicate mode): rows of its own.
    local.add(
      results.map((r) => ({ ...r, id: `${r.id.slice(0, -3)}${location}`, agent: `agent-${location}` })),
    );
    const exporter = createExporter({ uri: url, source: local.source, logger: silentLogger(), location });
    t.after(() => exporter.close());
    await assertExportOnce(exporter, 60);
  }
  const check = await assertRollupsMatchRaw(url);
  assert.deepEqual(check.locations, ['fra', 'sfo']);
  const per = await query<{ location: string; n: string }>(
    url,
    'SELECT location, sum(total)::text AS n FROM monitoring_rollup_minute GROUP BY 1 ORDER BY 1',
  );
  assert.deepEqual(per, [
    { location: 'fra', n: '60' },
    { location: 'sfo', n: '60' },
  ]);
});

test('two agents of one location exporting the same services and minutes at once: no deadlock, every row counted once', async (t) => {
  const url = (await exporterRig(t)).url;
  const agents = ['a', 'b'].map((name, n) => {
    const local = openLocal();
    t.after(() => local.close());
    // Interleaved slots of the same services and minutes; the second agent's rows in reverse order.
    const rows = mixed(600, T0 + n * 1_000, n);
    local.add(n === 0 ? rows : rows.reverse());
    const exporter = createExporter({
      uri: url,
      source: local.source,
      logger: silentLogger(),
      location: 'shared-dc',
      batchSize: 37,
    });
    t.after(() => exporter.close());
    return { name, local, exporter };
  });
  await Promise.all(
    agents.map(async ({ local, exporter }) => {
      while (local.source.countUnexported() > 0) {
        const out = await exporter.exportOnce();
        assert.equal(out.retryAfterMs, null, 'no failure (a deadlock would be one)');
      }
    }),
  );
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 1200);
});

test('without a location the exporter writes the default agent name (the host name)', async (t) => {
  const { url, local, exporter } = await exporterRig(t);
  local.add(mixed(5, T0));
  await assertExportOnce(exporter, 5);
  const rows = await query<{ location: string }>(url, 'SELECT DISTINCT location FROM monitoring');
  assert.deepEqual(rows, [{ location: hostname() }]);
  await assertRollupsMatchRaw(url);
});

test('incidents carry the exporting agent location, moved by a newer version from elsewhere', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { withIncidents: true, location: 'fra' });
  const put = (version: number) =>
    local.ldb.sqlite
      .prepare(
        `INSERT INTO incidents (id, agent, service_key, url, method, kind, opened_at, cause, first_result_id,
           opening_result_id, version)
         VALUES ('inc-1', 'test-agent', 'svc-a', 'http://127.0.0.1/a', 'GET', 'down', ?, 'connect', 'r1', 'r3', ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      )
      .run(T0, version);
  put(1);
  local.add(mixed(3, T0));
  await assertExportOnce(exporter, 3);
  assert.deepEqual(await query(url, 'SELECT id, location, version FROM monitoring_incidents'), [
    { id: 'inc-1', location: 'fra', version: 1 },
  ]);
  await exporter.close();
  put(2);
  const moved = createExporter({
    uri: url,
    source: local.source,
    incidents: createIncidentExportSource(local.ldb),
    logger: silentLogger(),
    location: 'fra-2',
  });
  t.after(() => moved.close());
  await assertExportOnce(moved, 0);
  assert.deepEqual(await query(url, 'SELECT id, location, version FROM monitoring_incidents'), [
    { id: 'inc-1', location: 'fra-2', version: 2 },
  ]);
});

/** The ```sql blocks of docs/results.md's "Querying them" paragraph, in order. */
function documentedQueries(): string[] {
  const doc = readFileSync(new URL('../../../docs/results.md', import.meta.url), 'utf8');
  const from = doc.indexOf('**Querying them.**');
  const to = doc.indexOf('\n## ', from);
  assert.ok(from > 0 && to > from, 'docs/results.md has the rollup query examples');
  return [...doc.slice(from, to).matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test('the documented dashboard queries run on the rollups and give the right uptime, latency and p95', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { location: 'fra-office' });
  const key = 'svc-q';
  const at = (s: number) => T0 + s * 1000;
  const fra = [5, 15, 30, 60, 120, 300, 700, 1500].map((d, s) => makeResult(key, at(s), { durationMs: d }));
  fra.push(
    makeResult(key, at(20), {
      statusCode: 503,
      ok: false,
      errorClass: 'http_status',
      state: 'down',
      durationMs: 4000,
    }),
  );
  fra.push(
    makeResult(key, at(30), {
      startedAt: null,
      durationMs: null,
      statusCode: null,
      ok: false,
      errorClass: 'missed',
      state: 'unknown',
    }),
  );
  local.add(fra);
  await assertExportOnce(exporter, 10);
  const other = openLocal();
  t.after(() => other.close());
  other.add([makeResult(key, at(40), { durationMs: 20 }), makeResult(key, at(50), { durationMs: 20 })]);
  const sfo = createExporter({ uri: url, source: other.source, logger: silentLogger(), location: 'sfo' });
  t.after(() => sfo.close());
  await assertExportOnce(sfo, 2);
  await assertRollupsMatchRaw(url);

  const queries = documentedQueries();
  assert.equal(queries.length, 3);
  // Grafana's macros written out: the service, and the dashboard's time range.
  const run = (sql: string) =>
    query<Record<string, unknown>>(
      url,
      sql
        .replaceAll("'$service'", '$1')
        // In the replacement, $1 is the column; $2 and $3 (no such groups) stay as written.
        .replace(
          /\$__timeFilter\(([\w.]+)\)/g,
          '$1 >= to_timestamp($2 / 1000.0) AND $1 < to_timestamp($3 / 1000.0)',
        ),
      [key, T0 - HOUR, T0 + HOUR],
    );
  const round = (v: unknown) => Math.round(Number(v) * 100) / 100;
  const perLocation = await run(queries[0]!);
  assert.deepEqual(
    perLocation
      .map((r) => [(r['time'] as Date).getTime(), r['metric'], round(r['uptime_pct'])])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      [T0, 'fra-office', 88.89],
      [T0, 'sfo', 100],
    ],
  );
  const fleet = await run(queries[1]!);
  assert.deepEqual(
    fleet.map((r) => [
      (r['time'] as Date).getTime(),
      round(r['uptime_pct']),
      round(r['mean_latency_ms']),
      r['max_latency_ms'],
    ]),
    [[T0, 90.91, 615.45, 4000]],
  );
  const p95 = await run(queries[2]!);
  assert.deepEqual(
    p95.map((r) => [(r['time'] as Date).getTime(), r['p95_le_ms']]),
    [[T0, 5000]],
  );
});
