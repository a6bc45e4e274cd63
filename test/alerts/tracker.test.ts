import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MaintenanceSchedule } from '../../src/alerts/maintenance.js';
import { createTracker, type Tracker } from '../../src/alerts/tracker.js';
import type { ResolvedService } from '../../src/config/resolve.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { createIncidentStore } from '../../src/db/local/incident-store.js';
import type { NotifyPayload } from '../../src/queue/types.js';
import type { ProbeState } from '../../src/results/types.js';
import { makeResult } from '../helpers/results.js';
import { resolvedService } from '../helpers/services.js';
import { tempStore } from '../helpers/temp-store.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const NO_WINDOWS: MaintenanceSchedule = { anyActive: () => false, windowAt: () => null };

interface IncidentRow {
  id: string;
  kind: string;
  resolved_at: number | null;
  resolution: string | null;
  version: number;
  first_result_id: string;
  opening_result_id: string;
}

describe('incident tracker (in the result transaction, on a real SQLite file)', () => {
  let db: ReturnType<typeof tempStore>;
  let clock: number;
  let slot: number;
  let tracker: Tracker;
  let service: ResolvedService;
  const ids: string[] = [];

  function install(services: ResolvedService[], maintenance = NO_WINDOWS): void {
    tracker = createTracker({
      incidents: createIncidentStore(db.ldb.sqlite),
      jobs: db.store,
      services,
      maintenance,
      logger: db.ldb.logger,
      now: () => clock,
    });
    db.store.setRecordHook(tracker);
  }

  function withService(overrides: Partial<ServiceConfig>): void {
    service = resolvedService('http://127.0.0.1:9/health', { alerts: ['a', 'b'], ...overrides });
    install([service]);
  }

  function record(...states: (ProbeState | 'missed')[]): void {
    for (const s of states) {
      slot += 5000;
      clock = slot + 100;
      const missed = s === 'missed';
      const state: ProbeState = missed ? 'unknown' : s;
      const r = makeResult(service.key, slot, {
        state,
        ok: state === 'up' || state === 'degraded',
        errorClass: missed ? 'missed' : state === 'down' ? 'connect' : null,
        errorMessage: state === 'down' ? 'connect ECONNREFUSED 127.0.0.1:9' : null,
      });
      ids.push(r.id);
      db.store.recordProbeResults([{ result: r, job: null }]);
    }
  }

  const incidents = (): IncidentRow[] =>
    db.ldb.sqlite.prepare('SELECT * FROM incidents ORDER BY opened_at').all() as IncidentRow[];
  const notifications = (): NotifyPayload[] =>
    (
      db.ldb.sqlite.prepare("SELECT payload FROM jobs WHERE kind = 'notify' ORDER BY id").all() as {
        payload: string;
      }[]
    ).map((r) => JSON.parse(r.payload) as NotifyPayload);
  const kinds = (): string[] => notifications().map((p) => `${p.event.kind}>${p.channel}`);

  beforeEach(() => {
    db = tempStore();
    clock = T0;
    slot = T0;
    ids.length = 0;
  });
  afterEach(() => db.cleanup());

  it('opens one incident after three downs and notifies each channel once, however long it stays down', () => {
    withService({});
    record('down', 'down');
    assert.equal(incidents().length, 0);
    record('down');
    const [open] = incidents();
    assert.equal(open?.kind, 'down');
    assert.equal(open?.first_result_id, ids[0]);
    assert.equal(open?.opening_result_id, ids[2]);
    assert.deepEqual(kinds(), ['down>a', 'down>b']);
    const [a, b] = notifications();
    assert.equal(a?.event.event_id, b?.event.event_id, 'one event, the same id on every channel');
    assert.equal(a?.event.incident_id, open?.id);
    assert.match(a?.event.cause ?? '', /connect.*ECONNREFUSED/);
    record('down', 'down', 'down');
    assert.equal(incidents().length, 1);
    assert.equal(notifications().length, 2);
  });

  it('resolves after two ups, sends "resolved", and raises the version for the export', () => {
    withService({});
    record('down', 'down', 'down', 'up');
    assert.equal(incidents()[0]?.resolved_at, null);
    record('up');
    const [i] = incidents();
    assert.equal(i?.resolution, 'recovered');
    assert.equal(i?.version, 2);
    assert.deepEqual(kinds(), ['down>a', 'down>b', 'resolved>a', 'resolved>b']);
  });

  it('a service flapping under thresholds 3/2 opens nothing; missed slots count neither way', () => {
    withService({});
    record('down', 'down', 'up', 'down', 'down', 'up', 'down', 'missed', 'down', 'up');
    assert.equal(incidents().length, 0);
    record('down', 'missed', 'down', 'missed', 'down');
    assert.equal(incidents().length, 1, 'three downs with missed slots between them are three in a row');
  });

  it('failure_window m/n opens on a flapping service; the letters restart after a transition', () => {
    withService({ failure_window: '3/5' });
    record('down', 'up', 'down', 'up');
    assert.equal(incidents().length, 0);
    record('down');
    assert.equal(incidents().length, 1);
    record('up', 'up');
    assert.equal(incidents()[0]?.resolution, 'recovered');
    record('down');
    assert.equal(incidents().length, 1, 'one new failure does not reopen on the old run');
  });

  it('send_resolved false sends no "resolved"; alert_on_degraded opens a degraded incident', () => {
    withService({ send_resolved: false, alert_on_degraded: true });
    record('degraded', 'degraded', 'degraded');
    assert.deepEqual(
      incidents().map((i) => i.kind),
      ['degraded'],
    );
    record('up', 'up');
    assert.equal(incidents()[0]?.resolution, 'recovered');
    assert.deepEqual(kinds(), ['degraded>a', 'degraded>b']);
  });

  it('degraded results neither open a down incident nor count as down without alert_on_degraded', () => {
    withService({});
    record('down', 'down', 'degraded', 'down', 'degraded', 'degraded');
    assert.equal(incidents().length, 0);
  });

  it('a restart keeps the letters and the open incident: no second alert, and it still resolves', () => {
    withService({});
    record('down', 'down');
    db.reopen();
    install([service]);
    record('down');
    assert.equal(incidents().length, 1);
    db.reopen();
    install([service]);
    record('down', 'down');
    assert.equal(incidents().length, 1, 'still one incident after a restart while down');
    assert.equal(notifications().length, 2);
    record('up', 'up');
    assert.equal(incidents()[0]?.resolution, 'recovered');
  });

  it('a slot recorded twice (a resend after a crash) counts once', () => {
    withService({});
    record('down', 'down');
    const again = makeResult(service.key, slot, { state: 'down', ok: false, errorClass: 'connect' });
    db.store.recordProbeResults([{ result: again, job: null }]);
    assert.equal(incidents().length, 0);
  });

  it('a service that no longer alerts has its incident closed as removed by the alerts job, silently', () => {
    withService({});
    record('down', 'down', 'down');
    tracker.setServices([]);
    tracker.sweep();
    const [i] = incidents();
    assert.equal(i?.resolution, 'removed');
    assert.equal(i?.version, 2);
    assert.equal(notifications().length, 2);
    assert.equal(tracker.openCount(), 0);
  });

  it('reminds at remind_every until resolved, once per interval', () => {
    withService({ remind_every: '1m' });
    record('down', 'down', 'down');
    const opened = clock;
    clock = opened + 59_000;
    tracker.sweep();
    assert.equal(notifications().length, 2);
    clock = opened + 61_000;
    tracker.sweep();
    tracker.sweep();
    assert.deepEqual(kinds().slice(2), ['reminder>a', 'reminder>b']);
    clock = opened + 5 * 60_000 + 1000;
    tracker.sweep();
    assert.equal(notifications().length, 6, 'a late sweep sends one reminder, not the missed ones');
    record('up', 'up');
    clock += 10 * 60_000;
    tracker.sweep();
    assert.deepEqual(kinds().slice(6), ['resolved>a', 'resolved>b']);
  });

  it('in a maintenance window results are marked and nothing is sent; the opening goes out when it ends', () => {
    let windowOpen = true;
    const schedule: MaintenanceSchedule = {
      anyActive: () => windowOpen,
      windowAt: (s) => (windowOpen && s.url === 'http://127.0.0.1:9/health' ? 'upgrade' : null),
    };
    service = resolvedService('http://127.0.0.1:9/health', { alerts: ['a'] });
    install([service], schedule);
    record('down', 'down', 'down');
    const marked = db.ldb.sqlite.prepare('SELECT count(*) AS n FROM results WHERE maintenance = 1').get() as {
      n: number;
    };
    assert.equal(marked.n, 3);
    assert.equal(incidents().length, 1);
    assert.equal(notifications().length, 0);
    tracker.sweep();
    assert.equal(notifications().length, 0, 'still inside the window');
    windowOpen = false;
    tracker.sweep();
    assert.deepEqual(kinds(), ['down>a']);
    tracker.sweep();
    assert.equal(notifications().length, 1);
  });

  it('an incident that opens and resolves inside a window sends nothing at all', () => {
    let windowOpen = true;
    const schedule: MaintenanceSchedule = {
      anyActive: () => windowOpen,
      windowAt: () => (windowOpen ? 'w' : null),
    };
    service = resolvedService('http://127.0.0.1:9/health', { alerts: ['a'] });
    install([service], schedule);
    record('down', 'down', 'down', 'up', 'up');
    windowOpen = false;
    tracker.sweep();
    assert.equal(incidents()[0]?.resolution, 'recovered');
    assert.equal(notifications().length, 0);
  });

  it('services without channels are not tracked at all', () => {
    service = resolvedService('http://127.0.0.1:9/health');
    install([service]);
    record('down', 'down', 'down', 'down');
    assert.equal(incidents().length, 0);
    const health = db.ldb.sqlite.prepare('SELECT count(*) AS n FROM service_health').get() as { n: number };
    assert.equal(health.n, 0);
  });
});
