import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ORIGINAL_DDL, query } from '../../export/fixtures.js';
import { runMonitor } from '../../helpers/cli.js';
import { freePort, getTestDatabaseUrl } from '../../helpers/pg.js';

function writeConfig(dir: string, uri: string | null, extra: Record<string, unknown> = {}): string {
  const path = join(dir, 'monitoring-config');
  writeFileSync(
    path,
    JSON.stringify({
      local_database_path: join(dir, 'local.sqlite3'),
      external_database_uri: uri,
      services: [],
      ...extra,
    }),
    { mode: 0o600 },
  );
  return path;
}

test('monitor db migrate (real binary): creates, then reports nothing to do; password never printed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-db-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = await getTestDatabaseUrl();
  const password = new URL(url).password;
  const config = writeConfig(dir, url);

  const first = await runMonitor(['db', 'migrate', '--config-path', config], { home: dir });
  assert.equal(first.code, 0, first.stderr);
  assert.match(
    first.stdout,
    /^PostgreSQL: postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/monitor_test_/m,
  );
  assert.match(first.stdout, /^Table: "public"\."monitoring"$/m);
  assert.match(first.stdout, /^applied migration 0000_monitoring_table to "public"\."monitoring"$/m);
  assert.match(first.stdout, /^applied migration 0001_result_details to "public"\."monitoring"$/m);
  assert.match(first.stdout, /^applied migration 0002_incidents to "public"\."monitoring"$/m);
  assert.match(first.stdout, /^applied migration 0003_rollups to "public"\."monitoring"$/m);
  assert.match(first.stdout, /^created table "public"\."monitoring" \(39 columns\)$/m);
  assert.match(first.stdout, /^created table "public"\."monitoring_incidents"$/m);
  assert.match(first.stdout, /^created table "public"\."monitoring_rollup_minute"$/m);
  assert.match(first.stdout, /^created table "public"\."monitoring_rollup_hour"$/m);

  const second = await runMonitor(['db', 'migrate', '--config-path', config], { home: dir });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^Already up to date: nothing to apply\.$/m);
  for (const r of [first, second]) assert.ok(!`${r.stdout}${r.stderr}`.includes(password));
});

test('monitor db migrate adopts the original table in a configured schema; failures are one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-db-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = await getTestDatabaseUrl();
  const password = new URL(url).password;
  await query(url, 'CREATE SCHEMA legacy');
  await query(url, ORIGINAL_DDL.replace('monitoring (', 'legacy.monitoring ('));
  const adopted = await runMonitor(
    ['db', 'migrate', '--config-path', writeConfig(dir, url, { export: { schema: 'legacy' } })],
    { home: dir },
  );
  assert.equal(adopted.code, 0, adopted.stderr);
  assert.match(adopted.stdout, /^adopted existing table "legacy"\."monitoring": added columns agent, /m);
  assert.match(adopted.stdout, /^created table "legacy"\."monitoring_incidents"$/m);

  const refused = new URL(url);
  refused.port = String(await freePort());
  const down = await runMonitor(['db', 'migrate', '--config-path', writeConfig(dir, refused.toString())], {
    home: dir,
  });
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    /^monitor: error: cannot migrate postgresql:\/\/postgres:\*\*\*\*@.*ECONNREFUSED/,
  );
  assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
  assert.ok(!`${down.stdout}${down.stderr}`.includes(password));

  const none = await runMonitor(['db', 'migrate', '--config-path', writeConfig(dir, null)], { home: dir });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /has no external_database_uri/);

  const badTable = await runMonitor(
    ['db', 'migrate', '--config-path', writeConfig(dir, url, { export: { table: 'x; drop' } })],
    { home: dir },
  );
  assert.equal(badTable.code, 2);
  assert.match(badTable.stderr, /export\.table must be a plain identifier/);
});
