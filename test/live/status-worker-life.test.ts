import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { cachedAnswers } from '../../src/live/cached-status.js';
import { apiRoutes } from '../../src/live/routes-api.js';
import { pageRoutes } from '../../src/live/routes-page.js';
import { startLiveServer } from '../../src/live/server.js';
import type { LiveService } from '../../src/live/status-source.js';
import {
  LiveUnavailableError,
  StatusWorker,
  type StatusWorkerOptions,
} from '../../src/live/status-worker-client.js';
import { silentLogger } from '../../src/log/logger.js';
import { capturingLogger, messages } from '../helpers/logs.js';
import { tempStore } from '../helpers/temp-store.js';

const svc = (key: string): LiveService => ({
  key,
  url: `http://127.0.0.1:9/${key}?q=<b>`,
  method: 'GET',
  origin: 'http://127.0.0.1:9',
});

/** A small database: `a` up, `b` down. */
function smallStore() {
  const s = tempStore();
  s.ldb.sqlite.exec(`INSERT INTO service_status (service_key, state, since, last_at, last_result_id) VALUES
    ('a', 'up', 1, 2, 'r1'), ('b', 'down', 1, 2, 'r2')`);
  return s;
}

/** Restarts held by the test: each delayed restart waits in `due` until the test runs it. */
function heldRestarts() {
  const due: { run: () => void; ms: number }[] = [];
  let wake: (() => void) | null = null;
  const schedule: NonNullable<StatusWorkerOptions['schedule']> = (run, ms) => {
    due.push({ run, ms });
    wake?.();
    return { cancel: () => void due.splice(due.findIndex((d) => d.run === run) >>> 0, 1) };
  };
  const next = async () => {
    // The worker is unref'd and the restart held: something must keep the loop alive meanwhile.
    const alive = setInterval(() => {}, 60_000);
    try {
      while (due.length === 0) await new Promise<void>((r) => (wake = r));
    } finally {
      clearInterval(alive);
    }
    return due.shift() as { run: () => void; ms: number };
  };
  return { schedule, next, due };
}

const keys = (b: Buffer) => (JSON.parse(b.toString('utf8')) as { key: string }[]).map((x) => x.key);

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

test("a reload's services are in the next answer, cache or not; public mode blanks URLs and origins", async () => {
  const s = smallStore();
  const worker = new StatusWorker({
    path: s.path,
    services: [svc('a'), svc('b')],
    public: true,
    logger: silentLogger(),
  });
  try {
    const answers = cachedAnswers(worker, 60_000);
    const first = await answers.status();
    assert.deepEqual(keys(first), ['a', 'b']);
    assert.equal(await answers.status(), first, 'within the TTL: the same bytes');
    answers.setServices([svc('b'), svc('c')]);
    const next = JSON.parse((await answers.status()).toString('utf8')) as {
      key: string;
      url: string;
      origin: string;
      state: string | null;
    }[];
    assert.deepEqual(
      next.map((x) => [x.key, x.state, x.url, x.origin]),
      [
        ['b', 'down', '', ''],
        ['c', null, '', ''],
      ],
    );
    const page = (await answers.page()).toString('utf8');
    assert.match(page, /data-key="c"/);
    assert.ok(!page.includes('127.0.0.1:9'), 'no URL on a public page');
    assert.equal(await answers.history('a', 0, 3_600_000, 60_000), null, 'removed');
    assert.notEqual(await answers.history('c', 0, 3_600_000, 60_000), null, 'added');
  } finally {
    await worker.stop();
    s.cleanup();
  }
});

test('a killed worker: 503 with a one-line JSON error, logged once, restarted after the backoff; a failing query too', async () => {
  const s = smallStore();
  const cap = capturingLogger();
  const held = heldRestarts();
  const worker = new StatusWorker({
    path: s.path,
    services: [svc('a'), svc('b')],
    public: false,
    logger: cap.logger,
    schedule: held.schedule,
    listReuseMs: 0,
  });
  const answers = cachedAnswers(worker, 0);
  const server = await startLiveServer({
    host: '127.0.0.1',
    port: 0,
    token: null,
    logger: cap.logger,
    routes: [...apiRoutes(answers), ...pageRoutes(answers)],
  });
  const warnings = () => messages(cap.lines).filter((m) => /live view/.test(m) && !/again/.test(m));
  try {
    assert.equal((await get(server.port, '/api/status')).status, 200);
    await worker.thread?.terminate();
    assert.equal(worker.thread, null);
    for (const path of ['/api/status', '/', '/api/services/a/history']) {
      const r = await get(server.port, path);
      assert.equal(r.status, 503, path);
      assert.equal(r.body.includes('\n'), false, 'one line');
      assert.match((JSON.parse(r.body) as { error: string }).error, /^live view unavailable: .*restarting/);
    }
    assert.deepEqual(warnings(), ['the live view worker exited (code 1); restarting it']);
    (await held.next()).run();
    const back = await get(server.port, '/api/status');
    assert.equal(back.status, 200);
    assert.deepEqual(keys(Buffer.from(back.body)), ['a', 'b']);
    assert.ok(messages(cap.lines).includes('The live view answers again.'));

    // A query that fails in a live worker: 503 naming the cause, logged once, then answers again.
    s.ldb.sqlite.exec('ALTER TABLE service_status RENAME TO service_status_away');
    for (let i = 0; i < 2; i++) {
      const r = await get(server.port, '/api/status');
      assert.equal(r.status, 503);
      assert.match(r.body, /no such table: service_status/);
    }
    assert.equal(warnings().length, 2, 'logged once more, not per request');
    s.ldb.sqlite.exec('ALTER TABLE service_status_away RENAME TO service_status');
    assert.equal((await get(server.port, '/api/status')).status, 200);
    assert.equal(held.due.length, 0, 'a failing query does not replace the worker');
  } finally {
    await server.close();
    await worker.stop();
    s.cleanup();
  }
});

