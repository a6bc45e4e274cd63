import type { ResolvedService } from '../config/resolve.js';
import type { HealthRow, IncidentStore, TrackedIncident } from '../db/local/incident-store.js';
import type { Logger } from '../log/logger.js';
import type { JobStore, RecordHook } from '../queue/store.js';
import type { IncidentKind, NotifyEvent } from '../results/incident.js';
import type { ProbeResult } from '../results/types.js';
import { uuidv7 } from '../util/uuidv7.js';
import { causeOf, incidentEvent, notifyJobs } from './events.js';
import { letterOf, step } from './incident-rules.js';
import type { MaintenanceSchedule } from './maintenance.js';
import { TrackerState } from './tracker-state.js';

/**
 * Incidents from results, inside the transaction that records them (a RecordHook of the job
 * store): the service's letters, an incident opened or resolved, and the notify jobs of that
 * change all commit together with the result, or not at all. A window of maintenance holds an
 * event back (incidents.held_event); the alerts job (sweep.ts) sends it when the window is over.
 */

export interface TrackerOptions {
  incidents: IncidentStore;
  jobs: JobStore;
  services: readonly ResolvedService[];
  maintenance: MaintenanceSchedule;
  logger: Logger;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface Tracker extends RecordHook {
  setServices(services: readonly ResolvedService[]): void;
  setMaintenance(schedule: MaintenanceSchedule): void;
  /** The alerts job: held events whose window ended, reminders due, incidents of removed services. */
  sweep(): void;
  /** Open incidents now (for the CLI and the live view). */
  openCount(): number;
}

export function createTracker(options: TrackerOptions): Tracker {
  const { incidents, jobs, logger } = options;
  const now = options.now ?? Date.now;
  const state = new TrackerState(incidents);
  let services = new Map<string, ResolvedService>();
  let maintenance = options.maintenance;

  function setServices(list: readonly ResolvedService[]): void {
    services = new Map(list.map((s) => [s.key, s]));
  }
  setServices(options.services);

  // A window names a service by its URL as written, as `show` prints it (password masked) or by key.
  const inMaintenance = (s: ResolvedService, at: number): boolean =>
    maintenance.anyActive(at) &&
    (maintenance.windowAt({ key: s.key, url: s.target ?? s.url }, at) !== null ||
      (s.target !== undefined &&
        s.target !== s.url &&
        maintenance.windowAt({ key: s.key, url: s.url }, at) !== null));

  function send(event: NotifyEvent, channels: readonly string[]): void {
    if (channels.length > 0) jobs.enqueue(notifyJobs(event, channels, now()));
  }

  function save(i: TrackedIncident, previous: TrackedIncident | undefined): void {
    if (previous === undefined) incidents.insert(i);
    else incidents.update(i);
    state.setIncident(i, previous);
  }

  function open(s: ResolvedService, kind: IncidentKind, result: ProbeResult, firstBad: string | null): void {
    const base: TrackedIncident = {
      id: uuidv7(result.finishedAt),
      agent: result.agent,
      serviceKey: s.key,
      url: s.url,
      method: s.method,
      kind,
      openedAt: result.finishedAt,
      resolvedAt: null,
      resolution: null,
      cause: causeOf(result),
      firstResultId: firstBad ?? result.id,
      openingResultId: result.id,
      resolvingResultId: null,
      version: 1,
      notified: false,
      remindAt: null,
      heldEvent: null,
    };
    const event = incidentEvent(kind, base, result, result.finishedAt);
    if (result.maintenance === true) {
      save({ ...base, heldEvent: JSON.stringify(event) }, undefined);
      return;
    }
    const remind = s.alert.remindEveryMs;
    save(
      { ...base, notified: true, remindAt: remind === null ? null : result.finishedAt + remind },
      undefined,
    );
    send(event, s.alert.channels);
  }

  function resolve(s: ResolvedService, i: TrackedIncident, result: ProbeResult): void {
    const resolved: TrackedIncident = {
      ...i,
      resolvedAt: result.finishedAt,
      resolution: 'recovered',
      resolvingResultId: result.id,
      version: i.version + 1,
      remindAt: null,
      heldEvent: null,
    };
    // Nobody heard of an incident whose opening was held back: there is nothing to resolve for them.
    const tell = i.notified && s.alert.sendResolved;
    const event = tell ? incidentEvent('resolved', resolved, result, result.finishedAt) : null;
    if (event !== null && result.maintenance === true) resolved.heldEvent = JSON.stringify(event);
    save(resolved, i);
    if (event !== null && result.maintenance !== true) send(event, s.alert.channels);
  }

  function recorded(result: ProbeResult): void {
    const s = services.get(result.serviceKey);
    if (s === undefined || s.alert.channels.length === 0) return;
    const letter = letterOf(result.state);
    if (letter === null) return;
    const before = state.health.get(s.key);
    const next = step(s.alert, before?.recent ?? '', state.openKinds(s.key), letter);
    const firstBad = letter === 'u' ? null : (before?.firstBadResultId ?? result.id);
    const live = state.live.get(s.key);
    for (const kind of next.resolve) {
      const i = live?.get(kind);
      if (i !== undefined) resolve(s, i, result);
    }
    if (next.open !== null) open(s, next.open, result, firstBad);
    const row: HealthRow = {
      recent: next.recent,
      firstBadResultId: next.open !== null ? null : firstBad,
    };
    // A steady service writes nothing: its letters and first bad result stay the same.
    if (before?.recent !== row.recent || before.firstBadResultId !== row.firstBadResultId) {
      incidents.saveHealth(s.key, row, now());
      state.setHealth(s.key, row);
    }
  }

  function sweepOne(i: TrackedIncident, t: number): void {
    const s = services.get(i.serviceKey);
    if (s === undefined || s.alert.channels.length === 0) {
      if (i.resolvedAt !== null) {
        save({ ...i, heldEvent: null }, i);
        return;
      }
      logger.info({ incident: i.id, url: i.url }, 'service no longer alerting: incident closed as removed');
      save(
        {
          ...i,
          resolvedAt: t,
          resolution: 'removed',
          version: i.version + 1,
          remindAt: null,
          heldEvent: null,
        },
        i,
      );
      return;
    }
    if (inMaintenance(s, t)) return;
    if (i.heldEvent !== null) {
      const event = JSON.parse(i.heldEvent) as NotifyEvent;
      const opening = event.kind !== 'resolved';
      const remind = s.alert.remindEveryMs;
      save(
        {
          ...i,
          heldEvent: null,
          notified: i.notified || opening,
          remindAt: opening && remind !== null ? t + remind : i.remindAt,
        },
        i,
      );
      send(event, s.alert.channels);
      return;
    }
    const remind = s.alert.remindEveryMs;
    if (i.resolvedAt === null && i.remindAt !== null && i.remindAt <= t && remind !== null) {
      const missed = Math.floor((t - i.remindAt) / remind) + 1;
      save({ ...i, remindAt: i.remindAt + missed * remind }, i);
      send(incidentEvent('reminder', i, null, t), s.alert.channels);
    }
  }

  function sweep(): void {
    const t = now();
    incidents.transaction(() => {
      try {
        for (const i of [...state.heldResolved.values()]) sweepOne(i, t);
        for (const kinds of [...state.live.values()]) for (const i of [...kinds.values()]) sweepOne(i, t);
        for (const key of [...state.health.keys()]) {
          if ((services.get(key)?.alert.channels.length ?? 0) > 0) continue;
          incidents.deleteHealth(key);
          state.setHealth(key, undefined);
        }
      } catch (e) {
        state.rolledBack();
        throw e;
      }
    });
    state.committed();
  }

  return {
    mark(result) {
      if (!maintenance.anyActive(result.scheduledAt)) return;
      const s = services.get(result.serviceKey);
      if (s !== undefined && inMaintenance(s, result.scheduledAt)) result.maintenance = true;
    },
    recorded,
    committed: () => state.committed(),
    rolledBack: () => state.rolledBack(),
    setServices,
    setMaintenance(schedule) {
      maintenance = schedule;
    },
    sweep,
    openCount() {
      let n = 0;
      for (const kinds of state.live.values()) n += kinds.size;
      return n;
    },
  };
}
