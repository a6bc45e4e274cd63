import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

function monitor(args: string[], onChild?: (child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    onChild?.(child);
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

/**
 * Serves 30 'a' and a 'b' (the body on which `^(a+)+$` backtracks without end in V8) and notes
 * when each request arrived: exit times are measured from there, not from a loaded machine's
 * slow process start.
 */
async function startEvilServer(): Promise<{ url: string; requestedAt: number[]; close(): Promise<void> }> {
  const requestedAt: number[] = [];
  const server = createServer((req, res) => {
    requestedAt.push(Date.now());
    req.resume();
    res.end(`${'a'.repeat(30)}b`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requestedAt,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Runs monitor and returns its outcome plus ms from the server's first request to the exit. */
async function timedFromRequest(
  server: { requestedAt: number[] },
  args: string[],
  onRequest?: (child: ChildProcess) => void,
): Promise<Run & { afterRequestMs: number }> {
  let child: ChildProcess | undefined;
  let poll: NodeJS.Timeout | undefined;
  if (onRequest) {
    poll = setInterval(() => {
      if (server.requestedAt.length > 0 && child) {
        clearInterval(poll);
        onRequest(child);
      }
    }, 10);
  }
  const r = await monitor(args, (c) => {
    child = c;
  });
  clearInterval(poll);
  const exitedAt = Date.now();
  assert.equal(server.requestedAt.length, 1, `one request expected; ${r.stdout}${r.stderr}`);
  return { ...r, afterRequestMs: exitedAt - server.requestedAt[0]! };
}

test('catastrophic regexes end by the timeout: ^(a+)+$ on RE2 is a plain mismatch, a lookahead variant is regex_timeout', async () => {
  const plain = await startEvilServer();
  const lookahead = await startEvilServer();
  try {
    // RE2 takes ^(a+)+$ and answers in linear time: the true verdict, no match.
    const a = await timedFromRequest(plain, [
      'probe',
      plain.url,
      '--regex',
      '^(a+)+$',
      '--timeout',
      '3',
      '--json',
    ]);
    assert.equal(a.code, 1, a.stderr);
    assert.equal(JSON.parse(a.stdout).errorClass, 'regex_mismatch');
    assert.ok(a.afterRequestMs < 3000 + 1500, `exited ${a.afterRequestMs} ms after the request`);
    // A lookahead keeps it from RE2: V8 runs it, isolated, and it is stopped at its budget.
    const b = await timedFromRequest(lookahead, [
      'probe',
      lookahead.url,
      '--regex',
      '^(a+)+(?=$)',
      '--timeout',
      '3',
      '--json',
    ]);
    assert.equal(b.code, 1, b.stderr);
    const result = JSON.parse(b.stdout) as Record<string, unknown>;
    assert.equal(result['errorClass'], 'regex_timeout');
    assert.equal(result['statusCode'], 200);
    assert.ok(b.afterRequestMs < 3000 + 1500, `exited ${b.afterRequestMs} ms after the request`);
  } finally {
    await plain.close();
    await lookahead.close();
  }
});

test('the regex stops at the probe deadline when that comes first, and SIGINT during a match is honoured', async () => {
  const deadline = await startEvilServer();
  const interrupted = await startEvilServer();
  try {
    const args = (url: string, timeout: string) => [
      'probe',
      url,
      '--regex',
      '^(a+)+(?=$)',
      '--regex-budget',
      '60',
      '--timeout',
      timeout,
      '--json',
    ];
    const d = await timedFromRequest(deadline, args(deadline.url, '2'));
    assert.equal(d.code, 1, d.stderr);
    assert.equal(JSON.parse(d.stdout).errorClass, 'regex_timeout');
    assert.ok(d.afterRequestMs < 2000 + 1500, `exited ${d.afterRequestMs} ms after the request`);

    let sentAt = 0;
    const s = await timedFromRequest(interrupted, args(interrupted.url, '30'), (child) => {
      // The body is 31 bytes: by now the match has started (or waits for its thread).
      setTimeout(() => {
        sentAt = Date.now();
        child.kill('SIGINT');
      }, 300);
    });
    // As for any probe interrupted by SIGINT: the aborted result is printed, exit 1.
    assert.equal(s.code, 1, s.stderr);
    const aborted = JSON.parse(s.stdout) as Record<string, unknown>;
    assert.equal(aborted['errorClass'], 'other');
    assert.match(String(aborted['errorMessage']), /E_ABORTED/);
    const afterSignal = s.afterRequestMs - (sentAt - interrupted.requestedAt[0]!);
    assert.ok(afterSignal < 3000, `exited ${afterSignal} ms after SIGINT`);
  } finally {
    await deadline.close();
    await interrupted.close();
  }
});

test('bad --regex-budget: exit 2 with a one-line error', async () => {
  for (const value of ['0', 'soon', '-1']) {
    const r = await monitor(['probe', 'http://127.0.0.1:9/', '--regex', 'a', '--regex-budget', value]);
    assert.equal(r.code, 2, `${value}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^monitor: error: --regex-budget .+\n$/);
  }
});
