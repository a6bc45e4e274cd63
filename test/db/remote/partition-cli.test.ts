import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ORIGINAL_DDL, query } from '../../export/fixtures.js';
import { runMonitor } from '../../helpers/cli.js';
import { startCountingServer, startDaemon, tempConfig } from '../../helpers/daemon.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';
import { serviceConfig } from '../../helpers/services.js';
import { fillOriginalTable, tableDigest } from './original-table.js';

const target = await startCountingServer();
after(() => target.close());

async function relations(url: string): Promise<string[]> {
  const rows = await query<{ r: string }>(
    url,
    `SELECT relname || ':' || relkind::text AS r FROM pg_class WHERE relnamespace = 'public'::regnamespace
       AND relkind IN ('r', 'p') ORDER BY 1`,
  );
  return rows.map((r) => r.r);
}

test('monitor db partition converts the original table in place, every row kept; a daemon exports into it', async () => {
  const url = await getTestDatabaseUrl();
  await query(url, ORIGINAL_DDL);
  await fillOriginalTable(url, 20_000, '2026-11-20 00:00:00', 2);
  const before = await tableDigest(url, 'monitoring');
  assert.equal(before.n, 20_000);
  const cfg = tempConfig({ external_database_uri: url, services: [serviceConfig(`${target.url}/a`)] });
  try {
    const asked = await runMonitor(['db', 'partition', '--config-path', cfg.configPath], { input: 'n\n' });
    assert.equal(asked.code, 1, asked.stderr);
    assert.match(
      asked.stdout,
      /^Rows: 20000, request_timestamp from 2026-11-20 00:00:00 to 2026-11-21 \d\d:\d\d:\d\d$/m,
    );
    assert.match(
      asked.stdout,
      /^Partitions to create \(per day\): \d+, monitoring_p20261120 … monitoring_p2026\d{4}, and monitoring_default$/m,
    );
    assert.match(asked.stdout, /^Nothing changed\.$/m);
    assert.deepEqual(await relations(url), ['monitoring:r'], 'declined: nothing changed');

    const done = await runMonitor(['db', 'partition', '--yes', '--config-path', cfg.configPath], {
      timeoutMs: 120_000,
    });
    assert.equal(done.code, 0, done.stderr);
    assert.match(
      done.stdout,
      /^Copied 20000 rows into \d+ partitions in [\d.]+ s: "public"\."monitoring" is partitioned by day\.$/m,
    );
    assert.match(done.stdout, /DROP TABLE "public"\."monitoring_unpartitioned";$/m);
    assert.deepEqual(
      await tableDigest(url, 'monitoring'),
      before,
      'count and checksum over every column, by id',
    );
    assert.deepEqual(
      await tableDigest(url, 'monitoring_unpartitioned'),
      before,
      'the old table is kept whole',
    );
    const rels = await relations(url);
    assert.ok(rels.includes('monitoring:p') && rels.includes('monitoring_default:r'), rels.join(' '));
    assert.ok(rels.includes('monitoring_p20261120:r') && rels.includes('monitoring_unpartitioned:r'));
    const idx = await query<{ indexname: string }>(
      url,
      `SELECT indexname FROM pg_indexes WHERE tablename = 'monitoring' ORDER BY 1`,
    );
    assert.deepEqual(
      idx.map((r) => r.indexname),
      ['monitoring_local_id_request_timestamp_key', 'monitoring_pkey'],
    );

    const again = await runMonitor(['db', 'partition', '--yes', '--config-path', cfg.configPath]);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      'monitor: error: table "public"."monitoring" is already partitioned: nothing to do\n',
    );

    // A daemon migrates the converted table (the original's had none of our columns) and exports into it.
    const d = startDaemon(cfg.configPath);
    try {
      await d.waitFor(/Exported \d+ records/, 30_000);
    } finally {
      assert.equal((await d.stop()).code, 0, d.output().slice(-2000));
    }
    const fresh = await query<{ n: number; min_id: number; p: string }>(
      url,
      `SELECT count(*)::int AS n, min(id)::int AS min_id, min(tableoid::regclass::text) AS p
         FROM monitoring WHERE agent IS NOT NULL`,
    );
    assert.ok(fresh[0]!.n > 0);
    assert.ok(fresh[0]!.min_id > 20_000, 'ids continue from the old sequence');
    assert.match(fresh[0]!.p, /^monitoring_p\d{8}$/, "today's partition, not the default one");
    const [all] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM monitoring');
    assert.equal(all!.n, 20_000 + fresh[0]!.n);
  } finally {
    cfg.remove();
  }
});

test('monitor db partition: a missing table, a bad table name, no answer: one line, exit code, nothing changed', async () => {
  const url = await getTestDatabaseUrl();
  const missing = tempConfig({ external_database_uri: url, services: [] });
  const badName = tempConfig({
    external_database_uri: url,
    services: [],
    export: { table: 'monitoring; drop' },
  });
  try {
    const m = await runMonitor(['db', 'partition', '--yes', '--config-path', missing.configPath]);
    assert.equal(m.code, 1);
    assert.equal(
      m.stderr,
      'monitor: error: table "public"."monitoring" does not exist: nothing to convert\n',
    );
    const b = await runMonitor(['db', 'partition', '--yes', '--config-path', badName.configPath]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /^monitor: error: export\.table must be a plain identifier[^\n]*\n$/);
    assert.deepEqual(await relations(url), [], 'nothing was created');

    await query(url, ORIGINAL_DDL);
    await fillOriginalTable(url, 10, '2026-11-20 00:00:00', 1);
    const silent = await runMonitor(['db', 'partition', '--config-path', missing.configPath], { input: '' });
    assert.equal(silent.code, 2);
    assert.match(silent.stderr, /no answer .*pass --yes\n$/);
    assert.equal(silent.stderr.split('\n').length, 2, silent.stderr);
    const none = tempConfig({ external_database_uri: url, services: [], remote: { partition: 'none' } });
    const n = await runMonitor(['db', 'partition', '--yes', '--config-path', none.configPath]);
    none.remove();
    assert.equal(n.code, 2);
    assert.match(n.stderr, /remote\.partition is "none"/);
    assert.deepEqual(await relations(url), ['monitoring:r'], 'still the plain table');
  } finally {
    missing.remove();
    badName.remove();
  }
});
