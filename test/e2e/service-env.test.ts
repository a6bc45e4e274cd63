import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { fileDigest, lines, runMonitor } from '../helpers/cli.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { until } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

/** A value no other part of the run could produce, so any occurrence of it is a leak. */
const SECRET = `e2e-tok-${randomBytes(12).toString('hex')}`;
// The process environment wins over the env_file: a stray variable of the runner would hide it.
delete process.env['API_TOKEN'];
delete process.env['NOT_DEFINED_ANYWHERE'];

interface Seen {
  path: string;
  authorization: string | null;
  apiKey: string | null;
  body: string;
}

/** Records every request; /a answers a JSON health document, anything else 'ok'. */
const seen: Seen[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (d: string) => {
    body += d;
  });
  req.on('end', () => {
    const path = req.url ?? '/';
    seen.push({
      path,
      authorization: req.headers.authorization ?? null,
      apiKey: (req.headers['x-api-key'] as string | undefined) ?? null,
      body,
    });
    if (path === '/a') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'UP', checks: [{ name: 'db', ok: true }] }));
    } else res.end('ok');
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

const urlA = `${origin}/a`;
const urlB = `${origin}/b`;
const urlC = `${origin}/c`;
// Every second (cron allows it; interval_sec stops at 5), so results come in a few seconds.
const everySecond = { cron: '* * * * * *', timeout: 3 };

/** Every row of every table of the local database, as text. */
function localDump(path: string): { text: string; urls: string[] } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{
      name: string;
    }>;
    let text = '';
    for (const { name } of tables) {
      text += JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all());
    }
    const urls = (db.prepare('SELECT url FROM results').all() as Array<{ url: string }>).map((r) => r.url);
    return { text, urls };
  } finally {
    db.close();
  }
}

interface RemoteRow {
  url: string;
  state: string | null;
  conditions: unknown;
  whole: string;
}

