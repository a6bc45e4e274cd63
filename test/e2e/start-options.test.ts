import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { MONITOR_BIN, startCountingServer, tempConfig } from '../helpers/daemon.js';
import { serviceConfig } from '../helpers/services.js';

function startRaw(args: string[]): {
  /** Waits until `until` was printed (when given, at most 30 s), then `ms`, then sends SIGTERM. */
  wait(ms: number, until?: RegExp): Promise<{ out: string; code: number | null }>;
} {
  const child = spawn(process.execPath, [MONITOR_BIN, 'start', '--no-http', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return {
    async wait(ms, until) {
      // A SIGTERM while monitor is still loading (a slow machine) stops it before it logs much.
      for (let t = 0; until && !until.test(out) && t < 30_000; t += 100) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGTERM');
      return { out, code: await exited };
    },
  };
}

test('no services: refused with one line and exit 2', () => {
  const cfg = tempConfig({ external_database_uri: null, services: [] });
  try {
    const r = spawnSync(
      process.execPath,
      [MONITOR_BIN, 'start', '--no-http', '--yes', '--config-path', cfg.configPath],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no services in .*monitor config services add/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    cfg.remove();
  }
});

test('a bad MONITOR_SQLITE_MAX_PAGE_COUNT: refused with one line naming it, exit 2, no database made', () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig('http://127.0.0.1:9/x')] });
  try {
    for (const bad of ['0', '-5', '1.5', 'lots']) {
      const r = spawnSync(
        process.execPath,
        [MONITOR_BIN, 'start', '--no-http', '--yes', '--config-path', cfg.configPath],
        {
          encoding: 'utf8',
          env: { ...process.env, MONITOR_SQLITE_MAX_PAGE_COUNT: bad },
        },
      );
      assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`MONITOR_SQLITE_MAX_PAGE_COUNT must be a positive whole number.*'${bad}'`),
      );
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.equal(existsSync(cfg.dbPath), false, 'the local database was created');
    }
  } finally {
    cfg.remove();
  }
});

test('no external database: monitors locally and says so; pretty lines have the original shape', async () => {
  const target = await startCountingServer();
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/local`)] });
  try {
    const r = await startRaw([
      '--yes',
      '-vvvv',
      '--log-format',
      'pretty',
      '--config-path',
      cfg.configPath,
    ]).wait(6_000, /Starting Agent worker/);
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      /^WARNING \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| export \| No external database configured/m,
    );
    assert.match(
      r.out,
      /^INFO \| .* \| scheduler \| Total requests per minute \(RPM\) across all services: 12\.00$/m,
    );
    assert.ok((target.counts.get('/local') ?? 0) >= 1, 'probed while local-only');
  } finally {
    await target.close();
    cfg.remove();
  }
});

test('verbosity like the original: without -v only critical lines; --log-format json gives JSON lines', async () => {
  const target = await startCountingServer();
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/quiet`)] });
  try {
    const quiet = await startRaw(['--yes', '--log-format', 'pretty', '--config-path', cfg.configPath]).wait(
      1_500,
    );
    assert.equal(quiet.code, 0);
    assert.equal(quiet.out, '', 'nothing below critical is printed');
    const json = await startRaw([
      '--yes',
      '-vvvv',
      '--log-format',
      'json',
      '--config-path',
      cfg.configPath,
    ]).wait(0, /Starting Agent worker/);
    assert.equal(json.code, 0);
    const lines = json.out.trim().split('\n');
    assert.ok(lines.length >= 3);
    for (const l of lines) assert.equal(typeof JSON.parse(l).msg, 'string');
  } finally {
    await target.close();
    cfg.remove();
  }
});
