import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createExporter } from '../../src/export/exporter.js';
import { silentLogger } from '../../src/log/logger.js';
import { messages } from '../helpers/logs.js';
import {
  createDatabaseOn,
  freePort,
  getTestDatabaseUrl,
  startTestPostgres,
  testAdminUrl,
} from '../helpers/pg.js';
import { makeResult } from '../helpers/results.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { assertExportOnce, assertRemoteRows, exporterRig, openLocal, query } from './fixtures.js';

test('a process SIGKILLed between the remote COMMIT and the local mark: every row exactly once', async (t) => {
  const url = await getTestDatabaseUrl();
  const local = openLocal();
  t.after(() => local.close());
  local.add(Array.from({ length: 50 }, (_, i) => makeResult(i)));
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./crash-child.js', import.meta.url)), local.path, url],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  assert.equal(signal, 'SIGKILL', stderr);
  const [sent] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM monitoring');
  assert.equal(sent?.n, '50', 'the batch was committed remotely');
  assert.equal(local.source.countUnexported(), 50, 'and is still unexported locally');

  local.add(Array.from({ length: 5 }, (_, i) => makeResult(100 + i)));
  const exporter = createExporter({ uri: url, source: local.source, logger: silentLogger() });
  t.after(() => exporter.close());
  await assertExportOnce(exporter, 55);
  await assertRemoteRows(url, 55);
});

for (const c of [
  {
    name: 'wrong password',
    uri: (admin: string) => {
      const u = new URL(admin);
      u.password = 'Wr0ng-Secret-Pa55';
      return u.toString();
    },
    line: /authentication to PostgreSQL failed: password authentication failed for user "postgres".*check the user and password/,
  },
  {
    name: 'unknown database',
    uri: (admin: string) => {
      const u = new URL(admin);
      u.pathname = '/no_such_database';
      return u.toString();
    },
    line: /PostgreSQL database unavailable: database "no_such_database" does not exist/,
  },
  {
    name: 'unreachable port',
    uri: async (admin: string) => {
      const u = new URL(admin);
      u.port = String(await freePort());
      return u.toString();
    },
    line: /lost connection to PostgreSQL: .*ECONNREFUSED/,
  },
]) {
  test(`${c.name}: one clear log line, retryAfterMs set, no throw, results kept, password never logged`, async (t) => {
    const uri = await c.uri(testAdminUrl());
    const { local, exporter, lines, text } = await exporterRig(t, {
      url: uri,
      connectTimeoutMs: 2000,
      backoff: undefined,
      migrate: false,
    });
    local.add([makeResult(1), makeResult(2)]);
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await exporter.exportOnce());
    for (const o of outcomes) {
      assert.equal(o.exported, 0);
      assert.equal(typeof o.retryAfterMs, 'number');
    }
    assert.ok(outcomes[0]!.retryAfterMs! <= 250, 'first wait within the base');
    assert.equal(exporter.state(), 'disconnected');
    assert.equal(local.source.countUnexported(), 2, 'results kept locally');
    const msgs = messages(lines).filter(
      (m) => !m.startsWith('idle') && !m.startsWith('PostgreSQL connection error'),
    );
    assert.equal(msgs.length, 1, `one line for three failed attempts:\n${text()}`);
    assert.match(msgs[0]!, c.line);
    const password = new URL(uri).password;
    assert.ok(!text().includes(password), 'password absent from the log');
    assert.ok(!text().includes(new URL(testAdminUrl()).password), 'admin password absent from the log');
  });
}

