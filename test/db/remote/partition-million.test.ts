import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { ORIGINAL_DDL, query } from '../../export/fixtures.js';
import { runMonitor } from '../../helpers/cli.js';
import { startCountingServer, startDaemon, tempConfig } from '../../helpers/daemon.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';
import { serviceConfig } from '../../helpers/services.js';
import { fillOriginalTable, tableDigest } from './original-table.js';

const target = await startCountingServer();
after(() => target.close());

/**
 * Issue 17: `monitor db partition` on a table with the original's exact columns and 1,000,000 rows
 * keeps every row (count and checksum over all columns, by id), while another writer keeps inserting
 * (its rows end up in the partitioned table); then a daemon exports into it.
 */
test('monitor db partition: 1,000,000 original rows and a concurrent writer, not one row lost', async () => {
  const url = await getTestDatabaseUrl();
  await query(url, ORIGINAL_DDL);
  await fillOriginalTable(url, 1_000_000, '2026-10-01 00:00:00', 60);
  const before = await tableDigest(url, 'monitoring');
  assert.equal(before.n, 1_000_000);

  // A writer like the original tool's exporter: one INSERT at a time, for as long as the conversion runs.
  const writer = new pg.Client({ connectionString: url });
  await writer.connect();
  let writing = true;
  let written = 0;
  const writes = (async () => {
    for (let i = 0; writing; i++) {
      const r = await writer.query(
        `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
           contains_exception, local_created_at)
         VALUES ($1, 'http://127.0.0.1/w', 'GET', timezone('utc', now()), false, false, false, timezone('utc', now()))
         ON CONFLICT DO NOTHING`,
        [`writer-${i}`],
      );
      written += r.rowCount ?? 0;
    }
  })();

  const cfg = tempConfig({ external_database_uri: url, services: [serviceConfig(`${target.url}/a`)] });
  try {
    const done = await runMonitor(['db', 'partition', '--yes', '--config-path', cfg.configPath], {
      timeoutMs: 600_000,
    });
    writing = false;
    await writes;
    await writer.end();
    assert.equal(done.code, 0, done.stderr);
    console.log(done.stdout.trim().split('\n').slice(-2, -1)[0]);
    const kind = await query<{ k: string }>(
      url,
      `SELECT relkind::text AS k FROM pg_class WHERE relname = 'monitoring'`,
    );
    assert.deepEqual(kind, [{ k: 'p' }]);
    assert.ok(written > 0);
    const [w] = await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM monitoring WHERE local_id LIKE 'writer-%'`,
    );
    const [old] = await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM monitoring_unpartitioned WHERE local_id LIKE 'writer-%'`,
    );
    const [both] = await query<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM monitoring_unpartitioned u JOIN monitoring m USING (local_id)
        WHERE local_id LIKE 'writer-%'`,
    );
    // Rows written before the lock were copied; rows that waited for it went to the new table.
    assert.equal(w!.n, written, 'every row the writer wrote is in the partitioned table');
    assert.equal(old!.n, both!.n, 'and none only in the old one');
    const orig = await query<{ n: number; h: string }>(
      url,
      `SELECT count(*)::int AS n, md5(string_agg(md5(m::text), '' ORDER BY id)) AS h
         FROM monitoring m WHERE local_id LIKE 'orig-%'`,
    );
    assert.deepEqual(orig[0], before, 'count and checksum of the original rows unchanged');
    const [inDefault] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM monitoring_default');
    assert.equal(inDefault!.n, 0, 'every row in its own partition');

    const d = startDaemon(cfg.configPath);
    try {
      await d.waitFor(/Exported \d+ records/, 60_000);
    } finally {
      assert.equal((await d.stop()).code, 0, d.output().slice(-2000));
    }
    const [agentRows] = await query<{ n: number }>(
      url,
      'SELECT count(*)::int AS n FROM monitoring WHERE agent IS NOT NULL',
    );
    assert.ok(agentRows!.n > 0, 'the daemon exported into the converted table');
  } finally {
    writing = false;
    cfg.remove();
  }
});
