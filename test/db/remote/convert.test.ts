import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { CannotConvert, convertTable } from '../../../src/db/remote/convert.js';
import { migrateRemote } from '../../../src/db/remote/migrate.js';
import type { RemoteTable } from '../../../src/db/remote/table.js';
import { assertExportOnce, exporterRig, query } from '../../export/fixtures.js';
import { getTestDatabaseUrl } from '../../helpers/pg.js';
import { makeResult } from '../../helpers/results.js';
import { tableDigest } from './original-table.js';

/** Roles are the server's, not the database's: one name per test process. */
const READER = `dashboard_reader_${process.pid}`;

const T: RemoteTable = { schema: 'public', table: 'monitoring' };
const NOW = Date.UTC(2026, 11, 3, 12);

async function withClient<R>(url: string, fn: (c: pg.Client) => Promise<R>): Promise<R> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function indexNames(url: string, table: string): Promise<string[]> {
  const rows = await query<{ i: string }>(
    url,
    'SELECT indexname AS i FROM pg_indexes WHERE tablename = $1 ORDER BY 1',
    [table],
  );
  return rows.map((r) => r.i);
}

test('a plain table monitor made is converted with its indexes, grants and sequence; migrate then has nothing to do', async (t) => {
  const rig = await exporterRig(t, { layout: { partition: 'none' } });
  const { url } = rig;
  await query(url, `CREATE INDEX users_failures_idx ON monitoring (service_key) WHERE NOT ok`);
  await query(url, `CREATE ROLE ${READER}`);
  t.after(() => query(url, `DROP OWNED BY ${READER}; DROP ROLE ${READER}`).catch(() => {}));
  await query(url, `GRANT SELECT ON monitoring TO ${READER}`);
  rig.local.add(Array.from({ length: 50 }, (_, i) => makeResult(i)));
  await assertExportOnce(rig.exporter, 50);
  const before = await tableDigest(url, 'monitoring');

  const done = await withClient(url, (c) => convertTable(c, T, { unit: 'day', ahead: 2, now: NOW }));
  assert.equal(done.copied, 50);
  assert.deepEqual(await tableDigest(url, 'monitoring'), before);
  assert.deepEqual(await indexNames(url, 'monitoring'), [
    'monitoring_local_id_request_timestamp_key',
    'monitoring_pkey',
    'monitoring_request_timestamp_idx',
    'monitoring_service_key_scheduled_at_idx',
    'users_failures_idx',
  ]);
  assert.deepEqual(await indexNames(url, 'monitoring_unpartitioned'), [
    'monitoring_unpartitioned_local_id_key',
    'monitoring_unpartitioned_pkey',
    'monitoring_unpartitioned_request_timestamp_idx',
    'monitoring_unpartitioned_service_key_scheduled_at_idx',
    'users_failures_idx_unpartitioned',
  ]);
  const [partial] = await query<{ d: string }>(
    url,
    `SELECT indexdef AS d FROM pg_indexes WHERE indexname = 'users_failures_idx'`,
  );
  assert.match(partial!.d, /ON ONLY public\.monitoring USING btree \(service_key\) WHERE \(NOT ok\)$/);
  const grants = await query<{ p: string }>(
    url,
    `SELECT privilege_type AS p FROM information_schema.role_table_grants
      WHERE table_name = 'monitoring' AND grantee = $1`,
    [READER],
  );
  assert.deepEqual(grants, [{ p: 'SELECT' }]);
  // The sequence now belongs to the new table: dropping the old one keeps the ids going.
  await query(url, 'DROP TABLE monitoring_unpartitioned');
  assert.deepEqual(await withClient(url, (c) => migrateRemote(c, T)), [], 'nothing for migrate to do');
  rig.local.add([makeResult(100)]);
  await assertExportOnce(rig.exporter, 1);
  const [last] = await query<{ id: number }>(url, 'SELECT max(id)::int AS id FROM monitoring');
  assert.equal(last!.id, 51);
});

test('conversion refuses what it cannot convert, with one line, and changes nothing', async () => {
  const db = await getTestDatabaseUrl();
  const convert = () => withClient(db, (c) => convertTable(c, T, { unit: 'day', ahead: 1, now: NOW }));
  await assert.rejects(convert, (e: Error) => e instanceof CannotConvert && /does not exist/.test(e.message));
  await query(
    db,
    'CREATE TABLE monitoring (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, local_id text UNIQUE, request_timestamp timestamp NOT NULL)',
  );
  await assert.rejects(convert, /id is an identity column/);
  await query(db, 'DROP TABLE monitoring');
  await query(
    db,
    'CREATE TABLE monitoring (id serial PRIMARY KEY, local_id text UNIQUE, request_timestamp timestamp NOT NULL, url text UNIQUE)',
  );
  await assert.rejects(convert, /unique index monitoring_url_key does not contain request_timestamp/);
  await query(db, 'ALTER TABLE monitoring DROP CONSTRAINT monitoring_url_key');
  await query(db, 'CREATE TABLE monitoring_unpartitioned (x int)');
  await assert.rejects(convert, /"public"\."monitoring_unpartitioned" already exists/);
  const [kind] = await query<{ k: string }>(
    db,
    `SELECT relkind::text AS k FROM pg_class WHERE relname = 'monitoring'`,
  );
  assert.equal(kind!.k, 'r');
  await query(db, 'DROP TABLE monitoring_unpartitioned');
  await withClient(db, (c) => convertTable(c, T, { unit: 'day', ahead: 1, now: NOW }));
  await assert.rejects(convert, /already partitioned/);
});
