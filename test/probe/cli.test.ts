import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  refusedUrl,
  startOkServer,
  startResetServer,
  startSlowServer,
  type TestServer,
} from '../helpers/http-servers.js';

// dist/test/probe/cli.test.js → the repository root.
const BIN = fileURLToPath(new URL('../../../bin/monitor.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function monitor(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let ok: TestServer;
let missing: TestServer;
before(async () => {
  ok = await startOkServer({ body: '{"openapi":"3.1.0"}' });
  missing = await startOkServer({ status: 404, body: 'not here' });
});
after(async () => {
  await ok.close();
  await missing.close();
});

test('exit 0 and a table for an ok probe', async () => {
  const r = await monitor(['probe', ok.url, '--regex', '"openapi":"3\\.1\\.0"']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\|\s+status\s+\|\s+200\s+\|/);
  assert.match(r.stdout, /matched/);
  assert.equal(r.stderr, '');
});

test('--json prints the whole result', async () => {
  const r = await monitor(['probe', ok.url, 'HEAD', '--json', '--timeout', '3']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(result['ok'], true);
  assert.equal(result['method'], 'HEAD');
  assert.equal(result['statusCode'], 200);
  assert.equal(result['errorClass'], null);
  assert.equal(typeof result['id'], 'string');
});

test('exit 1 when the probe is not ok: status, regex, refused', async () => {
  const status = await monitor(['probe', missing.url]);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /http_status/);
  const regex = await monitor(['probe', ok.url, '--regex', 'swagger']);
  assert.equal(regex.code, 1);
  assert.match(regex.stdout, /regex_mismatch/);
  const refused = await monitor(['probe', await refusedUrl(), '--json']);
  assert.equal(refused.code, 1);
  const result = JSON.parse(refused.stdout) as Record<string, unknown>;
  assert.equal(result['errorClass'], 'connect');
  assert.match(String(result['errorMessage']), /ECONNREFUSED/);
  const expect = await monitor(['probe', missing.url, '--expect-status', '200,404']);
  assert.equal(expect.code, 0, expect.stdout);
});

test('the error line names its class once: `timeout: deadline of …`, not `timeout: timeout: …`', async () => {
  const slow = await startSlowServer(10_000);
  const reset = await startResetServer();
  try {
    const [timedOut, refused, wasReset] = await Promise.all([
      monitor(['probe', slow.url, '--timeout', '1']),
      monitor(['probe', await refusedUrl()]),
      monitor(['probe', reset.url, '--timeout', '3']),
    ]);
    const errorLine = (r: Run) => r.stdout.split('\n').find((l) => /^\|\s+error\s+\|/.test(l)) ?? r.stdout;
    assert.equal(timedOut.code, 1);
    assert.match(
      errorLine(timedOut),
      /\| timeout: deadline of 1000 ms passed while (waiting for the response headers|connecting \(TCP connect not established\)) \(ETIMEDOUT\)\s+\|$/,
    );
    for (const [cls, r] of [
      ['timeout', timedOut],
      ['connect', refused],
      ['reset', wasReset],
    ] as const) {
      assert.match(errorLine(r), new RegExp(`\\|\\s+${cls}: `), r.stdout);
      assert.doesNotMatch(errorLine(r), new RegExp(`${cls}: ${cls}\\b`, 'i'), r.stdout);
    }
  } finally {
    await slow.close();
    await reset.close();
  }
});

test('bad input: exit 2 with a one-line error and nothing on stdout', async () => {
  const cases: string[][] = [
    ['probe', 'localhost:8000/'],
    ['probe', 'ftp://example.invalid/'],
    ['probe', 'http:///nohost'],
    ['probe', 'http://exa mple.invalid/'],
    ['probe', `http://127.0.0.1/${'a'.repeat(3000)}`],
    ['probe', 'http://127.0.0.1:9/', 'FETCH'],
    ['probe', 'http://127.0.0.1:9/', '--regex', '('],
    ['probe', 'http://127.0.0.1:9/', '--check-regex'],
    ['probe', 'http://127.0.0.1:9/', '--timeout', '0'],
    ['probe', 'http://127.0.0.1:9/', '--timeout', '-1'],
    ['probe', 'http://127.0.0.1:9/', '--timeout', 'abc'],
    ['probe', 'http://127.0.0.1:9/', '--expect-status', '2xx'],
    ['probe', 'http://127.0.0.1:9/', '--max-body-bytes', '0'],
  ];
  const runs = await Promise.all(cases.map((args) => monitor(args)));
  for (const [i, args] of cases.entries()) {
    const r = runs[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', args.join(' '));
    assert.match(r.stderr, /^monitor: error: .+\n$/, args.join(' '));
  }
});
