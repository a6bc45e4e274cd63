/** Job kinds and their payloads, typed once; the jobs table stores the payload as JSON. */

export type JobKind = 'probe' | 'export' | 'collect';

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

export interface JobPayloads {
  probe: ProbePayload;
  export: ExportPayload;
  collect: CollectPayload;
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
