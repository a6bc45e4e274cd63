import type { ClaimedJob, ClaimOptions, JobRef, JobStore, NewJob, RecordedProbe } from '../../jobs/store.js';
import type { JobKind, JobPayloads, JobState } from '../../jobs/types.js';
import type { Logger } from '../../log/logger.js';
import { COUNTER, INCREMENT_COUNTER_SQL } from './counters.js';
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
}

const DEFAULT_MAX_ATTEMPTS: Record<JobKind, number> = { probe: 1, export: 10, collect: 10 };

const INSERT_JOB_SQL = `INSERT INTO jobs (kind, payload, run_at, state, attempts, max_attempts, dedupe_key, created_at, updated_at)
VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`;

const KIND_FILTER = '(@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))';

// A running job whose lease ran out on its last allowed attempt is not retried: it is dead.
const BURY_EXPIRED_SQL = `UPDATE jobs SET state = 'dead', last_error = 'lease expired on the last attempt',
  lease_until = NULL, lease_token = NULL, updated_at = @now
WHERE state = 'running' AND lease_until <= @now AND attempts >= max_attempts AND ${KIND_FILTER}`;

// One statement: concurrent claimers (even in other processes) can never lease the same row twice.
// The two kinds of claimable rows are taken as two ordered scans of jobs_state_run_at merged by
// the outer ORDER BY: a single `OR` would read and sort every due row on each claim, which is
// slow exactly when a backlog has built up.
const CLAIM_SQL = `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = @leaseUntil,
  lease_token = lower(hex(randomblob(16))), updated_at = @now
WHERE id IN (
  SELECT id FROM (
    SELECT id, run_at FROM (
      SELECT id, run_at FROM jobs
      WHERE state = 'queued' AND run_at <= @runAtBefore AND ${KIND_FILTER}
      ORDER BY run_at, id LIMIT @limit)
    UNION ALL
    SELECT id, run_at FROM (
      SELECT id, run_at FROM jobs
      WHERE state = 'running' AND lease_until <= @now AND attempts < max_attempts AND ${KIND_FILTER}
      ORDER BY run_at, id LIMIT @limit)
  )
  ORDER BY run_at, id
  LIMIT @limit
)
RETURNING id, kind, payload, run_at, state, attempts, max_attempts, lease_until, lease_token, last_error, dedupe_key`;

const FENCE = "id = ? AND lease_token = ? AND state = 'running'";

const COMPLETE_SQL = `UPDATE jobs SET state = 'done', lease_until = NULL, lease_token = NULL, updated_at = ? WHERE ${FENCE}`;

const FAIL_SQL = `UPDATE jobs SET
  state = CASE WHEN @retryAt IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
  run_at = COALESCE(@retryAt, run_at), last_error = @error, lease_until = NULL, lease_token = NULL,
  updated_at = @now
WHERE id = @id AND lease_token = @token AND state = 'running'`;

// The claim counted an attempt; giving the lease back un-counts it.
const RELEASE_SQL = `UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), lease_until = NULL,
  lease_token = NULL, updated_at = ? WHERE ${FENCE}`;

interface JobRow {
  id: number;
  kind: string;
  payload: string;
  run_at: number;
  state: string;
  attempts: number;
  max_attempts: number;
  lease_until: number | null;
  lease_token: string;
  last_error: string | null;
  dedupe_key: string | null;
}

function toClaimed(row: JobRow): ClaimedJob {
  return {
    id: row.id,
    kind: row.kind as JobKind,
    payload: JSON.parse(row.payload) as JobPayloads[JobKind],
    runAt: row.run_at,
    state: row.state as JobState,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    leaseUntil: row.lease_until,
    leaseToken: row.lease_token,
    lastError: row.last_error,
    dedupeKey: row.dedupe_key,
  };
}

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
  const bury = prepared(sqlite, BURY_EXPIRED_SQL);
  const claimStmt = prepared(sqlite, CLAIM_SQL);
  const completeStmt = prepared(sqlite, COMPLETE_SQL);
  const failStmt = prepared(sqlite, FAIL_SQL);
  const releaseStmt = prepared(sqlite, RELEASE_SQL);
  const insertResult = prepared(sqlite, INSERT_RESULT_SQL);
  const incrementCounter = prepared(sqlite, INCREMENT_COUNTER_SQL);

  let diskFull = false;
  let pendingDiskFullDrops = 0;

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

  const claimTx = sqlite.transaction((o: ClaimOptions): ClaimedJob[] => {
    const kinds = o.kinds ? JSON.stringify(o.kinds) : null;
    bury.run({ now: o.now, kinds });
    const rows = claimStmt.all({
      now: o.now,
      leaseUntil: o.now + o.leaseMs,
      runAtBefore: o.runAtBefore ?? o.now,
      kinds,
      limit: o.limit,
    }) as JobRow[];
    // RETURNING has no defined order.
    rows.sort((a, b) => a.run_at - b.run_at || a.id - b.id);
    return rows.map(toClaimed);
  });

  const fenceTx = sqlite.transaction((stmt: typeof completeStmt, refs: readonly JobRef[], now: number) => {
    let changed = 0;
    for (const r of refs) changed += stmt.run(now, r.id, r.token).changes;
    return changed;
  });

  const recordTx = sqlite.transaction((items: readonly RecordedProbe[], now: number): number => {
    if (pendingDiskFullDrops > 0) incrementCounter.run(COUNTER.diskFullDropped, pendingDiskFullDrops);
    let written = 0;
    for (const { result, job } of items) {
      // Stale token: another worker owns this slot now, so its result is not ours to write.
      if (job && completeStmt.run(now, job.id, job.token).changes === 0) continue;
      written += insertResult.run(resultParams(result)).changes;
    }
    return written;
  });

  return {
    get diskFull() {
      return diskFull;
    },
    get pendingDiskFullDrops() {
      return pendingDiskFullDrops;
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

    recordProbeResults(items) {
      if (items.length === 0) return 0;
      let written: number;
      try {
        written = recordTx(items, clock());
      } catch (e) {
        if (!isDiskFull(e)) throw e;
        pendingDiskFullDrops += items.length;
        if (!diskFull) {
          diskFull = true;
          logger.error(
            { path: ldb.path, lost: items.length },
            'local database is full (SQLITE_FULL): probe results are being dropped until space returns',
          );
        }
        return 0;
      }
      if (pendingDiskFullDrops > 0 || diskFull) {
        logger.warn(
          { path: ldb.path, lost: pendingDiskFullDrops },
          `local database writable again; ${pendingDiskFullDrops} results were lost while it was full`,
        );
        diskFull = false;
        pendingDiskFullDrops = 0;
      }
      return written;
    },
  };
}
