import type { NotifyEvent } from '../results/incident.js';

/** Job kinds and their payloads, typed once; the jobs table stores the payload as JSON. */

export type JobKind =
  | 'probe'
  | 'export'
  | 'collect'
  | 'notify'
  | 'alerts'
  | 'lease'
  | 'heartbeat'
  | 'upkeep'
  | 'rollup';

export interface ProbePayload {
  serviceKey: string;
  /** Grid slot, epoch ms. */
  scheduledAt: number;
  /** Latest acceptable start, epoch ms (the end of the slot's window); past it the slot is `missed`. */
  windowEndsAt: number;
}

export type ExportPayload = Record<string, never>;

/** What one export job did, typed once: the exporter returns it, the runner schedules by it. */
export interface ExportOutcome {
  /** Rows marked exported (sent now, or already in PostgreSQL from an earlier attempt). */
  exported: number;
  /** The batch was full: more rows are probably waiting, so the next export is queued at once. */
  full: boolean;
  /** Rows PostgreSQL refused on their own (row-level SQLSTATE), set aside locally with the reason. */
  setAside: number;
  /** Set when the remote could not be used: wait this long before the next attempt. */
  retryAfterMs: number | null;
}
export type CollectPayload = Record<string, never>;

/**
 * One notification to one channel. The event is complete when enqueued (its id and text are
 * fixed then), so a retry or a restart delivers the same bytes.
 */
export interface NotifyPayload {
  channel: string;
  event: NotifyEvent;
  /** When the event was enqueued, epoch ms: past `alerting.max_age` after it, the job expires. */
  enqueuedAt: number;
}

/** The periodic alerts job: reminders due, notifications a maintenance window held back. */
export type AlertsPayload = Record<string, never>;

/** share mode's periodic lease round (src/fleet/share.ts). */
export type LeasePayload = Record<string, never>;
/** The periodic fleet heartbeat: the agent's row and its services' states in PostgreSQL (docs/fleet.md). */
export type HeartbeatPayload = Record<string, never>;
/**
 * The hourly `upkeep` job (and one at start): partitions ahead, late rows out of the default
 * partition, retention (src/db/remote/upkeep.ts); one agent of the fleet at a time.
 */
export type UpkeepPayload = Record<string, never>;
/**
 * The `rollup` job, every 30 s: folds the rollups' pending rows into the minute and hour tables
 * (src/db/remote/rollup-fold.ts); one agent of the fleet at a time.
 */
export type RollupPayload = Record<string, never>;

/** How one delivery attempt ended, typed once: the notifier returns it, the notify lane acts on it. */
export interface DeliveryOutcome {
  /** accepted: done. retry: try again later. failed: the receiver refused it for good (4xx other than 408/429). */
  status: 'accepted' | 'retry' | 'failed';
  /** HTTP status, SMTP reply code or process exit code; null when there was none (timeout, connection). */
  code: number | null;
  /** One line: what went wrong, or the receiver's answer; never a secret. */
  detail: string;
  /** The receiver asked to wait this long (Retry-After), ms. */
  retryAfterMs: number | null;
  durationMs: number;
}

export interface JobPayloads {
  probe: ProbePayload;
  export: ExportPayload;
  collect: CollectPayload;
  notify: NotifyPayload;
  alerts: AlertsPayload;
  lease: LeasePayload;
  heartbeat: HeartbeatPayload;
  upkeep: UpkeepPayload;
  rollup: RollupPayload;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'dead';

export interface Job<K extends JobKind = JobKind> {
  id: number;
  kind: K;
  payload: JobPayloads[K];
  runAt: number;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  leaseUntil: number | null;
  leaseToken: string | null;
  lastError: string | null;
  dedupeKey: string | null;
}
