import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { MonitorConfig } from '../../src/config/types.js';
import { startCountingServer, startDaemon, tempConfig } from '../helpers/daemon.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let target: Awaited<ReturnType<typeof startCountingServer>>;
before(async () => {
  target = await startCountingServer();
});
after(() => target.close());

const writeConfig = (path: string, config: MonitorConfig) =>
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });

/** Resolves once `path` has been requested at least once. */
async function waitProbed(path: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while ((target.counts.get(path) ?? 0) === 0) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${path} never probed`);
    await sleep(100);
  }
}

test('reload to no services at all: the last service stops being probed, the daemon keeps running', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/last`)] });
  const d = startDaemon(cfg.configPath);
  try {
    await d.waitFor(/Starting Agent worker/);
    await waitProbed('/last');
    cfg.write({ ...cfg.config, services: [] });
    await d.waitFor(/Configuration reloaded/, 10_000);
    await sleep(1_000); // a probe already running may finish
    const stopped = target.counts.get('/last') ?? 0;
    await sleep(7_000); // more than one 5 s interval
    assert.equal(target.counts.get('/last'), stopped, 'not probed after its removal');
    assert.equal(d.child.exitCode, null, 'still running');
    const stop = await d.stop('SIGTERM');
    assert.equal(stop.code, 0);
  } finally {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await d.exited;
    cfg.remove();
  }
});

test('a symlinked config: editing its target in another folder reloads without SIGHUP', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/link-a`)] });
  const elsewhere = join(cfg.dir, 'elsewhere');
  mkdirSync(elsewhere);
  const real = join(elsewhere, 'real-config');
  writeConfig(real, cfg.config);
  const link = join(cfg.dir, 'linked-config');
  symlinkSync(real, link);
  const d = startDaemon(link);
  try {
    await d.waitFor(/Starting Agent worker/);
    writeConfig(real, {
      ...cfg.config,
      services: [serviceConfig(`${target.url}/link-a`), serviceConfig(`${target.url}/link-b`)],
    });
    await d.waitFor(/Configuration reloaded/, 10_000);
    await waitProbed('/link-b');
    const stop = await d.stop('SIGTERM');
    assert.equal(stop.code, 0);
  } finally {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await d.exited;
    cfg.remove();
  }
});

test('the config folder replaced by a new one: the new config is loaded, and later edits too', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(`${target.url}/dir-a`)] });
  const folder = join(cfg.dir, 'home', '.monitoring');
  mkdirSync(folder, { recursive: true });
  const path = join(folder, 'monitoring-config');
  writeConfig(path, cfg.config);
  const d = startDaemon(path);
  try {
    await d.waitFor(/Starting Agent worker/);
    renameSync(folder, `${folder}.old`);
    mkdirSync(folder);
    writeConfig(path, { ...cfg.config, services: [serviceConfig(`${target.url}/dir-b`)] });
    await waitProbed('/dir-b');
    // The watch follows the new folder: a later edit in it is seen as well.
    writeConfig(path, {
      ...cfg.config,
      services: [serviceConfig(`${target.url}/dir-b`), serviceConfig(`${target.url}/dir-c`)],
    });
    await waitProbed('/dir-c');
    const stop = await d.stop('SIGTERM');
    assert.equal(stop.code, 0);
  } finally {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await d.exited;
    cfg.remove();
  }
});
