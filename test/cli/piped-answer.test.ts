import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { fileDigest, lines, MONITOR_BIN, makeTempHome, type RunResult, runMonitor } from '../helpers/cli.js';
import { tempConfig } from '../helpers/daemon.js';
import { serviceConfig } from '../helpers/services.js';

/**
 * Issue 11: the original's click prompts read their answer from a pipe, so scripts such as
 * `yes | monitor start` and `echo y | monitor config services remove 0` must keep working. Only
 * a stdin that gives no input at all is refused (exit 2, naming --yes). Real binary, real files.
 */

const homes: ReturnType<typeof makeTempHome>[] = [];
after(() => {
  for (const h of homes) h.cleanup();
});

const A = 'http://127.0.0.1:9/a';
const B = 'http://127.0.0.1:9/b';
const QUESTION = `Remove service 0 (GET ${A})? [y/N]: `;
const NO_ANSWER =
  /^monitor: error: .*: no answer \(stdin is not a terminal and gave no input\); pass --yes\n$/;

/** A HOME whose config has services A and B and no external database. */
async function homeWithTwoServices(): Promise<ReturnType<typeof makeTempHome>> {
  const h = makeTempHome('monitor-piped-');
  homes.push(h);
  for (const args of [
    ['config', 'create', 'postgresql://u:p@127.0.0.1:9/x'],
    ['config', 'services', 'add', A, 'GET', '-q'],
    ['config', 'services', 'add', B, 'GET', '-q'],
  ]) {
    const r = await runMonitor(args, { home: h.path });
    assert.equal(r.code, 0, r.stderr);
  }
  return h;
}

function urlsIn(configPath: string): string[] {
  return (JSON.parse(readFileSync(configPath, 'utf8')) as { services: { url: string }[] }).services.map(
    (s) => s.url,
  );
}

/** `monitor ARGS` with file descriptor 0 closed (the shell closes it, then execs node). */
function withStdinClosed(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync('sh', ['-c', 'exec "$0" "$@" 0<&-', process.execPath, MONITOR_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
}

test('echo y | monitor config services remove 0: removed, the question shown with its answer', async () => {
  const h = await homeWithTwoServices();
  const r = await runMonitor(['config', 'services', 'remove', '0'], { home: h.path, input: 'y\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `${QUESTION}y\n`);
  assert.match(r.stdout, /Service was successfully removed\./);
  assert.deepEqual(urlsIn(h.configPath), [B]);
});

/** `remove 0` answered with `input`: exit 1, "Nothing removed.", the file unchanged. The run, for more checks. */
async function refusedRemoval(input: string): Promise<RunResult> {
  const h = await homeWithTwoServices();
  const before = fileDigest(h.configPath);
  const r = await runMonitor(['config', 'services', 'remove', '0'], { home: h.path, input });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, 'Nothing removed.\n');
  assert.equal(fileDigest(h.configPath), before);
  return r;
}

test('echo n | monitor config services remove 0: nothing removed, exit 1, file unchanged', async () => {
  const r = await refusedRemoval('n\n');
  assert.equal(r.stderr, `${QUESTION}n\n`);
});

test('an empty line is a no, as with click (default N)', async () => {
  await refusedRemoval('\n');
});

test('no input at all (empty pipe, closed stdin): exit 2, one line naming --yes, file unchanged', async () => {
  const h = await homeWithTwoServices();
  const before = fileDigest(h.configPath);
  const empty = await runMonitor(['config', 'services', 'remove', '0'], { home: h.path, input: '' });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, NO_ANSWER);
  assert.equal(empty.stdout, '');
  const closed = withStdinClosed(['config', 'services', 'remove', '0'], { HOME: h.path });
  assert.equal(closed.status, 2, closed.stderr);
  assert.match(closed.stderr, NO_ANSWER);
  assert.equal(closed.stdout, '');
  assert.equal(fileDigest(h.configPath), before);
  // --yes still skips the question, whatever stdin holds.
  const yes = await runMonitor(['config', 'services', 'remove', '0', '--yes', '-q'], {
    home: h.path,
    input: 'n\n',
  });
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal(yes.stderr, '');
  assert.deepEqual(urlsIn(h.configPath), [B]);
});

test('yes | monitor start: starts monitoring, then SIGTERM stops it with exit 0', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(A)] });
  const yes = spawn('yes', [], { stdio: ['ignore', 'pipe', 'ignore'] });
  const child = spawn(
    process.execPath,
    [MONITOR_BIN, 'start', '--no-http', '--log-format', 'json', '-vvvv', '--config-path', cfg.configPath],
    { stdio: [yes.stdout, 'ignore', 'pipe'] },
  );
  try {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 300 && !err.includes('Starting Agent worker.') && child.exitCode === null; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(err, /Starting Agent worker\./, err);
    assert.equal(
      lines(err)[0],
      `Are you sure want to start monitoring? Config path: ${cfg.configPath} [y/N]: y`,
    );
    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    assert.ok(existsSync(cfg.dbPath));
  } finally {
    child.kill('SIGKILL'); // only if an assertion failed while it ran
    yes.kill();
    cfg.remove();
  }
});

test('monitor start answered n, nothing or with stdin closed: it does not start, no database made', async () => {
  const cfg = tempConfig({ external_database_uri: null, services: [serviceConfig(A)] });
  try {
    const args = ['start', '--config-path', cfg.configPath];
    const no = await runMonitor(args, { input: 'n\n' });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /\[y\/N\]: n\nAborted\.\n$/);
    const empty = await runMonitor(args, { input: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, NO_ANSWER);
    const closed = withStdinClosed(args);
    assert.equal(closed.status, 2, closed.stderr);
    assert.match(closed.stderr, NO_ANSWER);
    assert.equal(existsSync(cfg.dbPath), false, 'the local database was created');
  } finally {
    cfg.remove();
  }
});
