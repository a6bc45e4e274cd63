/**
 * The monitor's own health as the live view reads it. The daemon fills it from the agent's
 * stats, the export and the local database (src/daemon/http.ts): the live view may not import
 * those layers, so this is the whole contract.
 */
export interface MonitorHealth {
  /** Services being probed. */
  services: number;
  /** Totals since the start of this process. */
  executed: number;
  missed: number;
  stale: number;
  startLagP50Ms: number;
  startLagP99Ms: number;
  startLagMaxMs: number;
  /** Start-lag histogram: cumulative counts of samples ≤ each bound (ms), their count and sum. */
  startLag: {
    boundsMs: readonly number[];
    cumulative: readonly number[];
    count: number;
    sumMs: number;
  } | null;
  inFlight: number;
  waiting: number;
  bufferedResults: number;
  /** Scheduler ticks (one a second while it runs). */
  schedulerTicks: number;
  notifyAccepted: number;
  notifyFailed: number;
  notifyRetries: number;
  /** Results waiting for export (cached: counted at most every few seconds). */
  unexportedRows: number;
  /** Age of the oldest unexported result; 0 when none waits. */
  exportLagMs: number;
  /** 'off' (no export), 'connected', 'disconnected' or 'unknown' (not tried yet). */
  exportState: string;
  /** Export runs that failed since the start. */
  exportFailures: number;
  /** Persisted counters: unexported results dropped at the buffer limit, lost to a full disk, set aside. */
  droppedResults: number;
  diskFullDropped: number;
  setAside: number;
  /** The local database takes writes (not full, not read-only, the write lock obtainable). */
  localDbWritable: boolean;
}

export interface HealthSource {
  health(): MonitorHealth;
}
