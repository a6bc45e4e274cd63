import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runMonitor } from '../helpers/cli.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { until } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

/** A service password with a character that must be percent-encoded in the URL. */
const SERVICE_PASSWORD = 'svc-s3cret@42';
const SERVICE_PASSWORD_ENCODED = encodeURIComponent(SERVICE_PASSWORD);

/** Run the CLI without blocking: the HTTP server below lives in this process. */
async function monitorCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runMonitor(args);
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

/** A server that records the Authorization header of every request it gets. */
const authHeaders: (string | null)[] = [];
const server = createServer((req, res) => {
  authHeaders.push(req.headers.authorization ?? null);
  res.end('ok');
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
after(
  () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
);

function assertNoSecret(text: string, secrets: string[], where: string): void {
  for (const s of secrets) assert.ok(!text.includes(s), `${where} shows a secret:\n${text.slice(0, 3000)}`);
}

test('service URL userinfo is sent as Basic auth, and no password reaches output, the log, SQLite or PostgreSQL (the remote URI given with ?password=)', async () => {
  const admin = new URL(await getTestDatabaseUrl());
  const dbPassword = decodeURIComponent(admin.password);
  assert.ok(dbPassword.length >= 3, 'the test server has a password to hide');
  // The form libpq and pg accept: the password as a query parameter, not in userinfo.
  const queryUri = new URL(admin.toString());
  queryUri.password = '';
  queryUri.searchParams.set('password', dbPassword);
  const secrets = [dbPassword, SERVICE_PASSWORD, SERVICE_PASSWORD_ENCODED];

  const url = `http://alice:${SERVICE_PASSWORD_ENCODED}@127.0.0.1:${port}/private`;
  const cfg = tempConfig({ external_database_uri: queryUri.toString(), services: [serviceConfig(url)] });
  try {
    const shown = await monitorCli(['config', 'show', '--config-path', cfg.configPath]);
    assert.equal(shown.code, 0, shown.out);
    assert.match(shown.out, /password=\*\*\*\*/);
    assert.match(shown.out, /http:\/\/alice:\*\*\*\*@127\.0\.0\.1/);
    assertNoSecret(shown.out, secrets, 'config show');
    for (const args of [
      ['config', 'show', '--json'],
      ['config', 'databases', 'show', '--json'],
      ['config', 'services', 'show'],
      ['config', 'services', 'show', '--json'],
    ]) {
      const r = await monitorCli([...args, '--config-path', cfg.configPath]);
      assert.equal(r.code, 0, r.out);
      assertNoSecret(r.out, secrets, args.join(' '));
    }

    const probe = await monitorCli(['probe', url, '--json', '--timeout', '5']);
    assert.equal(probe.code, 0, probe.out);
    assertNoSecret(probe.out, secrets, 'monitor probe');
    assert.equal(JSON.parse(probe.out).url, `http://alice:****@127.0.0.1:${port}/private`);
    const expected = `Basic ${Buffer.from(`alice:${SERVICE_PASSWORD}`).toString('base64')}`;
    assert.deepEqual(authHeaders, [expected], 'monitor probe sent the userinfo as Basic auth');

    const d = startDaemon(cfg.configPath);
    let remoteUrls: string[] = [];
    try {
      await d.waitFor(/Starting Exporter worker/);
      const arrived = await until(
        async () => {
          const c = new pg.Client({ connectionString: admin.toString() });
          await c.connect();
          try {
            const exists = await c.query(`SELECT to_regclass('public.monitoring') IS NOT NULL AS ok`);
            if (!exists.rows[0]?.ok) return false;
            remoteUrls = (await c.query<{ url: string }>('SELECT url FROM monitoring')).rows.map(
              (r) => r.url,
            );
          } finally {
            await c.end();
          }
          return remoteUrls.length > 0;
        },
        25_000,
        500,
      );
      assert.ok(arrived, `no result reached PostgreSQL:\n${d.output().slice(-3000)}`);
    } finally {
      const stop = await d.stop('SIGTERM', 25_000);
      assert.equal(stop.code, 0);
    }
    assert.deepEqual(new Set(remoteUrls), new Set([`http://alice:****@127.0.0.1:${port}/private`]));
    assert.ok(authHeaders.length >= 2, 'the daemon probed the service');
    assert.ok(
      authHeaders.every((h) => h === expected),
      `every request carried the Basic auth: ${authHeaders.join(', ')}`,
    );
    assert.match(d.output(), /"remote":"postgresql:\/\/[^"]*password=\*\*\*\*/);
    assertNoSecret(d.output(), secrets, 'the start log');

    const db = new Database(cfg.dbPath, { readonly: true });
    try {
      const local = db.prepare('SELECT url FROM results').all() as { url: string }[];
      assert.ok(local.length > 0);
      for (const row of local) assertNoSecret(row.url, secrets, 'a local result row');
    } finally {
      db.close();
    }
  } finally {
    cfg.remove();
  }
});
