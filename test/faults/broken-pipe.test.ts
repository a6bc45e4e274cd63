import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { MONITOR_BIN } from '../helpers/cli.js';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { readLocal } from '../helpers/local-db.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A log shipper that restarts closes the daemon's stderr pipe: before, the next log line's EPIPE
// ended the daemon (exit 1) and left its lock pid file.
test('the reader of the daemon stderr and stdout goes away: it keeps probing and stops cleanly on SIGTERM', async () => {
  const target = await startCountingServer();
  const services = Array.from({ length: 20 }, (_, i) => serviceConfig(`${target.url}/pipe/${i}`));
  const cfg = tempConfig({ external_database_uri: null, services });
  // -vvvvv: a debug line per probe, so the broken pipe is written to many times.
  const d = startDaemon(cfg.configPath);
  try {
    await d.waitFor(/Starting Agent worker/);
    d.child.stderr?.destroy();
    d.child.stdout?.destroy();
    await sleep(3_000);
    const before = readLocal(cfg.dbPath).ids.size;
    await sleep(4_000);
    const after = readLocal(cfg.dbPath).ids.size;
    assert.equal(d.child.exitCode, null, 'still running');
    // 20 services at 5 s for 4 s: 16 slots; allow for a loaded machine.
    assert.ok(after - before >= 8, `results kept coming: ${before} -> ${after}`);
    const stop = await d.stop('SIGTERM');
    assert.equal(stop.code, 0);
    assert.ok(!existsSync(`${cfg.dbPath}.lock.pid`), 'lock pid file removed');
    assert.deepEqual(
      readdirSync(cfg.dir).filter((f) => f.endsWith('.pid')),
      [],
    );
  } finally {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await d.exited;
    cfg.remove();
    await target.close();
  }
});

test('config services show piped into a reader that closes early: quiet exit 0, no stack trace', async () => {
  // Enough rows (≈ 300 KB) that the output cannot fit in the pipe before the reader leaves.
  const services = Array.from({ length: 3_000 }, (_, i) => serviceConfig(`http://127.0.0.1:9/head/${i}`));
  const cfg = tempConfig({ external_database_uri: null, services });
  try {
    const child = spawn(
      process.execPath,
      [MONITOR_BIN, 'config', 'services', 'show', '--config-path', cfg.configPath],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    // Like `| head -1`: read one chunk, then close.
    child.stdout.once('data', () => child.stdout.destroy());
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.once('exit', (c, s) => r([c, s])),
    );
    assert.equal(err, '', 'nothing on stderr');
    assert.deepEqual([code, signal], [0, null]);
  } finally {
    cfg.remove();
  }
});
