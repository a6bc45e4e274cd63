import type Database from 'better-sqlite3';
import type { Logger } from '../../log/logger.js';
import type { JobRef, JobStore, NewJob, RecordedProbe, RecordHook } from '../../queue/store.js';
import type { JobKind } from '../../queue/types.js';
import { claimTransaction } from './claim.js';
import { INCREMENT_COUNTER_SQL } from './counters.js';
import { abandonedRequeuer, deliveryFinisher } from './delivery-record.js';
import { DiskFullDrops } from './disk-full.js';
import type { LocalDatabase } from './open.js';
import { INSERT_RESULT_SQL, resultParams } from './result-rows.js';
import { isDiskFull } from './sqlite-errors.js';
import { prepared } from './statements.js';

export interface JobStoreOptions {
  /** Clock for created_at/updated_at where the call has no `now`. Default Date.now. */
  clock?: () => number;
  /** Default: the database's logger. */
  logger?: Logger;
}

/** The JobStore plus what the daemon may want to show about the disk-full state. */
export interface LocalJobStore extends JobStore {
  /** True after a write failed with SQLITE_FULL and until one succeeds again. */
  readonly diskFull: boolean;
  /** Results lost to SQLITE_FULL and not yet added to the persisted counter. */
  readonly pendingDiskFullDrops: number;
  /**
   * Adds pendingDiskFullDrops to the persisted counter now (at shutdown: normally the next
   * successful write does it). Returns how many are still not counted (0 unless still full).
   */
  saveDiskFullDrops(): number;
}

// A notification is retried until alerting.max_age, not a count: the lane expires it by age.
const DEFAULT_MAX_ATTEMPTS: Record<JobKind, number> = {
  probe: 1,
  export: 10,
  collect: 10,
  notify: 1_000_000,
  alerts: 10,
  // The next period's round comes in seconds: a failed one is not worth retrying.
  lease: 1,
  // The handler never throws for a remote failure; the next period's job tries again anyway.
  heartbeat: 1,
  upkeep: 10,
  rollup: 10,
};

const INSERT_JOB_SQL = `INSERT INTO jobs (kind, payload, run_at, state, attempts, max_attempts, dedupe_key, created_at, updated_at)
VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`;

// One execution per job: measured faster than one UPDATE … FROM (VALUES …) per batch in
// better-sqlite3 (2.0 vs 2.3 µs a job), and multi-row INSERTs lost the same way (15 vs 21 µs a result).
const FENCE = "id = ? AND lease_token = ? AND state = 'running'";

const COMPLETE_SQL = `UPDATE jobs SET state = 'done', lease_until = NULL, lease_token = NULL, updated_at = ? WHERE ${FENCE}`;

// A probe job whose result is written is deleted in the same transaction rather than marked done
// and deleted by collect later: one row change instead of two, and a jobs table as small as the
// queue (the probe path of bench/local-queue.ts went from 38k to 60k+ jobs/s). Its dedupe key is
// not needed any more: the scheduler only offers slots after the ones it already offered (its
// horizon), a restart starts at now, after every slot already run, and the results table's
// UNIQUE(scheduled_at, service_key) still keeps a slot to one result.
const FINISH_PROBE_SQL = `DELETE FROM jobs WHERE ${FENCE}`;

// The claim counted an attempt; giving the lease back un-counts it.
const RELEASE_SQL = `UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), lease_until = NULL,
  lease_token = NULL, updated_at = ? WHERE ${FENCE}`;

// updated_at of a running job is its claim time (nothing else touches a running row).
const RENEW_OWN_SQL = `UPDATE jobs SET lease_until = @leaseUntil
WHERE state = 'running' AND updated_at >= @claimedSince AND lease_until < @leaseUntil`;

const FAIL_SQL = `UPDATE jobs SET
  state = CASE WHEN @retryAt IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
  run_at = COALESCE(@retryAt, run_at), last_error = @error, lease_until = NULL, lease_token = NULL,
  updated_at = @now
WHERE id = @id AND lease_token = @token AND state = 'running'`;

/**
 * The SQLite job queue. Every call is one short synchronous transaction of prepared statements.
 * enqueue/claim/complete/fail/release throw SQLite errors (including SQLITE_FULL) to the caller;
 * recordProbeResults absorbs SQLITE_FULL itself, because losing results must not stop probing.
 */
