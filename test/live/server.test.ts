import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { MonitorHealth } from '../../src/live/health.js';
import { healthRoutes } from '../../src/live/routes-health.js';
import { startLiveServer } from '../../src/live/server.js';
import { silentLogger } from '../../src/log/logger.js';

const log = silentLogger();

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('close is two-phase: a request that never ends is cut after the grace, and close resolves', async () => {
  let reached = 0;
  const server = await startLiveServer({
    host: '127.0.0.1',
    port: 0,
    token: null,
    logger: log,
    routes: [
      {
        path: '/hang',
        handler: () => {
          reached++;
        },
      },
      { path: '/ok', handler: (_c, res) => void res.end('ok') },
    ],
  });
  assert.equal((await get(server.port, '/ok')).status, 200);
  const hanging = get(server.port, '/hang').then(
    () => 'answered',
    (err: NodeJS.ErrnoException) => err.code ?? 'error',
  );
  while (reached === 0) await new Promise((r) => setTimeout(r, 10));
  const closed = server.close(200);
  assert.equal(await hanging, 'ECONNRESET', 'the hanging request was cut');
  await closed;
  await assert.rejects(get(server.port, '/ok'), /ECONNREFUSED/);
});

test('the token: Bearer only, constant-time check, 401 with WWW-Authenticate, /healthz open', async () => {
  const token = 'tok-0123456789abcdef';
  const server = await startLiveServer({
    host: '127.0.0.1',
    port: 0,
    token,
    logger: log,
    routes: [
      { path: '/healthz', open: true, handler: (_c, res) => void res.end('ok') },
      { path: '/x', handler: (_c, res) => void res.end('x') },
    ],
  });
  try {
    assert.equal((await get(server.port, '/x', { authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await get(server.port, '/x', { authorization: `bearer   ${token}` })).status, 200);
    for (const authorization of [
      `Basic ${token}`,
      `Bearer ${token.slice(1)}`,
      'Bearer',
      `Bearer ${token} extra`,
      '',
    ]) {
      const r = await get(server.port, '/x', { authorization });
      assert.equal(r.status, 401, authorization);
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="monitor"');
      assert.ok(!r.body.includes(token));
    }
    assert.equal((await get(server.port, '/healthz')).status, 200);
  } finally {
    await server.close();
  }
});

test('/readyz: 503 saying why when the scheduler stopped ticking or the database refuses writes', async () => {
  let now = 1_000_000;
  let h: Partial<MonitorHealth> = {
    schedulerTicks: 1,
    localDbWritable: true,
    exportLagMs: 0,
    exportState: 'off',
  };
  const server = await startLiveServer({
    host: '127.0.0.1',
    port: 0,
    token: null,
    logger: log,
    routes: healthRoutes({ health: () => h as MonitorHealth }, () => now),
  });
  try {
    const ok = await get(server.port, '/readyz');
    assert.equal(ok.status, 200);
    now += 11_000;
    h = { ...h, exportLagMs: 600_000 };
    const stalled = await get(server.port, '/readyz');
    assert.equal(stalled.status, 503);
    const body = JSON.parse(stalled.body) as {
      reasons: string[];
      warnings: string[];
      exportLagSeconds: number;
    };
    assert.match(body.reasons.join(), /scheduler has not ticked for 11 s/);
    assert.match(body.warnings.join(), /export lag 600 s/);
    h = { ...h, schedulerTicks: 2, localDbWritable: false };
    const full = await get(server.port, '/readyz');
    assert.equal(full.status, 503);
    assert.deepEqual(JSON.parse(full.body).reasons, ['local database does not take writes']);
  } finally {
    await server.close();
  }
});