async function remoteRows(uri: string): Promise<RemoteRow[]> {
  const c = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    const exists = await c.query(`SELECT to_regclass('public.monitoring') IS NOT NULL AS ok`);
    if (!exists.rows[0]?.ok) return [];
    const r = await c.query<RemoteRow>(
      'SELECT m.url, m.state, m.conditions, m::text AS whole FROM monitoring m ORDER BY m.scheduled_at',
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

test('env_file fills ${API_TOKEN} for the probe and never leaks it; a service missing a variable is skipped with one line, the others run', async () => {
  const uri = await getTestDatabaseUrl();
  const cfg = tempConfig({
    external_database_uri: uri,
    env_file: 'probe.env',
    services: [
      serviceConfig(urlA, {
        ...everySecond,
        method: 'POST',
        bearer: '${API_TOKEN}',
        headers: { 'X-Api-Key': 'key-${API_TOKEN}' },
        body: '{"token":"${API_TOKEN}"}',
        content_type: 'application/json',
        conditions: ['[STATUS] == 200', '[BODY].status == UP', '[BODY].checks[0].ok == true'],
      }),
      serviceConfig(urlB, { ...everySecond, headers: { 'X-Api-Key': '${NOT_DEFINED_ANYWHERE}' } }),
      serviceConfig(urlC, everySecond),
    ],
  });
  writeFileSync(join(cfg.dir, 'probe.env'), `# for the e2e test\nAPI_TOKEN=${SECRET}\n`, { mode: 0o600 });
  try {
    const d = startDaemon(cfg.configPath);
    let rows: RemoteRow[] = [];
    try {
      await d.waitFor(/Starting Agent worker/);
      const arrived = await until(
        async () => {
          rows = await remoteRows(uri);
          return (
            rows.filter((r) => r.url === urlA).length >= 2 && rows.filter((r) => r.url === urlC).length >= 2
          );
        },
        30_000,
        300,
      );
      assert.ok(arrived, `A and C did not reach PostgreSQL twice each:\n${d.output().slice(-3000)}`);
    } finally {
      const stop = await d.stop('SIGTERM', 25_000);
      assert.equal(stop.code, 0, d.output().slice(-3000));
    }
    rows = await remoteRows(uri);

    const toA = seen.filter((s) => s.path === '/a');
    assert.ok(toA.length >= 2, `A was probed (${toA.length} requests)`);
    for (const s of toA) {
      assert.equal(s.authorization, `Bearer ${SECRET}`, 'the bearer came from the env_file');
      assert.equal(s.apiKey, `key-${SECRET}`, 'a header reference inside a longer value');
      assert.deepEqual(JSON.parse(s.body), { token: SECRET }, 'the body reference');
    }
    assert.ok(
      seen.some((s) => s.path === '/c'),
      'C ran',
    );
    assert.ok(!seen.some((s) => s.path === '/b'), 'B was never requested');

    const missing = lines(d.output()).filter((l) => l.includes('NOT_DEFINED_ANYWHERE'));
    assert.equal(missing.length, 1, `one line about B:\n${missing.join('\n')}`);
    assert.ok(missing[0]?.includes(urlB), `the line names B's URL: ${missing[0]}`);
    assert.equal(JSON.parse(missing[0] ?? '{}').level, 50, 'logged as an error (pino level 50)');

    const rowsA = rows.filter((r) => r.url === urlA);
    assert.ok(rowsA.length >= 2);
    for (const r of rowsA) {
      assert.equal(r.state, 'up', r.whole);
      assert.ok(Array.isArray(r.conditions), `conditions is a JSON array: ${r.whole}`);
      const conds = r.conditions as Array<{ condition: string; held: boolean }>;
      assert.ok(
        conds.some((c) => c.condition.includes('[BODY].status') && c.held),
        `the JSON-path condition held: ${JSON.stringify(conds)}`,
      );
    }
    assert.ok(!rows.some((r) => r.url === urlB), 'no PostgreSQL row for B');

    const local = localDump(cfg.dbPath);
    assert.ok(!local.urls.includes(urlB), 'no local row for B');
    assert.ok(local.urls.includes(urlA) && local.urls.includes(urlC));

    // The secret appears nowhere the monitor writes: its output, any local row, any PostgreSQL
    // row, nor the bytes of the database files (WAL included), which also covers freed pages.
    // Positive controls: the dumps hold the rows' text, so the absence below means something.
    assert.ok(
      local.text.includes('[BODY].checks[0].ok') && local.text.includes(urlA),
      'the local dump holds A',
    );
    assert.ok(!d.output().includes(SECRET), 'the secret reached the log');
    assert.ok(!local.text.includes(SECRET), 'the secret reached a local row');
    for (const r of rows)
      assert.ok(!r.whole.includes(SECRET), `the secret reached a PostgreSQL row: ${r.whole}`);
    const files = readdirSync(cfg.dir).filter((n) => n.startsWith('local-database'));
    assert.ok(files.includes('local-database.sqlite3'), files.join(', '));
    for (const name of files) {
      assert.ok(!readFileSync(join(cfg.dir, name)).includes(SECRET), `the secret is in the bytes of ${name}`);
    }
  } finally {
    cfg.remove();
  }
});

test('an env_file readable by its group is refused by monitor start: exit 2, one line naming the file, nothing started', async () => {
  const cfg = tempConfig({
    external_database_uri: null,
    env_file: 'probe.env',
    services: [serviceConfig(`${origin}/never`, { ...everySecond, bearer: '${API_TOKEN}' })],
  });
  const envPath = join(cfg.dir, 'probe.env');
  writeFileSync(envPath, `API_TOKEN=${SECRET}\n`);
  chmodSync(envPath, 0o640); // explicit: the umask would otherwise decide
  try {
    const before = fileDigest(cfg.configPath);
    const r = await runMonitor(['start', '--yes', '--config-path', cfg.configPath], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.ok(r.stderr.includes(envPath), `names the file: ${r.stderr}`);
    assert.match(r.stderr, /0640/);
    assert.ok(!r.stderr.includes(SECRET));
    assert.equal(fileDigest(cfg.configPath), before, 'the config is unchanged');
    assert.equal(existsSync(cfg.dbPath), false, 'no local database was made');
    assert.ok(!seen.some((s) => s.path === '/never'), 'nothing was probed');
  } finally {
    cfg.remove();
  }
});
