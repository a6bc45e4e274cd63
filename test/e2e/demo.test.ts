import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { MONITOR_BIN } from '../helpers/daemon.js';

test('monitor demo (the README main job): a healthy, a regex-failing and a timing-out service arrive in PostgreSQL', async () => {
  const child = spawn(process.execPath, [MONITOR_BIN, 'demo', '--seconds', '8'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  clearTimeout(timer);
  assert.equal(code, 0, out.slice(-3000));
  assert.match(out, /monitor start stopped with exit code 0 after SIGTERM/);
  const table = out.slice(out.indexOf('Rows that arrived in PostgreSQL'));
  const row = (path: string) => table.split('\n').find((l) => new RegExp(`:\\d+${path} `).test(l)) ?? '';
  const cells = (line: string) =>
    line
      .split('|')
      .map((c) => c.trim())
      .filter(Boolean);
  const [, , probesOk, okOk, statusOk, classOk] = cells(row('/'));
  assert.ok(Number(probesOk) >= 1 && okOk === probesOk && statusOk === '200' && classOk === '-', row('/'));
  const [, , , okRegex, , classRegex] = cells(row('/openapi.json'));
  assert.equal(okRegex, '0');
  assert.equal(classRegex, 'regex_mismatch');
  const [, , , okSlow, , classSlow] = cells(row('/slow'));
  assert.equal(okSlow, '0');
  assert.equal(classSlow, 'timeout');
  // The throwaway database's password is never shown.
  assert.doesNotMatch(out, /postgresql:\/\/monitor:[0-9a-f]{24}@/);
});
