import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runMonitor } from '../helpers/cli.js';

/**
 * `monitor probe` as a user (or Nagios) runs it: every condition printed with what was observed,
 * exit 0 up / 1 down / 3 degraded, and `--format nagios` with check_http's line and codes.
 */

let server: http.Server;
let url: string;
before(async () => {
  server = http.createServer((_req, res) => {
    // Slow enough that `[RESPONSE_TIME] > 20ms` always holds, however fast the machine.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'UP', items: [1, 2] }));
    }, 40);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** `monitor probe <the test server> …args`. */
const probe = (...args: string[]) => runMonitor(['probe', url, ...args]);

test('every condition is printed with its observed value; up exits 0', async () => {
  const r = await probe('--condition', '[BODY].status == UP', '--condition', 'len([BODY].items) == 2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /state\s*\|\s*up/);
  assert.match(r.stdout, /ok {3}\[BODY\]\.status == "UP" {2}\(observed "UP"\)/);
  assert.match(r.stdout, /ok {3}len\(\[BODY\]\.items\) == 2 {2}\(observed len=2\)/);
  assert.match(r.stdout, /ok {3}\[STATUS\] == any\(200-399\) {2}\(observed 200\)/);
});

test('a failed condition exits 1 and says what was observed', async () => {
  const r = await probe('--condition', '[BODY].status == DOWN');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /state\s*\|\s*down/);
  assert.match(r.stdout, /FAIL \[BODY\]\.status == "DOWN" {2}\(observed "UP"\)/);
});

test('a degraded_when condition that holds exits 3, the result still ok', async () => {
  const r = await probe('--degraded-when', '[RESPONSE_TIME] > 20ms', '--json');
  assert.equal(r.code, 3);
  const result = JSON.parse(r.stdout) as { state: string; ok: boolean; errorMessage: string };
  assert.equal(result.state, 'degraded');
  assert.equal(result.ok, true);
  assert.match(result.errorMessage, /^degraded: \[RESPONSE_TIME\] > 20ms \(observed \d+ms\)$/);
});

test('--format nagios: one plugin line with perfdata, and the plugin exit codes', async () => {
  const ok = await probe('--format', 'nagios', '--condition', '[BODY].status == UP');
  assert.equal(ok.code, 0);
  assert.match(
    ok.stdout,
    /^HTTP OK - 200 in \d+ ms \| time=\d+\.\d{6}s;;;0\.000000 size=\d+B;;;0( \w+=\d+\.\d{6}s;;;0\.000000)*\n$/,
  );
  const warning = await probe('--format=nagios', '--degraded-when', '[RESPONSE_TIME] > 20ms');
  assert.equal(warning.code, 1);
  assert.match(
    warning.stdout,
    /^HTTP WARNING - degraded: \[RESPONSE_TIME\] > 20ms \(observed \d+ms\) \| time=/,
  );
  const critical = await probe('--format', 'nagios', '--condition', '[BODY].status == DOWN');
  assert.equal(critical.code, 2);
  assert.match(
    critical.stdout,
    /^HTTP CRITICAL - condition failed: \[BODY\]\.status == "DOWN" \(observed "UP"\) \| /,
  );
  assert.equal(critical.stdout.split('\n').length, 2, 'one line');
});

test('--format nagios reports a usage problem as UNKNOWN (exit 3) on stdout, not as exit 2', async () => {
  const bad = await probe('--format', 'nagios', '--condition', '[BODY].status === UP');
  assert.equal(bad.code, 3);
  assert.match(
    bad.stdout,
    /^HTTP UNKNOWN - condition "\[BODY\]\.status === UP": unknown operator "===" at column \d+\n$/,
  );
  const plain = await probe('--condition', '[BODY].status === UP');
  assert.equal(plain.code, 2, 'without --format nagios a usage error stays exit 2');
  assert.equal(plain.stdout, '');
});
