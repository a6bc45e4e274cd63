import { Counter, Gauge, Registry } from 'prom-client';
import type { HealthSource, MonitorHealth } from './health.js';

/**
 * The monitor's own health families in a prom-client Registry of its own (never the global one,
 * so nothing else in the process adds series). Each value is read from the HealthSource when
 * scraped, through collect callbacks.
 */
export function createHealthRegistry(source: HealthSource): {
  registry: Registry;
  refresh(): MonitorHealth;
} {
  const registry = new Registry();
  let h: MonitorHealth = source.health();
  const counter = (name: string, help: string, read: (h: MonitorHealth) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(h));
      },
    });
  const gauge = (name: string, help: string, read: (h: MonitorHealth) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(h));
      },
    });
  counter('monitor_probes_executed_total', 'Probes started by this process.', (x) => x.executed);
  counter(
    'monitor_probes_missed_total',
    'Slots that could not start in their window (written as missed).',
    (x) => x.missed,
  );
  counter(
    'monitor_probes_stale_total',
    'Slots found already past their window at start (nobody ran to miss them).',
    (x) => x.stale,
  );
  counter(
    'monitor_scheduler_ticks_total',
    'Scheduler ticks (one a second while it runs).',
    (x) => x.schedulerTicks,
  );
  counter(
    'monitor_notifications_accepted_total',
    'Notifications the receiver accepted.',
    (x) => x.notifyAccepted,
  );
  counter(
    'monitor_notifications_failed_total',
    'Notifications refused for good or expired.',
    (x) => x.notifyFailed,
  );
  counter(
    'monitor_notification_retries_total',
    'Notification attempts to be retried.',
    (x) => x.notifyRetries,
  );
  counter(
    'monitor_export_failures_total',
    'Export runs that failed (PostgreSQL unreachable, refused, timed out).',
    (x) => x.exportFailures,
  );
  counter(
    'monitor_buffer_dropped_results_total',
    'Unexported results dropped at the local buffer limit (persisted).',
    (x) => x.droppedResults,
  );
  counter(
    'monitor_disk_full_dropped_results_total',
    'Results lost because the local database was full (persisted).',
    (x) => x.diskFullDropped,
  );
  counter(
    'monitor_set_aside_results_total',
    'Results PostgreSQL refused for their data, kept aside locally (persisted).',
    (x) => x.setAside,
  );
  gauge('monitor_services', 'Services being probed.', (x) => x.services);
  gauge('monitor_probes_in_flight', 'Probes running now.', (x) => x.inFlight);
  gauge(
    'monitor_queue_depth',
    'Due probe jobs waiting for their service’s previous probe.',
    (x) => x.waiting,
  );
  gauge(
    'monitor_results_buffered',
    'Results waiting to be written to the local database.',
    (x) => x.bufferedResults,
  );
  gauge(
    'monitor_unexported_results',
    'Results in the local database waiting for export.',
    (x) => x.unexportedRows,
  );
  gauge(
    'monitor_export_lag_seconds',
    'Age of the oldest result waiting for export (0 when none).',
    (x) => x.exportLagMs / 1000,
  );
  gauge(
    'monitor_postgres_up',
    'PostgreSQL reachable by the export: 1 connected, 0 otherwise (also when export is off).',
    (x) => (x.exportState === 'connected' ? 1 : 0),
  );
  new Gauge({
    name: 'monitor_export_state',
    help: 'The export’s state: 1 for the current one of off, unknown, connected, disconnected.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const s of ['off', 'unknown', 'connected', 'disconnected'])
        this.set({ state: s }, h.exportState === s ? 1 : 0);
    },
  });
  gauge('monitor_local_db_writable', 'The local database takes writes: 1 yes, 0 no.', (x) =>
    x.localDbWritable ? 1 : 0,
  );
  gauge(
    'monitor_probe_start_lag_max_seconds',
    'Largest start lag seen (time from a slot to its probe’s start).',
    (x) => x.startLagMaxMs / 1000,
  );
  return {
    registry,
    /** Reads the source once for the next render; returns what it read. */
    refresh() {
      h = source.health();
      return h;
    },
  };
}

/** Bounds of the start-lag histogram, ms. */
export const START_LAG_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const;

/**
 * Start lag as a histogram, in the text format. prom-client's Histogram only learns by observe(),
 * and the runner already counts every start in its own millisecond histogram: read, not copied.
 */
export function renderStartLag(lag: MonitorHealth['startLag']): string {
  const name = 'monitor_probe_start_lag_seconds';
  let out = `# HELP ${name} Time from a slot's scheduled time to its probe's start.\n# TYPE ${name} histogram\n`;
  if (!lag) return out;
  lag.boundsMs.forEach((b, i) => {
    out += `${name}_bucket{le="${b / 1000}"} ${lag.cumulative[i] ?? 0}\n`;
  });
  out += `${name}_bucket{le="+Inf"} ${lag.count}\n${name}_sum ${lag.sumMs / 1000}\n${name}_count ${lag.count}\n`;
  return out;
}
