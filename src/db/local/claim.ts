import type Database from 'better-sqlite3';
import type { ClaimedJob, ClaimOptions } from '../../queue/store.js';
import type { JobKind, JobPayloads } from '../../queue/types.js';
import { prepared } from './statements.js';

/** The claim: the one statement that leases due jobs, and the burial of abandoned last attempts. */

export const KINDS: readonly JobKind[] = [
  'probe',
  'export',
  'collect',
  'notify',
  'alerts',
  'lease',
  'heartbeat',
  'upkeep',
  'rollup',
];

/** `AND kind IN (…)` with literals (checked against the known kinds), cheaper than a json_each per row. */
function kindFilter(kinds: readonly JobKind[] | undefined): string {
  if (kinds === undefined) return '';
  for (const k of kinds) if (!KINDS.includes(k)) throw new TypeError(`unknown job kind ${String(k)}`);
  return `AND kind IN (${kinds.map((k) => `'${k}'`).join(', ')})`;
}

// A running job whose lease ran out on its last allowed attempt is not retried: it is dead.
const burySql = (
  kinds: string,
) => `UPDATE jobs SET state = 'dead', last_error = 'lease expired on the last attempt',
  lease_until = NULL, lease_token = NULL, updated_at = @now
WHERE state = 'running' AND lease_until <= @now AND attempts >= max_attempts ${kinds}`;

// state and lease_until are known (running, @leaseUntil); rows come back as arrays (raw mode):
// RETURNING cost more than the update itself with all eleven columns as objects (6.2 vs 3.0 µs a job).
const CLAIM_COLUMNS =
  'id, kind, payload, run_at, attempts, max_attempts, lease_token, last_error, dedupe_key';
type ClaimRow = [number, string, string, number, number, number, string, string | null, string | null];

// One statement: concurrent claimers (even in other processes) can never lease the same row twice.
// The two kinds of claimable rows are two partial indexes: queued rows by run_at, so the due ones
// come in order without a sort, and running rows by lease_until, so only expired leases
// are read (not every running job on every claim). The outer ORDER BY merges them.
const claimSql = (
  kinds: string,
) => `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = @leaseUntil,
  lease_token = lower(hex(randomblob(16))), updated_at = @now
WHERE id IN (
  SELECT id FROM (
    SELECT id, run_at FROM (
      SELECT id, run_at FROM jobs
      WHERE state = 'queued' AND run_at <= @runAtBefore ${kinds}
      ORDER BY run_at, id LIMIT @limit)
    UNION ALL
    SELECT id, run_at FROM (
      SELECT id, run_at FROM jobs
      WHERE state = 'running' AND lease_until <= @now AND attempts < max_attempts ${kinds}
      ORDER BY run_at, id LIMIT @limit)
  )
  ORDER BY run_at, id
  LIMIT @limit
)
RETURNING ${CLAIM_COLUMNS}`;

function toClaimed(row: ClaimRow, leaseUntil: number): ClaimedJob {
  const [id, kind, payload, runAt, attempts, maxAttempts, leaseToken, lastError, dedupeKey] = row;
  return {
    id,
    kind: kind as JobKind,
    payload: JSON.parse(payload) as JobPayloads[JobKind],
    runAt,
    state: 'running',
    attempts,
    maxAttempts,
    leaseUntil,
    leaseToken,
    lastError,
    dedupeKey,
  };
}

/**
 * The claim, one transaction: bury the jobs whose lease ran out on their last attempt, then lease
 * the due ones. Its statements are prepared once per kinds filter.
 */
export function claimTransaction(sqlite: Database.Database): (o: ClaimOptions) => ClaimedJob[] {
  const byKinds = new Map<string, { bury: Database.Statement; claim: Database.Statement }>();

  function statementsFor(kinds: readonly JobKind[] | undefined, prefixed: boolean) {
    const key = (kinds === undefined ? '*' : kinds.join(',')) + (prefixed ? '|prefix' : '');
    let stmts = byKinds.get(key);
    if (stmts === undefined) {
      // A key prefix (the notify lane's channel) is a parameter: channels are the user's names.
      const filter =
        kindFilter(kinds) + (prefixed ? ' AND substr(dedupe_key, 1, @prefixLength) = @prefix' : '');
      stmts = {
        bury: prepared(sqlite, burySql(filter)),
        claim: prepared(sqlite, claimSql(filter)).raw(true),
      };
      byKinds.set(key, stmts);
    }
    return stmts;
  }

  return sqlite.transaction((o: ClaimOptions): ClaimedJob[] => {
    const prefixed = o.keyPrefix !== undefined;
    const { bury, claim } = statementsFor(o.kinds, prefixed);
    const prefix = prefixed ? { prefix: o.keyPrefix, prefixLength: o.keyPrefix?.length } : {};
    bury.run({ now: o.now, ...prefix });
    const leaseUntil = o.now + o.leaseMs;
    const rows = claim.all({
      now: o.now,
      leaseUntil,
      runAtBefore: o.runAtBefore ?? o.now,
      limit: o.limit,
      ...prefix,
    }) as ClaimRow[];
    // RETURNING has no defined order.
    rows.sort((a, b) => a[3] - b[3] || a[0] - b[0]);
    return rows.map((row) => toClaimed(row, leaseUntil));
  });
}
