import type pg from 'pg';
import { leasesTable, poolMembersTable, qualifiedName, type RemoteTable } from '../db/remote/table.js';
import { fairShare } from './lease-timing.js';

/**
 * share mode's SQL: one lease round in one transaction, and the release at shutdown. PostgreSQL's
 * own guarantees do the coordinating: a lease is a row keyed (pool, service_key), taken with
 * `INSERT … ON CONFLICT DO UPDATE … WHERE expires_at < now()` — of two agents racing for one row,
 * the second waits for the first's row lock and then sees a live lease, so it gets nothing. Every
 * expiry is compared with PostgreSQL's clock, never an agent's.
 */

/** The qualified names of the tables a round touches. */
export interface LeaseTables {
  leases: string;
  members: string;
  /** The results table: where a taken-over service's last slot is looked up. */
  results: string;
}

export function leaseTablesFor(target: RemoteTable): LeaseTables {
  return {
    leases: qualifiedName(leasesTable(target)),
    members: qualifiedName(poolMembersTable(target)),
    results: qualifiedName(target),
  };
}

export interface RoundInput {
  pool: string;
  agent: string;
  /** The service keys this agent's config has. */
  configured: readonly string[];
  /** How long a renewed or acquired lease lasts from this round's now(), ms. */
  ttlMs: number;
  /**
   * Inside the transaction, before the excess leases are ended: the agent stops probing them, so
   * it has stopped before another agent can see them free. Synchronous on purpose.
   */
  beforeRelease(keys: readonly string[]): void;
}

/** A lease acquired from a previous holder (dead, cut off, or one that gave it up). */
export interface Takeover {
  serviceKey: string;
  previousAgent: string;
  /** When the previous lease ended (expired or released), epoch ms on PostgreSQL's clock. */
  endedAt: number;
  /** The service's latest scheduled_at in the results table, epoch ms; null when none. */
  lastSlotAt: number | null;
}

export interface RoundOutcome {
  /** Live members of the pool, this agent included. */
  members: number;
  share: number;
  /** Leases this agent held and renewed (the released ones excluded). */
  renewed: string[];
  released: string[];
  /** Leases acquired in this round: free ones, and the takeovers. */
  acquired: string[];
  takeovers: Takeover[];
}

const AT_MS = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;

export async function leaseRound(
  client: pg.ClientBase,
  t: LeaseTables,
  input: RoundInput,
): Promise<RoundOutcome> {
  const { pool, agent, configured, ttlMs } = input;
  const ttl = `now() + $3 * interval '1 millisecond'`;
  await client.query('BEGIN');
  try {
    // A round that waits this long is worth less than the next one.
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1000, Math.floor(ttlMs / 2))}`);
    await client.query(
      `INSERT INTO ${t.members} (pool, agent, seen_at, expires_at) VALUES ($1, $2, now(), ${ttl})
       ON CONFLICT (pool, agent) DO UPDATE SET seen_at = EXCLUDED.seen_at, expires_at = EXCLUDED.expires_at`,
      [pool, agent, ttlMs],
    );
    // Services gone from this agent's config: it stopped probing them at the reload.
    await client.query(
      `UPDATE ${t.leases} SET expires_at = clock_timestamp()
        WHERE pool = $1 AND agent = $2 AND expires_at >= now() AND NOT (service_key = ANY($3::text[]))`,
      [pool, agent, configured],
    );
    const { rows: m } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${t.members} WHERE pool = $1 AND expires_at >= now()`,
      [pool],
    );
    const members = m[0]?.n ?? 1;
    const share = fairShare(configured.length, members);
    // Only live leases are renewed: one that lapsed may already be someone else's, and if it is not,
    // the acquisition below takes it again (and reports the gap).
    const { rows: mine } = await client.query<{ service_key: string; acquired_at: Date }>(
      `UPDATE ${t.leases} SET expires_at = ${ttl}
        WHERE pool = $1 AND agent = $2 AND expires_at >= now() AND service_key = ANY($4::text[])
        RETURNING service_key, acquired_at`,
      [pool, agent, ttlMs, configured],
    );
    // The most recently acquired go first: the long-held ones stay where they are.
    const held = mine
      .sort(
        (a, b) =>
          a.acquired_at.getTime() - b.acquired_at.getTime() || (a.service_key < b.service_key ? -1 : 1),
      )
      .map((r) => r.service_key);
    const released = held.length > share ? held.slice(share) : [];
    const renewed = held.slice(0, held.length - released.length);
    if (released.length > 0) {
      input.beforeRelease(released);
      // Ended, not deleted: the next holder learns when it ended. clock_timestamp(), not now():
      // the agent stopped probing them after this transaction began.
      await client.query(
        `UPDATE ${t.leases} SET expires_at = clock_timestamp()
          WHERE pool = $1 AND agent = $2 AND service_key = ANY($3::text[])`,
        [pool, agent, released],
      );
    }
    const want = share - renewed.length;
    const { acquired, takeovers } =
      want > 0 ? await acquire(client, t, input, want) : { acquired: [], takeovers: [] };
    await client.query('COMMIT');
    return { members, share, renewed, released, acquired, takeovers };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

