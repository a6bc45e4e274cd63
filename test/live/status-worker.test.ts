import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { cachedAnswers } from '../../src/live/cached-status.js';
import { renderPage } from '../../src/live/page.js';
import { send, sendJson } from '../../src/live/respond.js';
import { apiRoutes } from '../../src/live/routes-api.js';
import { pageRoutes } from '../../src/live/routes-page.js';
import { type Route, startLiveServer } from '../../src/live/server.js';
import { createStatusSource, type LiveService } from '../../src/live/status-source.js';
import { StatusWorker } from '../../src/live/status-worker-client.js';
import { silentLogger } from '../../src/log/logger.js';
import { DAY, fill, N, NOW, service } from '../helpers/status-rollups.js';
import { tempStore } from '../helpers/temp-store.js';
import { threadClient } from '../helpers/thread-client.js';

const log = silentLogger();
const ROUNDS = 5;

/** The routes as they were before the worker: computed and serialised on the main thread. */
function synchronousRoutes(
  sqlite: Parameters<typeof createStatusSource>[0]['sqlite'],
  services: LiveService[],
): Route[] {
  const source = createStatusSource({ sqlite, services: () => services, now: () => NOW });
  return [
    { path: '/api/status', handler: (_c, res) => sendJson(res, 200, source.status()) },
    {
      path: '/',
      handler: (_c, res) =>
        send(res, 200, renderPage(source.status(), { public: false, now: NOW }), 'text/html; charset=utf-8'),
    },
  ];
}

/** Main-thread busy ms (event loop utilisation) of each of ROUNDS requests for `path`. */
async function busyPerRequest(
  port: number,
  path: string,
): Promise<{ busy: number[]; wall: number[]; bytes: number }> {
  const client = threadClient(0);
  const busy: number[] = [];
  const wall: number[] = [];
  let bytes = 0;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const elu = performance.eventLoopUtilization();
      const t0 = performance.now();
      const r = await client.get(`http://127.0.0.1:${port}${path}`);
      wall.push(performance.now() - t0);
      busy.push(performance.eventLoopUtilization(elu).active);
      assert.equal(r.status, 200, path);
      bytes = r.bytes;
    }
  } finally {
    await client.close();
  }
  return { busy, wall, bytes };
}

const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');

test('10,000 services: the worker answers what the synchronous source computes; main-thread ms per /api/status and GET /, before and after', async (t) => {
  const s = tempStore();
  const services = Array.from({ length: N }, (_, i) => service(i));
  fill(s.ldb.sqlite);
  const worker = new StatusWorker({ path: s.path, services, public: false, logger: log, fixedNow: NOW });
  // No cache: every request below is a computation (the daemon keeps each for 2 s).
  const answers = cachedAnswers(worker, 0);
  const before = await startLiveServer({
    host: '127.0.0.1',
    port: 0,
    token: null,
    logger: log,
    routes: synchronousRoutes(s.ldb.sqlite, services),
  });
  const after = await startLiveServer({
    host: '127.0.0.1',
    port: 0,
    token: null,
    logger: log,
    routes: [...apiRoutes(answers), ...pageRoutes(answers)],
  });
  try {
    // Equal to the synchronous source over the same database and clock.
    const sync = createStatusSource({ sqlite: s.ldb.sqlite, services: () => services, now: () => NOW });
    const expected = sync.status();
    const got = JSON.parse((await answers.status()).toString('utf8')) as unknown;
    assert.deepEqual(got, expected);
    assert.equal((got as unknown[]).length, N);
    assert.equal((await answers.page()).toString('utf8'), renderPage(expected, { public: false, now: NOW }));
    const hist = await answers.history('svc00002', NOW - 2 * DAY, NOW, 3_600_000);
    assert.deepEqual(JSON.parse(String(hist)), {
      key: 'svc00002',
      from: NOW - 2 * DAY,
      to: NOW,
      step: 3_600_000,
      buckets: sync.history('svc00002', NOW - 2 * DAY, NOW, 3_600_000),
    });
    assert.equal(await answers.history('gone', NOW - DAY, NOW, 3_600_000), null);

    // Main-thread busy time per request, the client in its own thread. The first synchronous
    // round reads the finished hours and days (as every 5 minutes in the daemon).
    for (const path of ['/api/status', '/']) {
      const b = await busyPerRequest(before.port, path);
      const a = await busyPerRequest(after.port, path);
      t.diagnostic(
        `${path} at ${N} services (${(a.bytes / 1e6).toFixed(1)} MB), main thread busy ms per request: ` +
          `before (synchronous) ${fmt(b.busy)} [wall ${fmt(b.wall)}]; ` +
          `after (worker) ${fmt(a.busy)} [wall ${fmt(a.wall)}]`,
      );
      assert.equal(a.bytes, b.bytes, `${path}: the same answer`);
    }
  } finally {
    try {
      await Promise.all([before.close(), after.close()]);
      await worker.stop();
    } finally {
      s.cleanup();
    }
  }
});
