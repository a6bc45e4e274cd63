import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDaemon } from '../../src/daemon/daemon.js';
import type { DaemonStep } from '../../src/daemon/hooks.js';
import { acquireInstanceLock, type LocalDatabase } from '../../src/db/local/index.js';
import type { Agent } from '../../src/jobs/agent.js';
import { silentLogger } from '../../src/log/logger.js';
import { startCountingServer, tempConfig } from '../helpers/daemon.js';
import { readLocal, until } from '../helpers/local-db.js';
import { serviceConfig } from '../helpers/services.js';

const handlers = () => (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((s) => process.listenerCount(s));

test('runDaemon in-process: its hooks see the parts it runs, its abort signal stops it and releases everything', async (t) => {
  const server = await startCountingServer();
  const cfg = tempConfig({
    external_database_uri: null,
    agent_name: 'in-process',
    services: [serviceConfig(`${server.url}/a`)],
  });
  t.after(async () => {
    await server.close();
    cfg.remove();
  });
  const before = handlers();
  const abort = new AbortController();
  let running: { agent: Agent; ldb: LocalDatabase } | null = null;
  let probed = 0;
  let written = 0;
  let sourceWrapped = 0;
  const steps = new Set<DaemonStep>();
  const done = runDaemon({
    configPath: cfg.configPath,
    logger: silentLogger(),
    signal: abort.signal,
    drainMs: 2000,
    // Tests run side by side: the default 127.0.0.1:9464 is not theirs to take.
    http: { disabled: true },
    hooks: {
      prober: (real) => ({
        probe: (service, options) => {
          probed++;
          return real.probe(service, options);
        },
        close: () => real.close(),
      }),
      jobStore: (real) => ({
        enqueue: (j) => real.enqueue(j),
        claim: (o) => real.claim(o),
        complete: (r) => real.complete(r),
        fail: (r, e, at, now) => real.fail(r, e, at, now),
        release: (r) => real.release(r),
        renewOwn: (since, until) => real.renewOwn(since, until),
        setRecordHook: (h) => real.setRecordHook(h),
        finishDelivery: (r, d, at) => real.finishDelivery(r, d, at),
        requeueAbandoned: (k, now) => real.requeueAbandoned(k, now),
        recordProbeResults: (items) => {
          const n = real.recordProbeResults(items);
          written += n;
          return n;
        },
      }),
      exportSource: (real) => {
        sourceWrapped++;
        return real;
      },
      step: (name, run) => {
        steps.add(name);
        return run();
      },
      started: (r) => {
        running = r;
      },
    },
  });

  // The service's first slot is within one interval (5 s); the buffer check runs every 5 s.
  const seen = await until(() => written > 0 && steps.size === 2, 15_000);
  assert.ok(seen, `probed=${probed} written=${written} steps=${[...steps].join(',')}`);
  assert.ok(running, 'started gave the agent and the local database');
  const { agent, ldb } = running as { agent: Agent; ldb: LocalDatabase };
  assert.ok(agent.stats().executed >= 1);
  assert.ok(probed >= 1);
  assert.ok((server.counts.get('/a') ?? 0) >= 1, 'the probe reached the server');
  const rows = ldb.sqlite.prepare('SELECT count(*) AS n FROM results').get() as { n: number };
  assert.ok(rows.n >= written, 'the results the hook saw are in the daemon’s database');
  // The live rollups are hooked into the result transaction (alerting on by default, with the tracker).
  const rolled = ldb.sqlite.prepare("SELECT coalesce(sum(n), 0) FROM rollups WHERE res = 'm'").pluck().get();
  assert.equal(rolled, rows.n, 'every recorded result is in the minute rollups');
  assert.equal(ldb.sqlite.prepare('SELECT count(*) FROM service_status').pluck().get(), 1);
  assert.equal(sourceWrapped, 1, 'the exporter reads through the wrapped source');

  abort.abort();
  assert.equal(await done, 0);
  assert.deepEqual(handlers(), before, 'its signal handlers are gone');
  // The lock and the database are released: a second instance may take them.
  acquireInstanceLock(cfg.dbPath).release();
  assert.ok(readLocal(cfg.dbPath).ids.size >= written);
});