interface AcquiredRow {
  service_key: string;
  previous_agent: string | null;
  ended_ms: number | null;
  last_slot_ms: number | null;
}

/** Up to `want` free or expired leases of configured services, in random order (less contention). */
async function acquire(
  client: pg.ClientBase,
  t: LeaseTables,
  input: RoundInput,
  want: number,
): Promise<{ acquired: string[]; takeovers: Takeover[] }> {
  const { pool, agent, configured, ttlMs } = input;
  const { rows: free } = await client.query<{ k: string }>(
    `SELECT k FROM unnest($2::text[]) AS k
      WHERE NOT EXISTS (SELECT 1 FROM ${t.leases} l WHERE l.pool = $1 AND l.service_key = k AND l.expires_at >= now())
      ORDER BY random() LIMIT $3`,
    [pool, configured, want],
  );
  if (free.length === 0) return { acquired: [], takeovers: [] };
  // Inserted in key order, so two agents racing for overlapping sets lock rows in the same order.
  const { rows } = await client.query<AcquiredRow>(
    `WITH prev AS (
       SELECT service_key, agent, expires_at FROM ${t.leases} WHERE pool = $1 AND service_key = ANY($4::text[])
     ), ins AS (
       INSERT INTO ${t.leases} AS l (pool, service_key, agent, expires_at, acquired_at)
       SELECT $1, k, $2, now() + $3 * interval '1 millisecond', now() FROM unnest($4::text[]) AS k ORDER BY k
       ON CONFLICT (pool, service_key) DO UPDATE
         SET agent = EXCLUDED.agent, expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
         WHERE l.expires_at < now()
       RETURNING l.service_key
     )
     SELECT ins.service_key, prev.agent AS previous_agent, ${AT_MS('prev.expires_at')} AS ended_ms,
            CASE WHEN prev.agent IS NULL THEN NULL ELSE
              (SELECT ${AT_MS('max(r.scheduled_at)')} FROM ${t.results} r WHERE r.service_key = ins.service_key)
            END AS last_slot_ms
       FROM ins LEFT JOIN prev USING (service_key)`,
    [pool, agent, ttlMs, free.map((r) => r.k)],
  );
  const takeovers: Takeover[] = [];
  for (const r of rows) {
    if (r.previous_agent === null || r.ended_ms === null) continue;
    takeovers.push({
      serviceKey: r.service_key,
      previousAgent: r.previous_agent,
      endedAt: r.ended_ms,
      lastSlotAt: r.last_slot_ms,
    });
  }
  return { acquired: rows.map((r) => r.service_key), takeovers };
}

/**
 * At shutdown, after the agent stopped probing: its live leases end now (the others take them over
 * at their next round, not after expiry) and it leaves the pool. Returns the leases ended.
 */
export async function releaseAll(
  client: pg.ClientBase,
  t: LeaseTables,
  pool: string,
  agent: string,
): Promise<number> {
  await client.query('BEGIN');
  try {
    const { rowCount } = await client.query(
      `UPDATE ${t.leases} SET expires_at = clock_timestamp()
        WHERE pool = $1 AND agent = $2 AND expires_at >= now()`,
      [pool, agent],
    );
    await client.query(`DELETE FROM ${t.members} WHERE pool = $1 AND agent = $2`, [pool, agent]);
    await client.query('COMMIT');
    return rowCount ?? 0;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