test('PostgreSQL stopped and started while exporting in a loop: nothing lost or doubled, one lost + one restored line', async (t) => {
  const server = await startTestPostgres();
  t.after(() => server.destroy());
  const { url, local, exporter, lines, text } = await exporterRig(t, {
    url: await createDatabaseOn(server.url),
    batchSize: 15,
    connectTimeoutMs: 1000,
    backoff: { baseMs: 10, capMs: 100 },
    migrate: false,
  });

  let produced = 0;
  let sawDown = false;
  for (let i = 0; i < 400; i++) {
    if (produced < 300) {
      local.add(Array.from({ length: 10 }, () => makeResult(produced++)));
    }
    if (i === 5) await server.stop();
    if (i === 12) await server.start();
    const out = await exporter.exportOnce();
    if (out.retryAfterMs !== null) {
      sawDown = true;
      await sleep(out.retryAfterMs);
    }
    if (produced >= 300 && local.source.countUnexported() === 0) break;
  }
  assert.ok(sawDown, 'the exporter noticed the outage');
  assert.equal(local.source.countUnexported(), 0, text());
  await assertRemoteRows(url, 300);
  const msgs = messages(lines);
  assert.equal(msgs.filter((m) => m.startsWith('lost connection to PostgreSQL')).length, 1, text());
  const restored = msgs.filter((m) => m.startsWith('connection to PostgreSQL restored after'));
  assert.equal(restored.length, 1, text());
  assert.match(restored[0]!, /restored after \d+ failed attempts?/);
  assert.equal(exporter.state(), 'connected');
});

test('a connection that goes silent after the COMMIT: the batch times out, is resent once and absorbed', async (t) => {
  const upstream = await getTestDatabaseUrl();
  const proxied = new URL(upstream);
  const proxy = await startTcpProxy(Number(proxied.port), { delayMs: 200 });
  t.after(() => proxy.close());
  proxied.port = String(proxy.port);
  const { local, exporter, lines, text } = await exporterRig(t, {
    url: proxied.toString(),
    statementTimeoutMs: 1000,
    connectTimeoutMs: 3000,
    backoff: undefined,
    migrate: false,
  });
  local.add([makeResult(0)]);
  assert.equal((await exporter.exportOnce()).exported, 1, 'warm: table migrated, connection pooled');

  local.add(Array.from({ length: 20 }, (_, i) => makeResult(1 + i)));
  const pending = exporter.exportOnce();
  // The INSERT is already on its way (forwarded after the delay); its answer will be swallowed.
  await sleep(100);
  proxy.freeze();
  const started = Date.now();
  const hung = await pending;
  assert.equal(hung.exported, 0);
  assert.equal(typeof hung.retryAfterMs, 'number');
  assert.ok(Date.now() - started < 5000, 'given up within the client timeout');
  assert.equal(local.source.countUnexported(), 20, 'not marked: the commit was never confirmed');
  const [committed] = await query<{ n: string }>(upstream, 'SELECT count(*) AS n FROM monitoring');
  assert.equal(committed?.n, '21', 'yet PostgreSQL did commit it: only the answer was lost');
  proxy.thaw();
  const again = await exporter.exportOnce();
  assert.deepEqual(again, { exported: 20, full: false, setAside: 0, retryAfterMs: null }, text());
  await assertRemoteRows(upstream, 21);
  assert.equal(messages(lines).filter((m) => m.startsWith('lost connection')).length, 1, text());
});

test('a remote table dropped by hand: one clear line, then it is created again and the rows arrive', async (t) => {
  const { url, local, exporter, lines, text } = await exporterRig(t, { migrate: false });
  local.add([makeResult(0)]);
  assert.equal((await exporter.exportOnce()).exported, 1);
  await query(url, 'DROP TABLE monitoring');
  local.add([makeResult(1), makeResult(2)]);
  const failed = await exporter.exportOnce();
  assert.equal(failed.exported, 0);
  assert.equal(typeof failed.retryAfterMs, 'number');
  assert.equal(local.source.countUnexported(), 2, 'nothing set aside for a missing table');
  await assertExportOnce(exporter, 2);
  const [row] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM monitoring');
  assert.equal(row?.n, '2');
  const msgs = messages(lines);
  assert.equal(msgs.filter((m) => m.startsWith('PostgreSQL table unusable: relation')).length, 1, text());
  assert.equal(msgs.filter((m) => m.startsWith('export to PostgreSQL resumed')).length, 1, text());
  assert.equal(msgs.filter((m) => m.includes('lost connection')).length, 0, 'a table is not a connection');
});
