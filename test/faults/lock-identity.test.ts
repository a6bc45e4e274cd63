import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MONITOR_BIN, startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { serviceConfig } from '../helpers/services.js';

/** `monitor start` on `configPath`, expected to be refused: its exit code and stderr. */
async function refusedStart(configPath: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(
    process.execPath,
    [MONITOR_BIN, 'start', '--no-http', '--yes', '--config-path', configPath],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    new Promise<number | null>((r) => child.once('exit', (c) => r(c))),
    new Promise<'running'>((r) => {
      timer = setTimeout(() => r('running'), 10_000);
    }),
  ]);
  clearTimeout(timer);
  if (code === 'running') {
    child.kill('SIGKILL');
    return { code: -1, err: `still running after 10 s: ${err}` };
  }
  return { code, err };
}

// A second name for the database (a hard link in the same folder or in another one, a symlink)
// must not let a second daemon write the same file: each would keep its own -wal and corrupt it.
for (const kind of ['hard link', 'hard link in another folder', 'symlink'] as const) {
  test(`a second monitor start through a ${kind} to the database is refused like the same path`, async () => {
    const target = await startCountingServer();
    const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/lock`)] });
    const first = startDaemon(cfg.configPath);
    try {
      await first.waitFor(/Starting Agent worker/);

      const same = await refusedStart(cfg.configPath);
      assert.equal(same.code, 2, same.err);

      const folder = kind === 'hard link in another folder' ? join(cfg.dir, 'elsewhere') : cfg.dir;
      mkdirSync(folder, { recursive: true });
      const other = join(folder, 'other-name.sqlite3');
      if (kind === 'symlink') symlinkSync(cfg.dbPath, other);
      else linkSync(cfg.dbPath, other);
      const otherConfig = tempConfig({
        external_database_uri: null,
        local_database_path: other,
        services: [serviceConfig(`${target.url}/lock-2`)],
      });
      try {
        const second = await refusedStart(otherConfig.configPath);
        assert.equal(second.code, 2, second.err);
        assert.match(second.err, new RegExp(`\\b${first.pid}\\b`), 'names the other process');
        // The same words as the same-path refusal (the pid is the same too), naming either name.
        const shape = (err: string) => err.replace(other, 'DB').replace(cfg.dbPath, 'DB');
        assert.equal(shape(second.err), shape(same.err));
        assert.match(second.err, /^monitor: error: local database .* is in use by another monitor process/);
      } finally {
        otherConfig.remove();
      }
      assert.equal(first.child.exitCode, null, 'the first keeps running');
      const stop = await first.stop('SIGTERM');
      assert.equal(stop.code, 0, first.output().slice(-2000));
    } finally {
      if (first.child.exitCode === null) first.child.kill('SIGKILL');
      await first.exited;
      cfg.remove();
      await target.close();
    }
  });
}
