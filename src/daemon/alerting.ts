import { createMaintenanceSchedule } from '../alerts/maintenance.js';
import { createTracker, type Tracker } from '../alerts/tracker.js';
import { parseDurationField } from '../config/alert-rules.js';
import { type ResolvedChannel, resolveChannels } from '../config/channels.js';
import type { ResolvedService } from '../config/resolve.js';
import { ALERT_DEFAULTS, type MonitorConfig } from '../config/types.js';
import { createIncidentStore } from '../db/local/incident-store.js';
import type { LocalDatabase, LocalJobStore } from '../db/local/index.js';
import type { NotifyLaneOptions, NotifyTarget } from '../jobs/notify-lane.js';
import type { Logger } from '../log/logger.js';
import { registerSecret } from '../log/secrets.js';
import { createNotifier } from '../notify/notifier.js';
import type { Closers } from './closers.js';
import type { ProbeEnvironment } from './service-env.js';

/**
 * The daemon's alerting: the tracker (the engine hooks it into the result transaction), the
 * channels the notify lane delivers to, and what a reload changes. Off with `alerting.enabled: false`.
 */
export interface Alerting {
  tracker: Tracker;
  notify: NotifyLaneOptions;
  reload(config: MonitorConfig, services: readonly ResolvedService[]): void;
}

function ms(field: string, text: string | undefined, fallback: string): number {
  const v = parseDurationField(field, text ?? fallback);
  return typeof v === 'number' ? v : (parseDurationField(field, fallback) as number);
}

export function startAlerting(
  config: MonitorConfig,
  services: readonly ResolvedService[],
  env: ProbeEnvironment,
  storage: { ldb: LocalDatabase; store: LocalJobStore },
  log: Logger,
  closers: Closers,
  closeBoundMs: number,
): Alerting | null {
  if (config.alerting?.enabled === false) return null;
  const { ldb, store } = storage;
  // The instance lock is ours, so no other process runs these: whatever a killed one was
  // delivering goes again now (the receiver deduplicates by the event id), not at its lease's end.
  const requeued = store.requeueAbandoned(['notify', 'alerts'], Date.now());
  if (requeued > 0)
    log.info({ module: 'alerts', requeued }, 'notifications interrupted by the last stop are queued again');
  const tracker = createTracker({
    incidents: createIncidentStore(ldb.sqlite),
    jobs: store,
    services,
    maintenance: createMaintenanceSchedule(config.maintenance),
    logger: log.child({ module: 'alerts' }),
  });
  let channels: Map<string, ResolvedChannel> = resolveChannels(config);
  let names: readonly string[] = [...channels.keys()];
  const notifier = closers.add(
    createNotifier({ env, registerSecret }),
    'notifier',
    (n) => n.close(),
    closeBoundMs,
  );
  const target: NotifyTarget = {
    channels: () => names,
    deliver(name, event, signal) {
      const channel = channels.get(name);
      if (channel !== undefined) return notifier.deliver(channel, event, signal);
      return Promise.resolve({
        status: 'failed',
        code: null,
        detail: 'channel no longer configured',
        retryAfterMs: null,
        durationMs: 0,
      });
    },
  };
  return {
    tracker,
    notify: {
      target,
      maxAgeMs: ms('alerting.max_age', config.alerting?.max_age, ALERT_DEFAULTS.max_age),
      retryMaxMs: ms('alerting.retry_max', config.alerting?.retry_max, ALERT_DEFAULTS.retry_max),
    },
    reload(next, nextServices) {
      channels = resolveChannels(next);
      names = [...channels.keys()];
      tracker.setServices(nextServices);
      tracker.setMaintenance(createMaintenanceSchedule(next.maintenance));
    },
  };
}
