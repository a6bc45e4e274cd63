import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MONITOR_BIN, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { readLocal, until } from '../helpers/local-db.js';
import { freePort } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('buffer limit reached while PostgreSQL is down: oldest dropped, the exact count reported, size bounded', async () => {
  const target = await startCountingServer();
  const down = `postgresql://u:secret-pw@127.0.0.1:${await freePort()}/db`;
  const services = Array.from({ length: 20 }, (_, i) => serviceConfig(`${target.url}/buf/${i}`));
  const cfg = tempConfig({ external_database_uri: down, services, buffer: { max_rows: 30 } });
  try {
    const d = startDaemon(cfg.configPath);
    await d.waitFor(/dropped the \d+ oldest/, 30_000);
    await sleep(2_000);
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0);
    const served = [...target.counts.values()].reduce((a, b) => a + b, 0);
    const local = readLocal(cfg.dbPath);
    const dropped = local.counters['dropped_results'] ?? 0;
    // Every probe made is either still buffered or counted as dropped: nothing vanishes silently.
    assert.equal(
      local.ids.size + dropped,
      served,
      `kept ${local.ids.size} + dropped ${dropped} vs served ${served}`,
    );
    // The log reports the same total.
    const logged = [...d.output().matchAll(/dropped the (\d+) oldest/g)].reduce(
      (a, m) => a + Number(m[1]),
      0,
    );
    assert.equal(logged, dropped);
    assert.ok(dropped > 0);
    // Bounded: at most the limit plus what 5 s of probing adds between two checks.
    assert.ok(local.ids.size <= 30 + 20 * 2, `buffer holds ${local.ids.size}`);
    assert.equal(local.integrity, 'ok');
  } finally {
    await target.close();
    cfg.remove();
  }
});

function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('disk full under the local database: SQLITE_FULL handled, counted, no corruption, writing resumes', async (t) => {
  const target = await startCountingServer();
  const services = Array.from({ length: 100 }, (_, i) => serviceConfig(`${target.url}/full/${i}`));
  const cfg = tempConfig({ external_database_uri: null, services });
  const mnt = join(cfg.dir, 'small');
  mkdirSync(mnt);
  // MONITOR_TEST_NO_MOUNT=1 takes the page-cap path even where mount is permitted (to check it).
  const mounted = process.env['MONITOR_TEST_NO_MOUNT'] !== '1' && tryMountTmpfs(mnt, '3m');
  // Without mount rights (unprivileged CI), the same SQLITE_FULL path is driven by a page cap.
  const env: NodeJS.ProcessEnv = mounted ? {} : { MONITOR_SQLITE_MAX_PAGE_COUNT: '48' };
  t.diagnostic(mounted ? 'local database on a 3 MB tmpfs' : 'mount not permitted: using a SQLite page cap');
  const dbPath = join(mnt, 'local.sqlite3');
  cfg.write({ ...cfg.config, local_database_path: dbPath });
  const filler = join(mnt, 'filler');
  try {
    const d = startDaemon(cfg.configPath, [], env);
    await d.waitFor(/Starting Agent worker/, 20_000);
    await sleep(2_000);
    if (mounted) {
      // Fill the file system to the last byte.
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // ENOSPC: full.
      } finally {
        closeSync(fd);
      }
    }
    await d.waitFor(/disk full|SQLITE_FULL|database or disk is full/i, 60_000);
    await sleep(3_000);
    assert.equal(d.child.exitCode, null, 'alive while the disk is full');
    if (mounted) rmSync(filler);
    const before = readLocal(dbPath).ids.size;
    if (mounted) {
      const resumed = await until(() => readLocal(dbPath).ids.size > before + 20, 20_000, 500);
      assert.ok(resumed, 'writing resumed when space came back');
    }
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0);
    const local = readLocal(dbPath);
    assert.equal(local.integrity, 'ok');
    assert.ok((local.counters['disk_full_dropped'] ?? 0) > 0, `counted: ${JSON.stringify(local.counters)}`);
  } finally {
    if (mounted) spawnSync('umount', ['-l', mnt]);
    await target.close();
    cfg.remove();
  }
});

test('a corrupt or foreign file at the local database path: clear error, non-zero exit, the file untouched', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig('http://127.0.0.1:9/x')] });
  try {
    for (const content of [Buffer.from('this is my diary, not a database\n'), Buffer.alloc(8192, 7)]) {
      writeFileSync(cfg.dbPath, content);
      const hash = createHash('sha256').update(readFileSync(cfg.dbPath)).digest('hex');
      const r = spawnSync(
        process.execPath,
        [MONITOR_BIN, 'start', '--no-http', '--yes', '--config-path', cfg.configPath],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(cfg.dbPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(
        createHash('sha256').update(readFileSync(cfg.dbPath)).digest('hex'),
        hash,
        'file unchanged',
      );
    }
  } finally {
    cfg.remove();
  }
});
