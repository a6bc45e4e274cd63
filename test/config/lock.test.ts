import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { lockPathOf, withConfigLock } from '../../src/config/lock.js';
import { MonitorError } from '../../src/errors.js';
import { createConfig, fileDigest, lines, makeTempHome, runMonitor } from '../helpers/cli.js';

/** Issue 12, item 7: the config write lock times out cleanly and takes over a dead holder's lock. */

const dir = mkdtempSync(join(tmpdir(), 'monitor-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

test('withConfigLock: a lock held by a live process makes a writer fail with E_CONFIG_BUSY in time, doing nothing', () => {
  const path = join(dir, 'cfg-busy');
  writeFileSync(lockPathOf(path), `${process.pid}\n`);
  try {
    let ran = false;
    const t0 = Date.now();
    assert.throws(
      () =>
        withConfigLock(
          path,
          () => {
            ran = true;
          },
          { timeoutMs: 300 },
        ),
      (err: unknown) =>
        err instanceof MonitorError &&
        err.code === 'E_CONFIG_BUSY' &&
        err.exitCode === 1 &&
        err.message.includes(`pid ${process.pid}`),
    );
    assert.ok(Date.now() - t0 >= 300);
    assert.equal(ran, false);
    assert.ok(existsSync(lockPathOf(path)), "the other process's lock is left alone");
  } finally {
    rmSync(lockPathOf(path), { force: true });
  }
});

test('withConfigLock: a dead holder is taken over; the lock is released after, also when the change throws', () => {
  const path = join(dir, 'cfg-stale');
  writeFileSync(lockPathOf(path), `${deadPid()}\n`);
  assert.equal(
    withConfigLock(path, () => 42, { timeoutMs: 300 }),
    42,
  );
  assert.equal(existsSync(lockPathOf(path)), false);
  assert.throws(
    () =>
      withConfigLock(path, () => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(existsSync(lockPathOf(path)), false);
});

test('monitor config services add while another process holds the lock: exit 1, one line, file unchanged', async () => {
  const h = makeTempHome('monitor-lock-cli-');
  try {
    await createConfig(h.path);
    const before = fileDigest(h.configPath);
    writeFileSync(lockPathOf(h.configPath), `${process.pid}\n`);
    const r = await runMonitor(['config', 'services', 'add', 'http://127.0.0.1:8080/', 'GET'], {
      home: h.path,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `being changed by another process \\(pid ${process.pid} holds .*\\.lock\\); nothing was changed`,
      ),
    );
    assert.equal(fileDigest(h.configPath), before);

    // The holder dies without releasing: the next writer takes the lock over.
    writeFileSync(lockPathOf(h.configPath), `${deadPid()}\n`);
    const ok = await runMonitor(['config', 'services', 'add', 'http://127.0.0.1:8080/', 'GET', '-q'], {
      home: h.path,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(existsSync(lockPathOf(h.configPath)), false);
  } finally {
    h.cleanup();
  }
});
