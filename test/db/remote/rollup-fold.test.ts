import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { insertParams, insertSql } from '../../../src/db/remote/insert.js';
import { migrateRemote } from '../../../src/db/remote/migrate.js';
import { foldLockKey, foldRollups, foldSql } from '../../../src/db/remote/rollup-fold.js';
import { DEFAULT_REMOTE_TABLE } from '../../../src/db/remote/table.js';
import { createExporter } from '../../../src/export/exporter.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { ProbeResult } from '../../../src/results/types.js';
import { openLocal, query } from '../../export/fixtures.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';
import { makeResult } from '../../helpers/results.js';
import { assertRollupsMatchRaw } from '../../helpers/rollups.js';

/**
 * The fold (src/db/remote/rollup-fold.ts) under interruption and concurrency: whatever happens,
 * rollups + pending equal the raw rows' aggregates, and after a completed fold the rollups alone do.
 * Interruptions are made deterministic with a row lock: another session holds one hour row FOR
 * UPDATE, so the fold statement has deleted its pending rows and upserted minutes and waits there.
 */

const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);
const LOCATION = 'fra';

/** `n` results of `services` services, one slot of each per second from `start`, varied states. */
function results(n: number, services: number, start: number, seed = 0): ProbeResult[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + seed;
    const at = start + Math.floor(k / services) * 1_000;
    const key = `svc-${k % services}`;
    const kind = i % 7;
    if (kind === 0)
      return makeResult(key, at, { statusCode: null, ok: false, errorClass: 'timeout', state: 'down' });
    if (kind === 1)
      return makeResult(key, at, { errorClass: 'condition', state: 'degraded', durationMs: 700 + i });
    return makeResult(key, at, { durationMs: (i * 37) % 12_000, maintenance: i % 13 === 0 });
  });
}

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  // A terminated backend reports here; the query's rejection is what the test checks.
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Exports `rows` with the export statement, in batches of 2000 (one statement each). */
async function exportRows(c: pg.Client, rows: readonly ProbeResult[]): Promise<void> {
  const sql = insertSql(DEFAULT_REMOTE_TABLE);
  for (let i = 0; i < rows.length; i += 2000) {
    await c.query(sql, [...insertParams(rows.slice(i, i + 2000)), LOCATION]);
  }
}

async function count(url: string, table: string): Promise<number> {
  const [row] = await query<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table}`);
  return row?.n ?? -1;
}

const SNAPSHOT_SQL = `SELECT 'm' AS u, * FROM monitoring_rollup_minute UNION ALL SELECT 'h', * FROM monitoring_rollup_hour ORDER BY 1, 2, 3, 4`;

/**
 * A database with folded rollups (so hour rows exist to lock) and 1600 pending rows of the same
 * hour. A statement of 2000 results of 400 services (5 s, one minute) appends one pending row per
 * service: 3 statements, then 4.
 */
async function loaded(url: string): Promise<pg.Client> {
  const c = await connect(url);
  await migrateRemote(c, DEFAULT_REMOTE_TABLE);
  await exportRows(c, results(6000, 400, T0));
  assert.equal((await foldRollups(c, DEFAULT_REMOTE_TABLE)).folded, 1200);
  await exportRows(c, results(8000, 400, T0 + 15_000, 3));
  return c;
}

/** Holds the hour row the fold upserts last (the key order), FOR UPDATE, until `release`. */
async function holdLastHourRow(url: string): Promise<{ release(): Promise<void> }> {
  const holder = await connect(url);
  await holder.query('BEGIN');
  const { rows } = await holder.query(
    `SELECT 1 FROM monitoring_rollup_hour ORDER BY service_key DESC, location DESC, bucket DESC LIMIT 1 FOR UPDATE`,
  );
  assert.equal(rows.length, 1);
  return {
    async release() {
      await holder.query('ROLLBACK');
      await holder.end();
    },
  };
}

/** The pid of the session whose fold statement waits for a lock (polled until it does). */
async function waitingFold(url: string): Promise<number> {
  for (;;) {
    const [row] = await query<{ pid: number }>(
      url,
      `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH d AS (DELETE%'`,
    );
    if (row) return row.pid;
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a fold whose connection is killed mid-statement, and one cut by statement_timeout, change nothing; the next fold is exact', async (t) => {
  const url = await getTestDatabaseUrl();
  const c = await loaded(url);
  t.after(() => c.end());
  const pendingBefore = await count(url, 'monitoring_rollup_pending');
  assert.equal(pendingBefore, 1600);
  const rollupsBefore = await query(url, SNAPSHOT_SQL);

  // 1. The connection killed while the statement waits half-way (pending rows deleted, minutes upserted).
  const hold = await holdLastHourRow(url);
  const victim = await connect(url);
  // The expectation is attached now: the rejection comes while the test is busy terminating.
  const killed = assert.rejects(foldRollups(victim, DEFAULT_REMOTE_TABLE), /terminat/);
  const pid = await waitingFold(url);
  await query(url, 'SELECT pg_terminate_backend($1)', [pid]);
  await killed;
  await victim.end().catch(() => {});
  assert.equal(await count(url, 'monitoring_rollup_pending'), pendingBefore);
  assert.deepEqual(await query(url, SNAPSHOT_SQL), rollupsBefore);
  await assertRollupsMatchRaw(url, DEFAULT_REMOTE_TABLE, { fold: false });

  // 2. The same wait cut by the server's statement_timeout.
  const timed = await connect(url);
  await timed.query('SET statement_timeout = 300');
  await assert.rejects(foldRollups(timed, DEFAULT_REMOTE_TABLE), /statement timeout/);
  // Rolled back, and the session is usable again.
  assert.deepEqual((await timed.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  await timed.end();
  await hold.release();
  assert.equal(await count(url, 'monitoring_rollup_pending'), pendingBefore);
  assert.deepEqual(await query(url, SNAPSHOT_SQL), rollupsBefore);

  // 3. The next fold takes everything, and the rollups alone are exact.
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 14_000);
  assert.equal(check.pending, 1600);
  assert.equal(await count(url, 'monitoring_rollup_pending'), 0);
});

