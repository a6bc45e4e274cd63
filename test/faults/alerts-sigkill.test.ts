import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import type { NotifyPayload } from '../../src/queue/types.js';
import { alertsQuiet, openReadOnly, overlaps, startCyclingTarget } from '../helpers/alert-faults.js';
import { startDaemon, tempConfig } from '../helpers/daemon.js';
import { type DelayedReceiver, startDelayedReceiver } from '../helpers/delayed-receiver.js';
import { until } from '../helpers/local-db.js';
import { getTestDatabaseUrl } from '../helpers/pg.js';
import { serviceConfig } from '../helpers/services.js';

const KILLS = 25;
const SERVICES = 20;

interface LocalIncident {
  id: string;
  service_key: string;
  url: string;
  kind: string;
  opened_at: number;
  resolved_at: number | null;
  resolution: string | null;
  version: number;
  exported_version: number;
  notified: number;
}

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test(`SIGKILL of monitor start ${KILLS} times during incident transitions and deliveries: no incident lost or doubled in PostgreSQL, every notification accepted at least once`, async (t) => {
  const target = await startCyclingTarget();
  const receivers: Record<string, DelayedReceiver> = {
    'hook-a': await startDelayedReceiver(),
    'hook-b': await startDelayedReceiver(),
  };
  const uri = await getTestDatabaseUrl();
  const services = Array.from({ length: SERVICES }, (_, i) =>
    serviceConfig(target.url(i), {
      cron: '* * * * * *',
      timeout: 2,
      // Every third service tells two channels: one event, two jobs, two receivers.
      alerts: i % 3 === 0 ? ['hook-a', 'hook-b'] : ['hook-a'],
      failure_threshold: 2,
      success_threshold: 2,
    }),
  );
  const cfg = tempConfig({
    external_database_uri: uri,
    alerts: {
      'hook-a': { type: 'webhook', target: receivers['hook-a']?.url as string },
      'hook-b': { type: 'webhook', target: receivers['hook-b']?.url as string },
    },
    alerting: { retry_max: '2s' },
    services,
  });
  let killedMidDelivery = 0;
  let current: ReturnType<typeof startDaemon> | undefined;
  try {
    for (let k = 0; k < KILLS; k++) {
      // --no-collect keeps every job and result locally: the notify jobs are the full set of events.
      const d = startDaemon(cfg.configPath, ['--no-collect']);
      current = d;
      await d.waitFor(/Starting Agent worker/, 20_000);
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 2_200)));
      if (Object.values(receivers).some((r) => r.inFlight > 0)) killedMidDelivery++;
      d.child.kill('SIGKILL');
      await d.exited;
    }
    target.setAllUp();
    const last = startDaemon(cfg.configPath, ['--no-collect']);
    current = last;
    await last.waitFor(/Starting Agent worker/, 20_000);
    assert.ok(!last.output().includes('Starting Collector worker'), 'collect is off');
    await new Promise((r) => setTimeout(r, 1_000));
    const fdsAtStart = fdCount(last.pid);
    const drained = await until(() => alertsQuiet(cfg.dbPath), 90_000, 500);
    const fdsAtEnd = fdCount(last.pid);
    const stop = await last.stop('SIGTERM', 30_000);
    assert.equal(stop.code, 0, last.output().slice(-2000));
    assert.ok(drained, 'every incident resolved and exported, every notify job finished');
    t.diagnostic(`open fds of the last run: ${fdsAtStart} after start, ${fdsAtEnd} once drained`);
    // Slack for the connections a busy run keeps open (probe pool, up to 4 per channel, pg pool);
    // a leak per delivery or per retry would exceed it by far.
    assert.ok(fdsAtEnd <= fdsAtStart + 24, `open fds grew from ${fdsAtStart} to ${fdsAtEnd}`);

    const db = openReadOnly(cfg.dbPath);
    let incidents: LocalIncident[];
    let jobs: NotifyPayload[];
    let jobStates: string[];
    let accepted: { event_id: string; channel: string }[];
    try {
      assert.equal(String(db.pragma('integrity_check', { simple: true })), 'ok');
      incidents = db.prepare('SELECT * FROM incidents').all() as LocalIncident[];
      const rows = db.prepare("SELECT payload, state FROM jobs WHERE kind = 'notify'").all() as {
        payload: string;
        state: string;
      }[];
      jobs = rows.map((r) => JSON.parse(r.payload) as NotifyPayload);
      jobStates = rows.map((r) => r.state);
      accepted = db
        .prepare("SELECT event_id, channel FROM deliveries WHERE status = 'accepted'")
        .all() as typeof accepted;
    } finally {
      db.close();
    }

    // Incidents, locally.
    assert.ok(incidents.length >= SERVICES, `incidents were opened (${incidents.length})`);
    assert.deepEqual(
      overlaps(
        incidents.map((i) => ({
          key: `${i.service_key} ${i.kind}`,
          opened: i.opened_at,
          resolved: i.resolved_at,
        })),
      ),
      [],
      'no service had two incidents of one kind open at once (locally)',
    );

    // Incidents, in PostgreSQL: exactly the local ones, each at its local version.
    const c = new pg.Client({ connectionString: uri });
    await c.connect();
    let remote: {
      id: string;
      service_key: string;
      kind: string;
      opened_at: Date;
      resolved_at: Date | null;
      resolution: string | null;
      version: number;
    }[];
    try {
      remote = (
        await c.query(
          'SELECT id, service_key, kind, opened_at, resolved_at, resolution, version FROM monitoring_incidents',
        )
      ).rows;
    } finally {
      await c.end();
    }
    const remoteById = new Map(remote.map((r) => [r.id, r]));
    assert.equal(remoteById.size, remote.length, 'no incident twice in PostgreSQL');
    const missing = incidents.filter((i) => !remoteById.has(i.id)).map((i) => i.id);
    const localIds = new Set(incidents.map((i) => i.id));
    const extra = remote.filter((r) => !localIds.has(r.id)).map((r) => r.id);
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      'PostgreSQL holds exactly the local incidents',
    );
    const stale = incidents.filter((i) => {
      const r = remoteById.get(i.id);
      return (
        r === undefined ||
        r.version !== i.version ||
        (r.resolved_at?.getTime() ?? null) !== i.resolved_at ||
        r.resolution !== i.resolution ||
        r.opened_at.getTime() !== i.opened_at
      );
    });
    assert.deepEqual(
      stale.map((i) => i.id),
      [],
      'each remote incident is at its local version',
    );
    assert.deepEqual(
      overlaps(
        remote.map((r) => ({
          key: `${r.service_key} ${r.kind}`,
          opened: r.opened_at.getTime(),
          resolved: r.resolved_at?.getTime() ?? null,
        })),
      ),
      [],
      'no service had two incidents of one kind open at once (PostgreSQL)',
    );

    // Notifications: the local events are the notify jobs (all kept: collect is off); every accepted
    // delivery row belongs to one of them, so a job deleted behind our back would show here.
    assert.ok(
      jobStates.every((s) => s === 'done'),
      `every notify job done (${[...new Set(jobStates)]})`,
    );
    const perChannel = (ch: string) =>
      new Set(jobs.filter((j) => j.channel === ch).map((j) => j.event.event_id));
    let twice = 0;
    for (const [channel, receiver] of Object.entries(receivers)) {
      const local = perChannel(channel);
      assert.ok(local.size > 0, `events were sent to ${channel}`);
      const rows = accepted.filter((a) => a.channel === channel).map((a) => a.event_id);
      assert.equal(rows.length, local.size, `${channel}: one accepted delivery row per event`);
      assert.deepEqual(new Set(rows), local, `${channel}: the delivery rows are those of the jobs`);

      const got = receiver.requests.filter((r) => r.accepted);
      const bad = got.filter((r) => r.idempotencyKey !== r.eventId);
      assert.deepEqual(bad, [], `${channel}: Idempotency-Key = the body's event_id`);
      const byKey = new Map<string, number>();
      for (const r of got)
        byKey.set(r.idempotencyKey as string, (byKey.get(r.idempotencyKey as string) ?? 0) + 1);
      const doubled = [...byKey.values()].filter((n) => n > 1).length;
      twice += doubled;
      const lost = [...local].filter((id) => !byKey.has(id));
      const unknown = [...byKey.keys()].filter((id) => !local.has(id));
      assert.deepEqual(
        { lost, unknown },
        { lost: [], unknown: [] },
        `${channel}: deduplicated by Idempotency-Key, the receiver accepted exactly the local events (${doubled} of ${local.size} accepted more than once)`,
      );
      const seen = new Set(receiver.requests.map((r) => r.idempotencyKey));
      assert.ok(
        [...seen].every((id) => local.has(id as string)),
        `${channel}: no request for an unknown event`,
      );

      // Each notified incident's "down" and, once recovered, its "resolved" reached the receiver.
      const kinds = new Set(got.map((r) => `${r.incidentId} ${r.kind}`));
      const tells = (url: string) => services.find((s) => s.url === url)?.alerts?.includes(channel) === true;
      const told = incidents.filter((x) => x.notified === 1 && tells(x.url));
      assert.ok(told.length > 0, `${channel}: incidents were notified`);
      for (const i of told) {
        assert.ok(kinds.has(`${i.id} down`), `${channel}: the "down" of incident ${i.id} arrived`);
        if (i.resolution === 'recovered')
          assert.ok(kinds.has(`${i.id} resolved`), `${channel}: the "resolved" of incident ${i.id} arrived`);
      }
    }
    t.diagnostic(
      `${incidents.length} incidents, ${jobs.length} notify jobs, ${twice} events accepted more than once, ` +
        `${killedMidDelivery} of ${KILLS} kills with a delivery in flight`,
    );
  } finally {
    if (current && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    for (const r of Object.values(receivers)) await r.close();
    await target.close();
    cfg.remove();
  }
});
