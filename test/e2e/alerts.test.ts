import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { NotifyEvent } from '../../src/results/incident.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { startNotifyReceiver } from '../helpers/notify-receiver.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

/** A target whose paths answer 200 or 500 as the test sets them; /flap alternates on each request. */
async function startSwitchTarget() {
  const down = new Set<string>();
  let flaps = 0;
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const bad = path === '/flap' ? flaps++ % 2 === 0 : down.has(path);
    res.writeHead(bad ? 500 : 200, { 'content-type': 'text/plain' });
    res.end(bad ? 'broken' : 'ok');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    setDown: (path: string, isDown: boolean) => (isDown ? down.add(path) : down.delete(path)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const events = (bodies: Buffer[]): NotifyEvent[] =>
  bodies.map((b) => JSON.parse(b.toString()) as NotifyEvent);

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

test('monitor start: down ×3 → one "down" delivered through two 500s, flapping → nothing, recovery → one "resolved", maintenance → nothing sent and rows marked, incidents in PostgreSQL', async () => {
  const target = await startSwitchTarget();
  // The first two attempts fail with 500: the third is the one accepted.
  const hook = await startNotifyReceiver({ first: { count: 2, answer: { status: 500, body: 'busy' } } });
  const uri = await getTestDatabaseUrl();
  const everySecond = { cron: '* * * * * *', timeout: 2 };
  const now = Date.now();
  const cfg = tempConfig({
    external_database_uri: uri,
    alerts: { hook: { type: 'webhook', target: `${hook.url}?token=\${HOOK_TOKEN}`, secret: 'hmac-key' } },
    alerting: { retry_max: '1s' },
    maintenance: {
      upgrade: {
        start: new Date(now - 3_600_000).toISOString(),
        end: new Date(now + 3_600_000).toISOString(),
        services: [target.url('/quiet')],
      },
    },
    services: [
      serviceConfig(target.url('/api'), { ...everySecond, alerts: ['hook'] }),
      serviceConfig(target.url('/flap'), { ...everySecond, alerts: ['hook'] }),
      serviceConfig(target.url('/quiet'), { ...everySecond, alerts: ['hook'] }),
    ],
  });
  const d = startDaemon(cfg.configPath, [], { HOOK_TOKEN: 'tok-SECRET-1234' });
  try {
    await d.waitFor(/Starting Agent worker/, 20_000);
    target.setDown('/api', true);
    target.setDown('/quiet', true);
    await hook.waitFor(3);
    const downEvents = events(hook.requests.map((r) => r.body));
    assert.equal(downEvents.length, 3, 'one event, tried three times');
    const [first] = downEvents;
    assert.equal(first?.kind, 'down');
    assert.equal(first?.service.url, target.url('/api'));
    assert.ok(downEvents.every((e) => e.event_id === first?.event_id));
    assert.deepEqual([...new Set(hook.requests.map((r) => r.headers['idempotency-key']))], [first?.event_id]);
    assert.ok(
      hook.requests.every((r) => r.path === '/hook?token=tok-SECRET-1234'),
      'the ${} reference was expanded',
    );
    assert.match(String(hook.requests[0]?.headers['x-monitor-signature']), /^sha256=[0-9a-f]{64}$/);

    // Several more seconds down: no second "down".
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(hook.requests.length, 3);

    target.setDown('/api', false);
    assert.ok(await until(() => hook.requests.length >= 4, 15_000), 'a "resolved" arrives');
    await new Promise((r) => setTimeout(r, 3000));
    const all = events(hook.requests.map((r) => r.body));
    assert.deepEqual(
      all.map((e) => `${e.kind} ${new URL(e.service.url).pathname}`),
      ['down /api', 'down /api', 'down /api', 'resolved /api'],
      'the flapping service and the one in maintenance sent nothing',
    );

    assert.ok(
      await until(async () => {
        const c = new pg.Client({ connectionString: uri });
        await c.connect();
        try {
          const r = await c.query<{ n: string }>(
            "SELECT count(*) AS n FROM monitoring_incidents WHERE resolved_at IS NOT NULL AND resolution = 'recovered'",
          );
          return Number(r.rows[0]?.n) === 1;
        } finally {
          await c.end();
        }
      }, 15_000),
      'the resolved incident is in PostgreSQL',
    );
    const stop = await d.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0);
  } finally {
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
    await hook.close();
    await target.close();
  }
  const db = new Database(cfg.dbPath, { readonly: true });
  try {
    const quiet = db
      .prepare('SELECT count(*) AS n, sum(maintenance) AS m FROM results WHERE url = ?')
      .get(target.url('/quiet')) as { n: number; m: number };
    assert.ok(
      quiet.n > 3 && quiet.m === quiet.n,
      `every result of the service in maintenance is marked (${quiet.m}/${quiet.n})`,
    );
    const api = db
      .prepare('SELECT sum(maintenance) AS m FROM results WHERE url = ?')
      .get(target.url('/api')) as { m: number };
    assert.equal(api.m, 0);
    const held = db.prepare('SELECT count(*) AS n FROM incidents WHERE held_event IS NOT NULL').get() as {
      n: number;
    };
    assert.equal(held.n, 1, 'the incident in maintenance is held back, to be sent when the window ends');
    const rows = db.prepare("SELECT status, code FROM deliveries WHERE channel = 'hook' ORDER BY id").all();
    assert.deepEqual(rows, [
      { status: 'retry', code: 500 },
      { status: 'retry', code: 500 },
      { status: 'accepted', code: 200 },
      { status: 'accepted', code: 200 },
    ]);
  } finally {
    db.close();
  }
  const log = d.output();
  assert.ok(!log.includes('tok-SECRET-1234'), 'the expanded token is never logged');
  assert.ok(!readFileSync(cfg.dbPath).includes('tok-SECRET-1234'), 'nor stored');
  assert.ok(!readFileSync(join(cfg.dir, 'monitoring-config'), 'utf8').includes('tok-SECRET-1234'));
  cfg.remove();
});

test('SIGKILL during a delivery: the notification is delivered after the restart, with the same event id', async () => {
  const target = await startSwitchTarget();
  // The first attempt hangs (the daemon is killed while it waits); later ones are accepted.
  const hook = await startNotifyReceiver({ first: { count: 1, answer: 'hang' } });
  const cfg = tempConfig({
    external_database_uri: null,
    alerts: { hook: { type: 'webhook', target: hook.url, timeout: 60 } },
    services: [serviceConfig(target.url('/api'), { cron: '* * * * * *', timeout: 2, alerts: ['hook'] })],
  });
  target.setDown('/api', true);
  const first = startDaemon(cfg.configPath);
  let second: ReturnType<typeof startDaemon> | null = null;
  try {
    await first.waitFor(/Starting Agent worker/, 20_000);
    await hook.waitFor(1);
    first.child.kill('SIGKILL');
    await first.exited;
    second = startDaemon(cfg.configPath);
    await second.waitFor(/notifications interrupted by the last stop are queued again/, 20_000);
    await hook.waitFor(2);
    await new Promise((r) => setTimeout(r, 3000));
    const stop = await second.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0);
  } finally {
    for (const d of [first, second]) if (d && d.child.exitCode === null) d.child.kill('SIGKILL');
    await hook.close();
    await target.close();
  }
  const sent = events(hook.requests.map((r) => r.body));
  assert.equal(sent.length, 2, 'the interrupted attempt and the one after the restart, nothing more');
  assert.equal(
    sent[0]?.event_id,
    sent[1]?.event_id,
    'the same event: a receiver keeping ids accepts it once',
  );
  assert.equal(sent[0]?.kind, 'down');
  const db = new Database(cfg.dbPath, { readonly: true });
  try {
    const incidents = db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number };
    assert.equal(incidents.n, 1, 'the restart did not open a second incident');
    const accepted = db.prepare("SELECT count(*) AS n FROM deliveries WHERE status = 'accepted'").get() as {
      n: number;
    };
    assert.equal(accepted.n, 1);
  } finally {
    db.close();
  }
  cfg.remove();
});
