import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MONITOR_BIN, tempConfig } from '../helpers/daemon.js';
import { serviceConfig } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Has `pid` a handler for SIGHUP yet (bit 0 of SigCgt in /proc/<pid>/status)? */
function catchesHup(pid: number): boolean {
  try {
    const line = /SigCgt:\s*([0-9a-f]+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line !== null && (BigInt(`0x${line[1]}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

/**
 * How long node itself takes, on this machine now, to run the first line of a script: no program
 * can handle a signal before that. Measured with a bare script, the longest of three, doubled: on
 * a loaded machine one start-up can take much longer than the next.
 */
async function nodeBootMs(): Promise<number> {
  let longest = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const child = spawn(process.execPath, [
      '-e',
      "process.on('SIGHUP', () => {}); setTimeout(() => {}, 20000)",
    ]);
    while (!catchesHup(child.pid ?? -1) && Date.now() - t0 < 20_000) await sleep(2);
    longest = Math.max(longest, 2 * (Date.now() - t0));
    child.kill('SIGKILL');
  }
  return longest;
}

// A `systemctl reload` (SIGHUP) or a stop (SIGTERM) while monitor is still loading must neither
// kill it with 129/143 nor leave its lock behind. Before, SIGHUP had no handler for ~0.9 s of
// module loading.
test('SIGHUP then SIGTERM at early moments of monitor start: exit 0, no lock left', async () => {
  const boot = await nodeBootMs();
  const cfg = tempConfig({
    external_database_uri: null,
    services: [serviceConfig('http://127.0.0.1:9/early')],
  });
  try {
    for (const delay of [0, 50, 200, 500]) {
      const child = spawn(
        process.execPath,
        [
          MONITOR_BIN,
          'start',
          '--no-http',
          '--yes',
          '--log-format',
          'json',
          '-vvvv',
          '--config-path',
          cfg.configPath,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
      });
      child.stderr.on('data', (b: Buffer) => {
        out += b.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        child.once('exit', (code, signal) => r({ code, signal })),
      );
      await sleep(boot + delay);
      child.kill('SIGHUP');
      await sleep(10);
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        exited,
        new Promise<null>((r) => {
          timer = setTimeout(() => r(null), 30_000);
        }),
      ]);
      clearTimeout(timer);
      if (res === null) child.kill('SIGKILL');
      assert.deepEqual(res, { code: 0, signal: null }, `boot ${boot} ms + ${delay} ms:\n${out.slice(-2000)}`);
      const leftovers = readdirSync(cfg.dir).filter((f) => f.endsWith('.pid'));
      assert.deepEqual(leftovers, [], `lock pid files left after ${delay} ms`);
    }
  } finally {
    cfg.remove();
  }
});
