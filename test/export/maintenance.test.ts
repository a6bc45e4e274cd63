import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrateRemote, readMigrations } from '../../src/db/remote/migrate.js';
import { makeResult } from '../helpers/results.js';
import { exporterRig, query } from './fixtures.js';

test('results recorded in a maintenance window arrive with maintenance true, the others false', async (t) => {
  const { url, local, exporter } = await exporterRig(t);
  const during = makeResult(0, { maintenance: true, ok: false, state: 'down', errorClass: 'connect' });
  const outside = makeResult(1, { maintenance: false });
  const unset = makeResult(2);
  delete unset.maintenance;
  local.add([during, outside, unset]);
  assert.equal((await exporter.exportOnce()).exported, 3);
  const rows = await query<{ local_id: string; maintenance: boolean }>(
    url,
    'SELECT local_id, maintenance FROM monitoring',
  );
  const byId = new Map(rows.map((r) => [r.local_id, r.maintenance]));
  assert.deepEqual([byId.get(during.id), byId.get(outside.id), byId.get(unset.id)], [true, false, false]);
});

test('a remote table from before migration 0002 is extended by the exporter: maintenance added, incidents table created, old rows kept', async (t) => {
  const { url, local, exporter } = await exporterRig(t, { migrate: false, withIncidents: true });
  // The previous release's schema, with a row it exported.
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const previous = readMigrations().filter((m) => m.tag < '0002_incidents');
    await migrateRemote(c, { schema: 'public', table: 'monitoring' }, previous);
  } finally {
    await c.end();
  }
  await query(
    url,
    `INSERT INTO monitoring (local_id, url, method, request_timestamp, regex_check_required, contains_regex,
       contains_exception, local_created_at, state)
     VALUES ('old-1', 'http://a/', 'GET', '2026-11-01 10:00:00', false, false, false, '2026-11-01 10:00:00', 'up')`,
  );
  const [{ n: before } = { n: '' }] = await query<{ n: string }>(
    url,
    "SELECT to_regclass('public.monitoring_incidents')::text AS n",
  );
  assert.equal(before, null, 'no incidents table yet');

  local.add([makeResult(0, { maintenance: true })]);
  assert.equal((await exporter.exportOnce()).exported, 1, 'the first export migrates lazily, then sends');
  const rows = await query<{ local_id: string; maintenance: boolean; state: string }>(
    url,
    'SELECT local_id, maintenance, state FROM monitoring ORDER BY id',
  );
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { local_id: 'old-1', maintenance: false, state: 'up' });
  assert.equal(rows[1]!.maintenance, true);
  const [{ n: after } = { n: '' }] = await query<{ n: string }>(
    url,
    "SELECT to_regclass('public.monitoring_incidents')::text AS n",
  );
  assert.equal(after, 'monitoring_incidents');
});
