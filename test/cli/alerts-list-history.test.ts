import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openLocalDatabase } from '../../src/db/local/index.js';
import { runMonitor } from '../helpers/cli.js';
import { tempConfig } from '../helpers/daemon.js';

/**
 * Issue 15, `monitor alerts list|history` through the real binary, on a local database made with
 * openLocalDatabase (the migrations the daemon runs) and filled with SQL.
 */

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const MIN = 60_000;
const PASSWORD = 'hunter2-Qm8';

const A = { id: 'inc-a-resolved', key: 'keyaaaaaaaaaaaaa', url: 'https://a.example/health' };
const B = { id: 'inc-b-open-down', key: 'keybbbbbbbbbbbbb', url: `https://ops:${PASSWORD}@b.example/` };
const C = { id: 'inc-c-open-degraded', key: A.key, url: A.url };

const c = tempConfig({ external_database_uri: null, services: [] });
after(() => c.remove());

before(() => {
  const ldb = openLocalDatabase(c.dbPath);
  try {
    const incident = ldb.sqlite.prepare(
      `INSERT INTO incidents (id, agent, service_key, url, method, kind, opened_at, resolved_at, resolution,
         cause, first_result_id, opening_result_id) VALUES (?, 'agent-1', ?, ?, ?, ?, ?, ?, ?, ?, 'r1', 'r3')`,
    );
    incident.run(A.id, A.key, A.url, 'GET', 'down', T0, T0 + 10 * MIN, 'recovered', 'http_status: 503');
    incident.run(
      B.id,
      B.key,
      B.url,
      'POST',
      'down',
      T0 + 20 * MIN,
      null,
      null,
      'connect_refused: ECONNREFUSED',
    );
    incident.run(C.id, C.key, C.url, 'GET', 'degraded', T0 + 30 * MIN, null, null, 'latency > 500 ms');
    const delivery = ldb.sqlite.prepare(
      `INSERT INTO deliveries (event_id, incident_id, channel, kind, attempt, at, status, code, detail, duration_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    delivery.run('ev-a1', A.id, 'ops-slack', 'down', 1, T0 + 1000, 'retry', 500, 'HTTP 500: busy', 31);
    delivery.run('ev-a1', A.id, 'ops-slack', 'down', 2, T0 + 3000, 'accepted', 200, 'HTTP 200: ok', 12);
    delivery.run(
      'ev-a2',
      A.id,
      'ops-slack',
      'resolved',
      1,
      T0 + 10 * MIN,
      'accepted',
      200,
      'HTTP 200: ok',
      9,
    );
    delivery.run('ev-b1', B.id, 'pager', 'down', 1, T0 + 20 * MIN, 'failed', 404, 'HTTP 404: no hook', 7);
  } finally {
    ldb.close();
  }
});

async function alerts(...args: string[]): Promise<string> {
  const r = await runMonitor(['alerts', ...args, '--config-path', c.configPath]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(!r.stdout.includes(PASSWORD), `the URL password is shown:\n${r.stdout}`);
  return r.stdout;
}

interface Listed {
  incidents: Array<{
    id: string;
    url: string;
    method: string;
    kind: string;
    resolved_at: string | null;
    cause: string;
    deliveries?: Array<{
      channel: string;
      kind: string;
      attempt: number;
      status: string;
      code: number | null;
    }>;
  }>;
}

test('alerts list shows the open incidents only, oldest first, in a table and as JSON', async () => {
  const table = await alerts('list');
  assert.ok(table.includes(B.id) && table.includes(C.id), table);
  assert.ok(!table.includes(A.id), 'a resolved incident is not listed');
  assert.ok(table.indexOf(B.id) < table.indexOf(C.id), 'the one open longest leads');
  assert.match(table, /POST https:\/\/ops:\*\*\*\*@b\.example\//);
  assert.match(table, /connect_refused: ECONNREFUSED/);
  assert.match(table, /2026-11-30T10:20:00\.000Z/);
  assert.match(table, /2 open incidents\./);

  const json = JSON.parse(await alerts('list', '--json')) as Listed;
  assert.deepEqual(
    json.incidents.map((i) => [i.id, i.kind, i.resolved_at]),
    [
      [B.id, 'down', null],
      [C.id, 'degraded', null],
    ],
  );
  assert.equal(json.incidents[0]!.url, 'https://ops:****@b.example/');
});

test('alerts history lists every incident newest first with its deliveries, as JSON', async () => {
  const json = JSON.parse(await alerts('history', '--json')) as Listed;
  assert.deepEqual(
    json.incidents.map((i) => i.id),
    [C.id, B.id, A.id],
  );
  const a = json.incidents[2]!;
  assert.equal(a.resolved_at, '2026-11-30T10:10:00.000Z');
  assert.deepEqual(
    a.deliveries!.map((d) => [d.channel, d.kind, d.attempt, d.status, d.code]),
    [
      ['ops-slack', 'down', 1, 'retry', 500],
      ['ops-slack', 'down', 2, 'accepted', 200],
      ['ops-slack', 'resolved', 1, 'accepted', 200],
    ],
  );
  assert.deepEqual(json.incidents[0]!.deliveries, []);
});

test('alerts history table: one line per delivery under its incident', async () => {
  const out = await alerts('history');
  // Incidents newest first; each delivery a table line under its own incident's heading.
  const at = (s: string) => out.indexOf(s);
  assert.ok(at(C.id) < at(B.id) && at(B.id) < at(A.id), out);
  const lineOf = (re: RegExp) => out.split('\n').filter((l) => re.test(l));
  assert.equal(lineOf(/ops-slack .* down .* 2 .* accepted .* 200 .* HTTP 200: ok/).length, 1, out);
  assert.equal(lineOf(/ops-slack .* down .* 1 .* retry .* 500 .* HTTP 500: busy/).length, 1, out);
  assert.equal(lineOf(/pager .* down .* 1 .* failed .* 404 .* HTTP 404: no hook/).length, 1, out);
  assert.ok(at('pager') > at(B.id) && at('pager') < at(A.id), 'the pager line is under incident B');
  assert.match(out, /resolved 2026-11-30T10:10:00\.000Z \(recovered\) after 10m/);
  assert.match(out, /No notifications sent\./);
});

test('alerts history --service filters by URL or by service key; --limit keeps the newest', async () => {
  const byUrl = JSON.parse(await alerts('history', '--service', A.url, '--json')) as Listed;
  assert.deepEqual(
    byUrl.incidents.map((i) => i.id),
    [C.id, A.id],
  );
  const byKey = JSON.parse(await alerts('history', '--service', B.key, '--json')) as Listed;
  assert.deepEqual(
    byKey.incidents.map((i) => i.id),
    [B.id],
  );
  const limited = JSON.parse(await alerts('history', '--limit', '1', '--json')) as Listed;
  assert.deepEqual(
    limited.incidents.map((i) => i.id),
    [C.id],
  );
  const none = await alerts('history', '--service', 'https://unknown.example/');
  assert.equal(none, 'No incidents of https://unknown.example/.\n');
});

test('alerts history --limit 0 is a usage error (exit 2, one line)', async () => {
  const r = await runMonitor(['alerts', 'history', '--limit', '0', '--config-path', c.configPath]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'monitor: error: --limit must be a positive whole number, got 0\n');
});

test('without a local database: nothing open, no history, and the file is not created', async () => {
  const empty = tempConfig({ external_database_uri: null, services: [] });
  try {
    const run = (...args: string[]) => runMonitor(['alerts', ...args, '--config-path', empty.configPath]);
    const list = await run('list');
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'No open incidents.\n');
    const history = await run('history');
    assert.equal(history.code, 0, history.stderr);
    assert.equal(history.stdout, 'No incidents.\n');
    const json = await run('list', '--json');
    assert.deepEqual(JSON.parse(json.stdout), { incidents: [] });
    assert.equal(existsSync(empty.dbPath), false);
    assert.equal(existsSync(join(empty.dir, 'local-database.sqlite3-wal')), false);
  } finally {
    empty.remove();
  }
});
