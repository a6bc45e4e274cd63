import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MonitorConfig } from '../../src/config/types.js';
import { startFleet, TEST_HEARTBEAT_ENV } from '../../src/daemon/fleet.js';
import type { LocalDatabase } from '../../src/db/local/index.js';
import type { RemoteExport } from '../../src/export/remote-export.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ExportSource } from '../../src/queue/store.js';

const config = (uri: string | null): MonitorConfig => ({
  local_database_path: '/nonexistent/local.sqlite3',
  external_database_uri: uri,
  services: [],
});
// Never touched when the fleet is off, nor by startFleet itself (only by a heartbeat).
const parts = (exportEnabled: boolean) => ({
  ldb: {} as LocalDatabase,
  source: {} as ExportSource,
  remote: { enabled: true } as RemoteExport,
  exportEnabled,
});

test('export off (--no-export, or no external database): no fleet, so no heartbeat job', () => {
  const uri = 'postgresql://u:p@127.0.0.1:1/db';
  assert.equal(
    startFleet({ config: config(uri), services: [], agentName: 'a' }, parts(false), silentLogger()),
    null,
  );
  assert.equal(
    startFleet({ config: config(null), services: [], agentName: 'a' }, parts(true), silentLogger()),
    null,
  );
  const on = startFleet({ config: config(uri), services: [], agentName: 'a' }, parts(true), silentLogger());
  assert.ok(on);
  assert.equal(on.everyMs, 15_000);
});

test(`${TEST_HEARTBEAT_ENV} sets the period for tests, within 200..15000 ms; anything else is ignored`, (t) => {
  const before = process.env[TEST_HEARTBEAT_ENV];
  t.after(() => {
    if (before === undefined) delete process.env[TEST_HEARTBEAT_ENV];
    else process.env[TEST_HEARTBEAT_ENV] = before;
  });
  const period = (v: string) => {
    process.env[TEST_HEARTBEAT_ENV] = v;
    const cfg = config('postgresql://u:p@127.0.0.1:1/db');
    return startFleet({ config: cfg, services: [], agentName: 'a' }, parts(true), silentLogger())?.everyMs;
  };
  assert.equal(period('1000'), 1000);
  assert.equal(period('50'), 15_000);
  assert.equal(period('60000'), 15_000);
  assert.equal(period('abc'), 15_000);
});
