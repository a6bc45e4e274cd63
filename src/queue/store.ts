import type { ProbeResult } from '../results/types.js';
import type { Job, JobKind, JobPayloads } from './types.js';

/**
 * The contract between the queue's users (scheduler, runner, exporter, collector) and the local
 * SQLite database that implements it (src/db/local). Everything here is synchronous on purpose:
 * better-sqlite3 transactions must not contain an await, and short batched transactions are what
 * keeps the event loop free.
 */

export interface NewJob<K extends JobKind = JobKind> {
  kind: K;
  payload: JobPayloads[K];
  /** Earliest start, epoch ms. */
  runAt: number;
  /** Default 1 for probes (a probe's failure is its result), 10 for export/collect. */
  maxAttempts?: number;
  /** Unique across the jobs table: a second enqueue with the same key is ignored. */
  dedupeKey?: string | null;
}

export interface ClaimOptions {
  /** Only these kinds. Default: all. */
  kinds?: readonly JobKind[];
  /** Most jobs returned. */
  limit: number;
  /** Current time, epoch ms (injected so tests control time). */
  now: number;
  /** Claim queued jobs whose runAt <= runAtBefore. Default: now. Lets the runner claim a little ahead. */
  runAtBefore?: number;
  /** Lease length: an expired lease makes a running job claimable again. */
  leaseMs: number;
  /** Only jobs whose dedupe key starts with this (the notify lane claims channel by channel). Default: any. */
  keyPrefix?: string;
}

/** A job as claimed: it always carries the token that fences every later state change. */
export type ClaimedJob<K extends JobKind = JobKind> = Job<K> & { leaseToken: string };

export interface JobRef {
  id: number;
  token: string;
}

export interface RecordedProbe {
  result: ProbeResult;
  /** The probe job this result completes; null for results made outside the queue. */
  job: JobRef | null;
}

/**
 * Called by recordProbeResults inside its transaction (the alerts tracker): `mark` before a result
 * is inserted (it may set `result.maintenance`), `recorded` after it was (it may write incidents
 * and enqueue jobs on the same connection: they commit or roll back with the results).
 * `rolledBack` runs when the transaction failed, so the hook can forget what it learned in it.
 */
export interface RecordHook {
  mark(result: ProbeResult): void;
  recorded(result: ProbeResult): void;
  /**
   * After the last `recorded` of a transaction, still inside it: a hook that aggregates (the live
   * view's rollups) writes once per transaction here instead of once per result.
   */
  flush?(): void;
  committed(): void;
  rolledBack(): void;
}

/** One delivery attempt of a notify job, as written to the `deliveries` table. */
export interface DeliveryRecord {
  eventId: string;
  incidentId: string | null;
  channel: string;
  kind: string;
  attempt: number;
  at: number;
  status: 'accepted' | 'retry' | 'failed' | 'expired';
  code: number | null;
  detail: string;
  durationMs: number;
}

export interface JobStore {
  /** Insert jobs, ignoring those whose dedupeKey exists. Returns how many were inserted. */
  enqueue(jobs: readonly NewJob[]): number;
  /**
   * Atomically lease up to `limit` due jobs (queued and due, or running with an expired lease),
   * oldest runAt first; increments attempts and sets a fresh lease token per claim.
   */
  claim(options: ClaimOptions): ClaimedJob[];
  /** Mark jobs done; refs whose token is stale are ignored. Returns how many changed. */
  complete(refs: readonly JobRef[]): number;
  /**
   * Record a failure: back to queued at `retryAt`, or `dead` when attempts are used up or
   * retryAt is null. Ignored (returns false) when the token is stale.
   */
  fail(ref: JobRef, error: string, retryAt: number | null, now: number): boolean;
  /** Give leases back without counting an attempt (shutdown). Returns how many changed. */
  release(refs: readonly JobRef[]): number;
  /**
   * Extend to `leaseUntil` the leases of every job still running that was claimed at or after
   * `claimedSince` (this process's own: only one process runs on a local database). Called after
   * the process was frozen, before the next claim could take its own jobs for abandoned ones.
   * Returns how many changed.
   */
  renewOwn(claimedSince: number, leaseUntil: number): number;
  /**
   * Insert probe results and finish their jobs in one transaction (the job row is deleted: the
   * result now stands for the slot). A result whose job token is stale is not written (another
   * worker owns that slot). Returns how many results were written.
   */
  recordProbeResults(items: readonly RecordedProbe[]): number;
  /** The hook recordProbeResults calls in its transaction; null removes it. */
  setRecordHook(hook: RecordHook | null): void;
  /**
   * A notify job's attempt, one transaction: append the delivery row, then complete the job
   * (`retryAt` undefined), queue it again at `retryAt`, or bury it (`retryAt` null). Ignored
   * (returns false) when the token is stale.
   */
  finishDelivery(ref: JobRef, delivery: DeliveryRecord, retryAt: number | null | undefined): boolean;
  /**
   * Jobs of these kinds left running by a process that is gone (the instance lock proves it) are
   * queued again at once, without waiting for their leases. Returns how many.
   */
  requeueAbandoned(kinds: readonly JobKind[], now: number): number;
}

/** What the exporter needs from the local database. */
export interface ExportSource {
  /**
   * Oldest unexported results (insertion order), not set aside; with `afterId`, only those
   * inserted after that result (the next batch while one is in flight).
   */
  selectUnexported(limit: number, afterId?: string): ProbeResult[];
  /** Mark as exported; called only after the remote COMMIT. */
  markExported(ids: readonly string[], at: number): number;
  /**
   * Keep a row PostgreSQL refused on its own out of the export queue, with the reason and the
   * SQLSTATE (`monitor db rejected` lists them and can re-queue them).
   */
  setAside(id: string, reason: string, at: number, sqlstate?: string | null): void;
  /** How many results are waiting. */
  countUnexported(): number;
}

export interface CollectStats {
  resultsDeleted: number;
  jobsDeleted: number;
}
