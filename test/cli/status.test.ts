import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveService } from '../../src/config/resolve.js';
import { numberedServices } from '../../src/config/services.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { createJobStore, openLocalDatabase } from '../../src/db/local/index.js';
import { createRollupHook } from '../../src/live/rollup-hook.js';
import type { ProbeResult } from '../../src/results/types.js';
import { MONITOR_BIN, runMonitor } from '../helpers/cli.js';
import { tempConfig } from '../helpers/daemon.js';
import { makeResult } from '../helpers/results.js';
import { serviceConfig } from '../helpers/services.js';

const UP = serviceConfig('http://127.0.0.1:1/up');
const DEGRADED = serviceConfig('http://127.0.0.1:1/degraded');
const DOWN = serviceConfig('http://127.0.0.1:1/down');
const FRESH = serviceConfig('http://127.0.0.1:1/fresh');
const SERVICES = [UP, DEGRADED, DOWN, FRESH];

/** Its NUMBER as `config services show --numbered` gives it. */
const numberOf = (s: ServiceConfig): string => String(numberedServices(SERVICES).indexOf(s));

/** A config of four services and a database where the first three have a minute of results each. */
function setup(): ReturnType<typeof tempConfig> {
  const cfg = tempConfig({ external_database_uri: null, services: SERVICES });
  const ldb = openLocalDatabase(cfg.dbPath);
  const store = createJobStore(ldb);
  store.setRecordHook(createRollupHook(ldb.sqlite));
  const now = Date.now();
  const results = (s: ServiceConfig, o: Partial<ProbeResult>) =>
    [30_000, 20_000, 10_000].map((ago) => ({
      result: makeResult(resolveService(s).key, now - ago, { url: s.url, ...o }),
      job: null,
    }));
  store.recordProbeResults([
    ...results(UP, {}),
    ...results(DEGRADED, { state: 'degraded', errorClass: 'condition' }),
    ...results(DOWN, { state: 'down', ok: false, errorClass: 'http_status', statusCode: 503 }),
  ]);
  ldb.close();
  return cfg;
}

test('monitor status: a table of every service from the local database; exit 1 when one is down', async (t) => {
  const cfg = setup();
  t.after(cfg.remove);
  const r = await runMonitor(['status', '--config-path', cfg.configPath]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, '');
  for (const h of ['url', 'state', 'since', 'last check', 'p50 / p95', 'uptime 24h', 'open incident']) {
    assert.ok(r.stdout.includes(h), `header ${h}:\n${r.stdout}`);
  }
  const line = (s: ServiceConfig) => r.stdout.split('\n').find((l) => l.includes(`${s.url} `)) ?? '';
  assert.match(line(UP), /\| +up +\|.*\(200\).*\d+ \/ \d+ ms.*100\.00 %/);
  assert.match(line(DEGRADED), /\| +degraded +\|/);
  assert.match(line(DOWN), /\| +down +\|.*\(503\).*0\.00 %/);
  assert.match(line(FRESH), /\| +no data +\|/);
});

test('monitor status --json, and --service: exit 0 up, 3 degraded, 1 down; a service without data does not fail', async (t) => {
  const cfg = setup();
  t.after(cfg.remove);
  const r = await runMonitor(['status', '--json', '--config-path', cfg.configPath]);
  assert.equal(r.code, 1, r.stderr);
  const { services } = JSON.parse(r.stdout) as {
    services: { url: string; state: string | null; uptime24h: number | null }[];
  };
  assert.deepEqual(
    services.map((s) => [s.url, s.state, s.uptime24h]),
    [
      [UP.url, 'up', 1],
      [DEGRADED.url, 'degraded', 1],
      [DOWN.url, 'down', 0],
      [FRESH.url, null, null],
    ],
  );
  const code = async (s: ServiceConfig) =>
    (await runMonitor(['status', '--service', numberOf(s), '--config-path', cfg.configPath])).code;
  assert.equal(await code(UP), 0);
  assert.equal(await code(DEGRADED), 3);
  assert.equal(await code(DOWN), 1);
  assert.equal(await code(FRESH), 0);
  // Without the down one, degraded decides.
  const cfg2 = tempConfig({
    external_database_uri: null,
    services: [UP, DEGRADED, FRESH],
    local_database_path: cfg.dbPath,
  });
  t.after(cfg2.remove);
  assert.equal((await runMonitor(['status', '--config-path', cfg2.configPath])).code, 3);
});

test('monitor status without a local database: says so, exits 0 and creates no file', async (t) => {
  const cfg = tempConfig({ external_database_uri: null, services: [UP], local_database_path: '' });
  t.after(cfg.remove);
  const dbPath = join(cfg.dir, 'never.sqlite3');
  cfg.write({ ...cfg.config, local_database_path: dbPath });
  const r = await runMonitor(['status', '--config-path', cfg.configPath]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /No local database at .*never\.sqlite3 yet/);
  assert.match(r.stdout, /no data/);
  assert.equal(existsSync(dbPath), false);
  assert.equal(existsSync(`${dbPath}-wal`), false);
});

test('monitor status --watch draws again every 2 s and ends on SIGINT', async (t) => {
  const cfg = setup();
  t.after(cfg.remove);
  const child = spawn(process.execPath, [MONITOR_BIN, 'status', '--watch', '--config-path', cfg.configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const draws = () => out.split('uptime 24h').length - 1;
  const deadline = Date.now() + 20_000;
  while (draws() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(draws() >= 2, true, out);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
