import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { MONITOR_BIN, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function monitorCli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MONITOR_BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  url: string;
  local_id: string;
  service_key: string;
  scheduled_ms: string;
  started: boolean;
  error_class: string | null;
}

async function remoteRows(uri: string): Promise<Row[]> {
  const c = new pg.Client({ connectionString: uri });
  await c.connect();
  try {
    const r = await c.query<Row>(
      `SELECT url, local_id, service_key, (extract(epoch from scheduled_at) * 1000)::bigint::text AS scheduled_ms,
              started_at IS NOT NULL AS started, error_class
         FROM monitoring ORDER BY url, scheduled_at`,
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

const target = await startCountingServer();
after(() => target.close());

test('monitor start: end to end with a live add and remove, SIGTERM exit 0, every slot once in PostgreSQL', async () => {
  const uri = await getTestDatabaseUrl();
  const cfg = tempConfig({
    external_database_uri: uri,
    services: [serviceConfig(`${target.url}/a`), serviceConfig(`${target.url}/b`)],
  });
  try {
    const d = startDaemon(cfg.configPath);
    await d.waitFor(/Starting Agent worker/);
    const t0 = Date.now();
    await sleep(6_000);

    // A live add through the real CLI: the daemon picks the file change up by itself.
    const add = monitorCli([
      'config',
      'services',
      'add',
      `${target.url}/c`,
      'GET',
      '--timeout',
      '3',
      '-q',
      '--config-path',
      cfg.configPath,
    ]);
    assert.equal(add.code, 0, add.stderr);
    const tAdd = Date.now();
    await d.waitFor(/Configuration reloaded/, 5_000);
    await sleep(6_000);

    // /a sorts first (url+method+check_regex+regex), so it is number 0.
    const rm = monitorCli(['config', 'services', 'remove', '0', '--yes', '--config-path', cfg.configPath]);
    assert.equal(rm.code, 0, rm.stderr);
    const tRemove = Date.now();
    await sleep(6_000);

    const stop = await d.stop('SIGTERM', 25_000);
    const tStop = Date.now();
    assert.equal(stop.code, 0, d.output().slice(-2000));

    const rows = await remoteRows(uri);
    const byUrl = new Map<string, Row[]>();
    for (const r of rows) byUrl.set(r.url, [...(byUrl.get(r.url) ?? []), r]);

    // No duplicates anywhere: one row per local id and per (service, slot).
    assert.equal(new Set(rows.map((r) => r.local_id)).size, rows.length);
    assert.equal(new Set(rows.map((r) => `${r.service_key}@${r.scheduled_ms}`)).size, rows.length);

    for (const [url, list] of byUrl) {
      const slots = list.map((r) => Number(r.scheduled_ms));
      // Fixed-rate grid: consecutive slots exactly one interval apart, no gap, no burst.
      for (let i = 1; i < slots.length; i++) {
        assert.equal(
          (slots[i] ?? 0) - (slots[i - 1] ?? 0),
          5_000,
          `gap in ${url} at ${i}: ${slots.join(',')}`,
        );
      }
      // Every probe that reached the server is one row, and every started row was served.
      const path = new URL(url).pathname;
      assert.equal(
        list.filter((r) => r.started).length,
        target.counts.get(path) ?? 0,
        `served vs rows for ${path}`,
      );
      assert.ok(
        list.every((r) => r.error_class === null),
        `errors for ${url}`,
      );
    }

    const b = byUrl.get(`${target.url}/b`) ?? [];
    const expectedB = (tStop - t0) / 5_000;
    assert.ok(Math.abs(b.length - expectedB) <= 1.5, `b: ${b.length} rows for ${expectedB.toFixed(1)} slots`);

    const a = byUrl.get(`${target.url}/a`) ?? [];
    const lastA = Number(a.at(-1)?.scheduled_ms ?? 0);
    assert.ok(a.length >= 2, 'a ran before its removal');
    assert.ok(lastA <= tRemove + 5_000, 'a stopped after its removal');

    const c = byUrl.get(`${target.url}/c`) ?? [];
    assert.ok(c.length >= 2, `c started after its addition (${c.length} rows)`);
    assert.ok(Number(c[0]?.scheduled_ms) >= tAdd - 1_000, 'c did not run before it was added');
    const expectedC = (tStop - tAdd) / 5_000;
    assert.ok(Math.abs(c.length - expectedC) <= 1.5, `c: ${c.length} rows for ${expectedC.toFixed(1)} slots`);
  } finally {
    cfg.remove();
  }
});

test('a second monitor start on the same local database is refused within 1 s with exit 2; after SIGKILL a new start works', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/single`)] });
  try {
    const first = startDaemon(cfg.configPath);
    await first.waitFor(/Starting Agent worker/);

    const t0 = Date.now();
    const second = spawn(
      process.execPath,
      [MONITOR_BIN, 'start', '--no-http', '--yes', '--config-path', cfg.configPath],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    second.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((r) => second.once('exit', (c) => r(c)));
    const elapsed = Date.now() - t0;
    assert.equal(code, 2, err);
    assert.ok(elapsed < 1_000 + 500, `refused after ${elapsed} ms`); // +500 ms: node's own start-up here
    assert.match(err, new RegExp(`\\b${first.pid}\\b`), 'names the other process');
    assert.equal(err.trim().split('\n').length, 1, `one line: ${err}`);

    // The first is still running and monitoring.
    assert.equal(first.child.exitCode, null);
    first.child.kill('SIGKILL');
    await first.exited;

    const next = startDaemon(cfg.configPath);
    await next.waitFor(/Starting Agent worker/);
    const stop = await next.stop('SIGTERM');
    assert.equal(stop.code, 0, next.output().slice(-2000));
  } finally {
    cfg.remove();
  }
});

test('SIGHUP reloads; a broken config file is reported and the previous services keep running', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/hup`)] });
  try {
    const d = startDaemon(cfg.configPath);
    await d.waitFor(/Starting Agent worker/);
    d.child.kill('SIGHUP');
    await d.waitFor(/Configuration reloaded.*SIGHUP|SIGHUP.*Configuration reloaded/, 5_000);

    const { writeFileSync } = await import('node:fs');
    writeFileSync(cfg.configPath, '{ "services": [ oops');
    await d.waitFor(/Configuration not reloaded/, 5_000);
    const before = target.counts.get('/hup') ?? 0;
    await sleep(5_500);
    assert.ok((target.counts.get('/hup') ?? 0) > before, 'the previous service is still probed');
    assert.equal(d.child.exitCode, null);
    cfg.write(cfg.config);
    const stop = await d.stop('SIGTERM');
    assert.equal(stop.code, 0);
  } finally {
    cfg.remove();
  }
});