test('a worker that cannot open the database: the request fails with the cause, restarts back off, logged once', async () => {
  const s = smallStore();
  const cap = capturingLogger();
  const held = heldRestarts();
  const worker = new StatusWorker({
    path: join(s.dir, 'missing.sqlite3'),
    services: [svc('a')],
    public: false,
    logger: cap.logger,
    schedule: held.schedule,
    backoff: { baseMs: 100, capMs: 1_000, random: () => 0.99 },
  });
  try {
    await assert.rejects(worker.ask({ type: 'status' }), (e: Error) => {
      assert.ok(e instanceof LiveUnavailableError);
      assert.match(e.message, /^the live view worker failed: no local database at .*missing\.sqlite3$/);
      return true;
    });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await held.next();
      waits.push(d.ms);
      d.run();
    }
    assert.deepEqual(waits, [99, 198, 396, 792]);
    assert.equal(messages(cap.lines).filter((m) => /live view worker/.test(m)).length, 1);
  } finally {
    await worker.stop();
    assert.equal(held.due.length, 0, 'stop cancels the pending restart');
    s.cleanup();
  }
});

const count = (dir: string) => readdirSync(dir).length;

test('stop: answers asked for before it still come; then nothing is left — no thread, no file descriptor', async () => {
  const s = smallStore();
  const opts = { path: s.path, services: [svc('a'), svc('b')], public: false, logger: silentLogger() };
  try {
    // Once first: what the first worker of a process loads for good (modules, libuv) is not a leak.
    const warm = new StatusWorker(opts);
    await warm.ask({ type: 'page' });
    await warm.stop();
    const tasks = count('/proc/self/task');
    const fds = count('/proc/self/fd');

    const held = heldRestarts();
    const w = new StatusWorker({ ...opts, schedule: held.schedule });
    await w.ask({ type: 'status' });
    await w.thread?.terminate();
    (await held.next()).run();
    assert.ok(count('/proc/self/task') > tasks, 'a thread runs');
    const asked = w.ask({ type: 'status' });
    await w.stop();
    assert.deepEqual(keys((await asked) as Buffer), ['a', 'b']);
    await assert.rejects(w.ask({ type: 'status' }), LiveUnavailableError);
    await w.stop();
    assert.equal(w.thread, null);
    assert.equal(count('/proc/self/task'), tasks, 'threads');
    assert.equal(count('/proc/self/fd'), fds, 'file descriptors');
  } finally {
    s.cleanup();
  }
});

test('the worker starts at the first request and ends when nobody asked for idleMs; the next request starts another', async () => {
  const s = smallStore();
  try {
    const w = new StatusWorker({
      path: s.path,
      services: [svc('a')],
      public: false,
      logger: silentLogger(),
      idleMs: 200,
    });
    const thread = () => w.thread;
    assert.equal(thread(), null, 'no thread before anyone asks');
    assert.deepEqual(keys((await w.ask({ type: 'status' })) as Buffer), ['a']);
    const first = thread();
    assert.ok(first !== null);
    // The idle timer and the thread are unref'd (never what keeps a daemon alive): something must
    // keep this test's event loop alive while it waits for them.
    const alive = setInterval(() => {}, 50);
    try {
      await new Promise<void>((resolve) => first.once('exit', () => resolve()));
    } finally {
      clearInterval(alive);
    }
    assert.equal(thread(), null, 'retired after idleMs without requests');
    w.setServices([svc('a'), svc('b')]);
    assert.deepEqual(keys((await w.ask({ type: 'status' })) as Buffer), ['a', 'b']);
    assert.ok(thread() !== null && thread() !== first, 'a fresh worker');
    await w.stop();
    assert.equal(thread(), null);
  } finally {
    s.cleanup();
  }
});