export function createJobStore(ldb: LocalDatabase, opts: JobStoreOptions = {}): LocalJobStore {
  const { sqlite } = ldb;
  const clock = opts.clock ?? Date.now;
  const logger = opts.logger ?? ldb.logger;

  const insertJob = prepared(sqlite, INSERT_JOB_SQL);
  const completeStmt = prepared(sqlite, COMPLETE_SQL);
  const finishProbeStmt = prepared(sqlite, FINISH_PROBE_SQL);
  const failStmt = prepared(sqlite, FAIL_SQL);
  const releaseStmt = prepared(sqlite, RELEASE_SQL);
  const renewOwnStmt = prepared(sqlite, RENEW_OWN_SQL);
  const insertResult = prepared(sqlite, INSERT_RESULT_SQL);
  const incrementCounter = prepared(sqlite, INCREMENT_COUNTER_SQL);

  const drops = new DiskFullDrops(incrementCounter, logger, ldb.path);

  const enqueueTx = sqlite.transaction((list: readonly NewJob[], now: number): number => {
    let inserted = 0;
    for (const j of list) {
      inserted += insertJob.run(
        j.kind,
        JSON.stringify(j.payload),
        j.runAt,
        j.maxAttempts ?? DEFAULT_MAX_ATTEMPTS[j.kind],
        j.dedupeKey ?? null,
        now,
        now,
      ).changes;
    }
    return inserted;
  });

  const claimTx = claimTransaction(sqlite);

  const fenceTx = sqlite.transaction((stmt: Database.Statement, refs: readonly JobRef[], now: number) => {
    let changed = 0;
    for (const r of refs) changed += stmt.run(now, r.id, r.token).changes;
    return changed;
  });

  let hook: RecordHook | null = null;
  const recordTx = sqlite.transaction((items: readonly RecordedProbe[]): number => {
    drops.countInTransaction();
    let written = 0;
    for (const { result, job } of items) {
      // Stale token: another worker owns this slot now, so its result is not ours to write.
      if (job && finishProbeStmt.run(job.id, job.token).changes === 0) continue;
      if (hook === null) {
        written += insertResult.run(resultParams(result)).changes;
        continue;
      }
      hook.mark(result);
      const changes = insertResult.run(resultParams(result)).changes;
      // A slot already recorded (a resend after a crash) must not count twice for its incident.
      if (changes > 0) hook.recorded(result);
      written += changes;
    }
    hook?.flush?.();
    return written;
  });

  function recordWithHook(items: readonly RecordedProbe[]): number {
    const h = hook;
    try {
      const written = recordTx(items);
      h?.committed();
      return written;
    } catch (e) {
      h?.rolledBack();
      throw e;
    }
  }

  return {
    get diskFull() {
      return drops.full;
    },
    get pendingDiskFullDrops() {
      return drops.pending;
    },

    saveDiskFullDrops() {
      return drops.save();
    },

    enqueue(list) {
      if (list.length === 0) return 0;
      return enqueueTx(list, clock());
    },

    claim(o) {
      if (o.limit <= 0 || o.kinds?.length === 0) return [];
      return claimTx(o);
    },

    complete(refs) {
      if (refs.length === 0) return 0;
      return fenceTx(completeStmt, refs, clock());
    },

    fail(ref, error, retryAt, now) {
      return failStmt.run({ id: ref.id, token: ref.token, error, retryAt, now }).changes > 0;
    },

    release(refs) {
      if (refs.length === 0) return 0;
      return fenceTx(releaseStmt, refs, clock());
    },

    renewOwn(claimedSince, leaseUntil) {
      return renewOwnStmt.run({ claimedSince, leaseUntil }).changes;
    },

    setRecordHook(h) {
      hook = h;
    },

    finishDelivery: deliveryFinisher(sqlite),

    requeueAbandoned: abandonedRequeuer(sqlite),

    recordProbeResults(items) {
      if (items.length === 0) return 0;
      let written: number;
      try {
        written = recordWithHook(items);
      } catch (e) {
        if (!isDiskFull(e)) throw e;
        drops.lost(items.length);
        return 0;
      }
      drops.writable();
      return written;
    },
  };
}
