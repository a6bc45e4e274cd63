import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { resolveService } from '../../src/config/resolve.js';
import { numberedServices } from '../../src/config/services.js';
import { migrateRemote } from '../../src/db/remote/migrate.js';
import { query } from '../export/fixtures.js';
import { runMonitor } from '../helpers/cli.js';
import { freePort, getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const S0 = serviceConfig('http://127.0.0.1:1/zero');
const S1 = serviceConfig('http://127.0.0.1:1/one');
const SERVICES = [S0, S1];

function writeConfig(dir: string, uri: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    JSON.stringify({
      local_database_path: join(dir, 'local.sqlite3'),
      external_database_uri: uri,
      services: SERVICES,
      export: { schema: 'ops' },
      ...extra,
    }),
    { mode: 0o600 },
  );
  return path;
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  return lines[0]!;
}

test('monitor fleet / status --global: one line and exit 5 when PostgreSQL is unreachable or has no fleet tables; no password', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-fleet-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = await getTestDatabaseUrl();
  const password = new URL(url).password;
  assert.ok(password.length > 0);
  const empty = writeConfig(dir, url);
  for (const args of [['fleet'], ['status', '--global']]) {
    const r = await runMonitor([...args, '--config-path', empty], { home: dir });
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      oneLine(r.stderr),
      /^monitor: error: no fleet tables in postgresql:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/\S+ yet \("ops"\."monitoring_agents"\): start an agent with export on, or run: monitor db migrate$/,
    );
    assert.ok(!`${r.stdout}${r.stderr}`.includes(password));
  }
  const gone = url.replace(/:(\d+)\//, `:${await freePort()}/`);
  for (const args of [
    ['fleet', '--json'],
    ['status', '--global'],
  ]) {
    const r = await runMonitor([...args, '--config-path', writeConfig(dir, gone)], { home: dir });
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      oneLine(r.stderr),
      /^monitor: error: cannot read the fleet from postgresql:\/\/postgres:\*\*\*\*@.*ECONNREFUSED/,
    );
    assert.ok(!`${r.stdout}${r.stderr}`.includes(password));
  }
});

test('monitor fleet shows ok / behind / lost (exit 1 with a lost agent); status --global applies the quorum to live agents only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-fleet-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = await getTestDatabaseUrl();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await migrateRemote(c, { schema: 'ops', table: 'monitoring' });
  } finally {
    await c.end();
  }
  await query(
    url,
    `INSERT INTO ops.monitoring_agents (name, location, version, mode, pool, host, pid, started_at, last_seen,
        heartbeat_ms, services, unexported_rows, export_lag_ms)
     VALUES ('a1', 'loc-x', '1.2.3', 'replicate', 'default', 'h1', 11, now() - interval '1 hour', now(), 15000, 2, 0, 0),
            ('a2', 'loc-y', '1.2.3', 'replicate', 'default', 'h2', 12, now() - interval '1 hour',
             now() - interval '60 seconds', 15000, 2, 5, 800),
            ('a3', 'loc-z', '1.2.2', 'replicate', 'default', 'h3', 13, now() - interval '1 hour', now(), 15000, 2,
             4000, 120000)`,
  );
  const k0 = resolveService(S0).key;
  const k1 = resolveService(S1).key;
  await query(
    url,
    `INSERT INTO ops.monitoring_service_state (service_key, location, agent, state, since, last_result_at, url)
     VALUES ($1, 'loc-x', 'a1', 'down', now() - interval '2 minutes', now(), $3),
            ($1, 'loc-y', 'a2', 'down', now() - interval '5 minutes', now() - interval '60 seconds', $3),
            ($1, 'loc-z', 'a3', 'up', now() - interval '1 hour', now(), $3),
            ($2, 'loc-x', 'a1', 'up', now() - interval '1 hour', now(), $4),
            ($2, 'loc-z', 'a3', 'up', now() - interval '1 hour', now(), $4)`,
    [k0, k1, S0.url, S1.url],
  );
  const cfg = writeConfig(dir, url);

  const fleet = await runMonitor(['fleet', '--config-path', cfg], { home: dir });
  assert.equal(fleet.code, 1, fleet.stderr);
  const row = (name: string) => fleet.stdout.split('\n').find((l) => l.includes(` ${name} `)) ?? '';
  assert.match(row('a1'), /\| +ok +\|/);
  assert.match(row('a2'), /\| +lost +\|/);
  assert.match(row('a2'), / \d+ min( \d+ s)? ago /);
  assert.match(row('a3'), /\| +behind +\|/);
  assert.match(row('a3'), /\| +4000 +\| +2 min +\|/);
  const json = await runMonitor(['fleet', '--json', '--config-path', cfg], { home: dir });
  const agents = (
    JSON.parse(json.stdout) as { agents: Array<{ name: string; health: string; version: string }> }
  ).agents;
  assert.deepEqual(
    agents.map((a) => [a.name, a.health, a.version]),
    [
      ['a1', 'ok', '1.2.3'],
      ['a2', 'lost', '1.2.3'],
      ['a3', 'behind', '1.2.2'],
    ],
  );

  // S0: down at loc-x, up at loc-z, loc-y's agent lost (not counted): partial, down 1 of 2.
  const global = await runMonitor(['status', '--global', '--config-path', cfg], { home: dir });
  assert.equal(global.code, 4, global.stderr);
  const line0 = global.stdout.split('\n').find((l) => l.includes(S0.url)) ?? '';
  assert.match(line0, /partial: down 1\/2/);
  assert.match(line0, /loc-x: down, loc-y: unknown \(lost\), loc-z: up/);
  assert.match(global.stdout.split('\n').find((l) => l.includes(S1.url)) ?? '', /\| +up +\|/);

  // One service by its number: S1 is up everywhere.
  const number = String(numberedServices(SERVICES).indexOf(S1));
  const one = await runMonitor(['status', '--global', '--json', '--service', number, '--config-path', cfg], {
    home: dir,
  });
  assert.equal(one.code, 0, one.stderr);
  const only = JSON.parse(one.stdout) as {
    services: Array<{ key: string; state: string; reporting: number }>;
  };
  assert.deepEqual(
    only.services.map((s) => [s.key, s.state, s.reporting]),
    [[k1, 'up', 2]],
  );

  // fleet.quorum 1: one location is enough.
  const strict = writeConfig(dir, url, { fleet: { quorum: 1 } });
  const q1 = await runMonitor(['status', '--global', '--json', '--config-path', strict], { home: dir });
  assert.equal(q1.code, 1, q1.stderr);
  const s0 = (JSON.parse(q1.stdout) as { services: Array<{ key: string; shown: string }> }).services.find(
    (s) => s.key === k0,
  );
  assert.equal(s0?.shown, 'down 1/2');
});