test('--notify-systemd: READY, STATUS, WATCHDOG and STOPPING reach a real notify socket', async () => {
  const unixDgram = createRequire(import.meta.url)('unix-dgram') as {
    createSocket(
      type: 'unix_dgram',
      onMessage: (buf: Buffer) => void,
    ): { bind(p: string): void; close(): void };
  };
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/sd`)] });
  const messages: string[] = [];
  const sockPath = join(cfg.dir, 'notify.sock');
  const sock = unixDgram.createSocket('unix_dgram', (b) => messages.push(b.toString()));
  sock.bind(sockPath);
  try {
    const d = startDaemon(cfg.configPath, ['-ns'], { NOTIFY_SOCKET: sockPath, WATCHDOG_USEC: '1000000' });
    await d.waitFor(/Starting Agent worker/);
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && !messages.some((m) => m === 'WATCHDOG=1')) await sleep(50);
    const stop = await d.stop('SIGTERM');
    assert.equal(stop.code, 0);
    await sleep(200);
    const ready = messages.find((m) => m.startsWith('READY=1'));
    assert.ok(ready, `READY=1 in ${JSON.stringify(messages)}`);
    assert.match(ready, new RegExp(`MAINPID=${d.pid}`));
    assert.match(ready, /STATUS=services=1/);
    // The runner's log about skipped slots points at this count.
    assert.match(ready, /STATUS=services=1 executed=\d+ missed=\d+ stale=\d+ remote=/);
    assert.ok(messages.includes('WATCHDOG=1'), 'watchdog pings');
    assert.ok(
      messages.some((m) => m.startsWith('STOPPING=1')),
      'STOPPING on shutdown',
    );
    assert.ok(
      messages.findIndex((m) => m.startsWith('READY=1')) <
        messages.findIndex((m) => m.startsWith('STOPPING=1')),
    );
  } finally {
    sock.close();
    cfg.remove();
  }
});
