import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrateRemote, type RemoteLayout } from '../../../src/db/remote/migrate.js';
import { periodStart, rangesCovering } from '../../../src/db/remote/partitions.js';
import type { RemoteTable } from '../../../src/db/remote/table.js';
import { assertExportOnce, exporterRig, query } from '../../export/fixtures.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';
import { makeResult } from '../../helpers/results.js';

const DAY = 86_400_000;
const T: RemoteTable = { schema: 'public', table: 'monitoring' };

async function migrate(url: string, target: RemoteTable, layout: RemoteLayout): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await migrateRemote(c, target, undefined, layout);
  } finally {
    await c.end();
  }
}

async function columnsOf(url: string, table: string) {
  const rows = await query<Record<string, string | null>>(
    url,
    `SELECT column_name, data_type, is_nullable, column_default, character_maximum_length
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  // The id's default names its table's own sequence.
  return rows.map((r) => ({
    ...r,
    column_default: r['column_default']?.replace(`${table}_id_seq`, 'T_id_seq'),
  }));
}

async function partitionsOf(url: string, table = 'monitoring'): Promise<string[]> {
  const rows = await query<{ name: string }>(
    url,
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [table],
  );
  return rows.map((r) => r.name);
}

test('calendar periods: days, ISO weeks from Monday, months', () => {
  const wed = Date.UTC(2026, 11, 2, 15, 30);
  assert.equal(periodStart('day', wed), Date.UTC(2026, 11, 2));
  assert.equal(periodStart('week', wed), Date.UTC(2026, 10, 30), 'the Monday before');
  assert.equal(periodStart('month', wed), Date.UTC(2026, 11, 1));
  const months = rangesCovering('month', Date.UTC(2026, 11, 31), Date.UTC(2027, 1, 1));
  assert.deepEqual(
    months.map((r) => [
      new Date(r.from).toISOString().slice(0, 10),
      new Date(r.to).toISOString().slice(0, 10),
    ]),
    [
      ['2026-12-01', '2027-01-01'],
      ['2027-01-01', '2027-02-01'],
      ['2027-02-01', '2027-03-01'],
    ],
  );
});

test('a new table is partitioned by day, with exactly the columns and types of a plain one', async () => {
  const url = await getTestDatabaseUrl();
  const now = Date.UTC(2026, 11, 3, 12);
  const done = await migrate(url, T, { now });
  assert.equal(
    done[0],
    'created "public"."monitoring" partitioned by day on request_timestamp: partitions monitoring_p20261203, monitoring_p20261204, monitoring_p20261205, monitoring_p20261206 and monitoring_default',
  );
  await migrate(url, { schema: 'public', table: 'plain' }, { partition: 'none' });
  const kinds = await query<{ relname: string; relkind: string }>(
    url,
    `SELECT relname, relkind::text FROM pg_class WHERE relname IN ('monitoring', 'plain') ORDER BY 1`,
  );
  assert.deepEqual(kinds, [
    { relname: 'monitoring', relkind: 'p' },
    { relname: 'plain', relkind: 'r' },
  ]);
  const partitioned = await columnsOf(url, 'monitoring');
  assert.equal(partitioned.length, 39);
  assert.deepEqual(partitioned, await columnsOf(url, 'plain'));
  const keys = await query<{ def: string }>(
    url,
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE conrelid = 'monitoring'::regclass AND contype IN ('p', 'u') ORDER BY contype`,
  );
  assert.deepEqual(
    keys.map((k) => k.def),
    ['PRIMARY KEY (id, request_timestamp)', 'UNIQUE (local_id, request_timestamp)'],
  );
  assert.deepEqual(await partitionsOf(url), [
    'monitoring_default',
    'monitoring_p20261203',
    'monitoring_p20261204',
    'monitoring_p20261205',
    'monitoring_p20261206',
  ]);
  assert.deepEqual(await migrate(url, T, { now: now + 30 * DAY }), [], 'a second run changes nothing');
  assert.equal((await partitionsOf(url)).length, 5);
});

test('weekly and monthly partitions; "none" is a plain table', async () => {
  const url = await getTestDatabaseUrl();
  const now = Date.UTC(2026, 11, 3, 12);
  await migrate(url, { schema: 'public', table: 'weekly' }, { partition: 'week', partitionsAhead: 1, now });
  assert.deepEqual(await partitionsOf(url, 'weekly'), [
    'weekly_default',
    'weekly_p20261130',
    'weekly_p20261207',
  ]);
  await migrate(url, { schema: 'public', table: 'monthly' }, { partition: 'month', partitionsAhead: 2, now });
  assert.deepEqual(await partitionsOf(url, 'monthly'), [
    'monthly_default',
    'monthly_p20261201',
    'monthly_p20270101',
    'monthly_p20270201',
  ]);
});

test('export into a partitioned table: a resent batch is a no-op, rows land by request_timestamp', async (t) => {
  const rig = await exporterRig(t, { layout: { now: Date.UTC(2026, 11, 3) } });
  const results = [0, 1, 2, 3, 4].map((i) => makeResult(i));
  rig.local.add(results);
  await assertExportOnce(rig.exporter, 5);
  // As after a crash between the remote COMMIT and the local mark: the same batch goes again.
  rig.local.ldb.sqlite.prepare('UPDATE results SET exported_at = NULL').run();
  await assertExportOnce(rig.exporter, 5);
  const rows = await query<{ n: string; d: string; p: string }>(
    rig.url,
    'SELECT count(*) AS n, count(DISTINCT local_id) AS d, min(tableoid::regclass::text) AS p FROM monitoring',
  );
  // makeResult's slots are in November 2026: before the table's first partition, so in the default one.
  assert.deepEqual(rows, [{ n: '5', d: '5', p: 'monitoring_default' }]);
  const kind = await query<{ relkind: string }>(
    rig.url,
    `SELECT relkind::text FROM pg_class WHERE relname = 'monitoring'`,
  );
  assert.deepEqual(kind, [{ relkind: 'p' }]);
});