test('two folds at once: while one holds the fold lock the other skips; together they fold every row once', async (t) => {
  const url = await getTestDatabaseUrl();
  const c = await loaded(url);
  t.after(() => c.end());
  // Deterministic: the first fold waits half-way on a row lock, holding the advisory lock.
  const hold = await holdLastHourRow(url);
  const first = await connect(url);
  t.after(() => first.end());
  const folding = foldRollups(first, DEFAULT_REMOTE_TABLE);
  await waitingFold(url);
  const second = await foldRollups(c, DEFAULT_REMOTE_TABLE);
  assert.deepEqual(second, { ran: false, folded: 0, steps: 0, more: false });
  await hold.release();
  const done = await folding;
  assert.equal(done.ran, true);
  assert.equal(done.folded, 1600);
  await assertRollupsMatchRaw(url, DEFAULT_REMOTE_TABLE, { fold: false });
  assert.equal(await count(url, 'monitoring_rollup_pending'), 0);

  // Free-running, in small steps: whoever gets the lock for each step, every row is folded once.
  await exportRows(c, results(8000, 400, T0 + 40_000, 5));
  const other = await connect(url);
  t.after(() => other.end());
  const reports = await Promise.all(
    [c, other].map(async (client) => {
      let folded = 0;
      // A skipped run ends at once; go on until nothing is left, as the periodic job would.
      while ((await count(url, 'monitoring_rollup_pending')) > 0) {
        folded += (await foldRollups(client, DEFAULT_REMOTE_TABLE, { maxRows: 500 })).folded;
      }
      return folded;
    }),
  );
  assert.equal(reports[0]! + reports[1]!, 1600, JSON.stringify(reports));
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 22_000);
});

test('folds while an exporter exports: rollups + pending stay exact at every check, and exact after the last fold', async (t) => {
  const url = await getTestDatabaseUrl();
  const local = openLocal();
  t.after(() => local.close());
  local.add(results(12_000, 300, T0));
  const exporter = createExporter({
    uri: url,
    source: local.source,
    logger: silentLogger(),
    location: LOCATION,
    batchSize: 500,
  });
  t.after(() => exporter.close());
  await exporter.migrate();
  const folder = await connect(url);
  t.after(() => folder.end());

  let exporting = true;
  let foldedDuringExport = 0;
  let checks = 0;
  let firstFold: () => void = () => {};
  const folded = new Promise<void>((resolve) => {
    firstFold = resolve;
  });
  const exportLoop = (async () => {
    try {
      let first = true;
      while (local.source.countUnexported() > 0) {
        const out = await exporter.exportOnce();
        assert.equal(out.retryAfterMs, null);
        // Wait until a fold has taken rows while most of the export is still to come.
        if (first) await folded;
        first = false;
      }
    } finally {
      exporting = false;
    }
  })();
  const foldLoop = (async () => {
    try {
      while (exporting) {
        const r = await foldRollups(folder, DEFAULT_REMOTE_TABLE, { maxRows: 700 });
        foldedDuringExport += r.folded;
        if (r.folded > 0) firstFold();
        if (foldedDuringExport > 0 && checks < 5) {
          await assertRollupsMatchRaw(url, DEFAULT_REMOTE_TABLE, { fold: false });
          checks++;
        }
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      // A failure here must not leave the export waiting.
      firstFold();
    }
  })();
  await Promise.all([exportLoop, foldLoop]);
  assert.ok(foldedDuringExport > 0);
  assert.ok(checks > 0);
  const check = await assertRollupsMatchRaw(url);
  assert.equal(check.raw, 12_000);
});

test('the fold statement and its lock key name the configured table', () => {
  const ops = { schema: 'ops', table: 'checks' };
  const sql = foldSql(ops);
  assert.match(sql, /^WITH d AS \(DELETE FROM "ops"\."checks_rollup_pending" /);
  assert.match(sql, /INSERT INTO "ops"\."checks_rollup_minute" AS r /);
  assert.match(sql, /INSERT INTO "ops"\."checks_rollup_hour" AS r /);
  assert.doesNotMatch(sql, /"monitoring/);
  assert.equal(foldLockKey(ops), 'monitor-rollup-fold:ops.checks');
});
