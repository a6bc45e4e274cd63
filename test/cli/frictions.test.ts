import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runMonitor } from '../helpers/cli.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { serviceConfig } from '../helpers/services.js';

/** Issue 11's small frictions: help text, completion, the example app's address, the stale count. */

const EXAMPLE_APP = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/demo/serve-example-app.js');

/** The help entry of `--name`: its line and the continuation lines up to the next option. */
function helpEntry(help: string, name: string): string {
  const ls = help.split('\n');
  const i = ls.findIndex((l) => new RegExp(`^\\s+(-\\w, )?--${name}\\b`).test(l));
  assert.ok(i >= 0, `--${name} in\n${help}`);
  const rest = ls.slice(i + 1).findIndex((l) => /^\s+-/.test(l) || l.trim() === '');
  return ls.slice(i, rest < 0 ? undefined : i + 1 + rest).join('\n');
}

async function help(args: string[]): Promise<string> {
  const r = await runMonitor([...args, '--help'], { env: { COLUMNS: '100' } });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('numeric options are typed [number] in --help', async () => {
  const cases: [string[], string[]][] = [
    [
      ['probe', 'http://x/'],
      ['timeout', 'max-body-bytes'],
    ],
    [
      ['config', 'services', 'add', 'http://x/', 'GET'],
      ['timeout', 'interval', 'max-body-bytes'],
    ],
    [
      ['config', 'services', 'update', '0'],
      ['timeout', 'interval', 'max-body-bytes'],
    ],
    [['start'], ['drain-timeout']],
  ];
  for (const [args, names] of cases) {
    const text = await help(args);
    for (const name of names) assert.match(helpEntry(text, name), /\[number\]/, `${args[0]} --${name}`);
  }
});

test('a bad number is still one line and exit 2, the config unchanged', async () => {
  const r = await runMonitor(['probe', 'http://127.0.0.1:9/', '--timeout', 'abc']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'monitor: error: --timeout must be a number\n');
  assert.equal(r.stdout, '');
});

test('every command shows the config-path default as ~/.monitoring/monitoring-config', async () => {
  const commands = [
    ['start'],
    ['config', 'show'],
    ['config', 'services', 'remove', '0'],
    ['config', 'databases', 'update'],
    ['db', 'migrate'],
  ];
  for (const args of commands) {
    const entry = helpEntry(await help(args), 'config-path');
    assert.match(entry, /\[default: ~\/\.monitoring\/monitoring-config\]/, args.join(' '));
  }
});

test('shell completion offers -v as --verbose, never --v', async () => {
  for (const current of ['--', '-', '']) {
    const r = await runMonitor(['--get-yargs-completions', 'monitor', 'start', current]);
    assert.equal(r.code, 0, r.stderr);
    const offered = r.stdout.split('\n');
    assert.ok(!offered.includes('--v'), `${current}: ${offered.join(' ')}`);
    assert.ok(offered.includes('--verbose'), `${current}: ${offered.join(' ')}`);
  }
});

/** Start the example app with `args`/`env`; resolves with the URL it printed, then stops it. */
async function exampleAppUrl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(process.execPath, [EXAMPLE_APP, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '', HOST: '', ...env },
  });
  try {
    let out = '';
    return await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no address printed: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          res(m[1]!);
        }
      });
      child.once('exit', (code) => rej(new Error(`exited ${code}: ${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
  }
}

test('the example app listens on 127.0.0.1 unless a host is given', async () => {
  assert.match(await exampleAppUrl(['0']), /^http:\/\/127\.0\.0\.1:\d+$/);
  const viaEnv = await exampleAppUrl(['0'], { HOST: '::1' });
  assert.match(viaEnv, /^http:\/\/\[::1\]:\d+$/);
  assert.match(await exampleAppUrl(['0', '127.0.0.2']), /^http:\/\/127\.0\.0\.2:\d+$/);
});

test('the stale count the runner log points at is shown: stale= in the Stopped. line', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig('http://127.0.0.1:9/x')] });
  try {
    const d = startDaemon(cfg.configPath);
    await d.waitFor(/Starting Agent worker/);
    assert.equal((await d.stop('SIGTERM')).code, 0);
    const stopped = d
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'Stopped.');
    assert.ok(stopped, d.output());
    assert.equal(typeof stopped['stale'], 'number');
    assert.equal(typeof stopped['executed'], 'number');
    assert.equal(typeof stopped['missed'], 'number');
  } finally {
    cfg.remove();
  }
});
