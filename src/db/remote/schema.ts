import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  varchar,
} from 'drizzle-orm/pg-core';

/**
 * The remote table: the original tool's `monitoring` table, column for column (same names and
 * types, naive UTC timestamps), so existing dashboards and queries keep working, plus the columns
 * the original lacked. The added columns are nullable: an adopted table keeps its old rows.
 *
 * This is the source for drizzle-kit (`drizzle.remote.config.ts`); the SQL in drizzle/remote is
 * hand-edited to be idempotent over a table the original created, and applied by our own migrator
 * (src/db/remote/migrate.ts) with the configured schema and table name substituted.
 */
export const monitoring = pgTable(
  'monitoring',
  {
    id: serial('id').primaryKey(),
    localId: varchar('local_id').notNull().unique('monitoring_local_id_key'),
    url: varchar('url').notNull(),
    method: varchar('method').notNull(),
    requestTimestamp: timestamp('request_timestamp').notNull(),
    regexCheckRequired: boolean('regex_check_required').notNull(),
    containsRegex: boolean('contains_regex').notNull(),
    containsException: boolean('contains_exception').notNull(),
    statusCode: integer('status_code'),
    responseTimestamp: timestamp('response_timestamp'),
    regex: varchar('regex'),
    exception: text('exception'),
    localCreatedAt: timestamp('local_created_at').notNull(),
    createdAt: timestamp('created_at').notNull().default(sql`timezone('utc', now())`),
    // Added by monitor.
    agent: text('agent'),
    serviceKey: text('service_key'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    ok: boolean('ok'),
    errorClass: text('error_class'),
    bytesRead: bigint('bytes_read', { mode: 'number' }),
    truncated: boolean('truncated'),
    exportedAt: timestamp('exported_at', { withTimezone: true }).default(sql`now()`),
    // Added by 0001 (conditions, connection and TLS facts).
    state: text('state'),
    conditions: jsonb('conditions'),
    resolvedIp: text('resolved_ip'),
    dnsMs: integer('dns_ms'),
    connectMs: integer('connect_ms'),
    tlsMs: integer('tls_ms'),
    ttfbMs: integer('ttfb_ms'),
    transferMs: integer('transfer_ms'),
    tlsVersion: text('tls_version'),
    certIssuer: text('cert_issuer'),
    certExpiresAt: timestamp('cert_expires_at', { withTimezone: true }),
    certChainExpiresAt: timestamp('cert_chain_expires_at', { withTimezone: true }),
    // Added by 0002: the result's slot fell in a maintenance window of its service.
    maintenance: boolean('maintenance').notNull().default(false),
    // Added by 0003: the exporting agent's location (config agent_location, default its name).
    location: text('location'),
  },
  (t) => [
    index('monitoring_service_key_scheduled_at_idx').on(t.serviceKey, t.scheduledAt),
    index('monitoring_request_timestamp_idx').on(t.requestTimestamp),
  ],
);

/**
 * The incidents, beside the results table and named after it ("<table>_incidents", in the same
 * schema; migrate.ts substitutes both). One row per incident, keyed by its UUIDv7: the exporter
 * upserts it whenever its version grows and never lets an older version overwrite a newer one.
 */
export const monitoringIncidents = pgTable(
  'monitoring_incidents',
  {
    id: text('id').primaryKey(),
    agent: text('agent').notNull(),
    serviceKey: text('service_key').notNull(),
    url: text('url').notNull(),
    method: text('method').notNull(),
    kind: text('kind').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolution: text('resolution'),
    cause: text('cause').notNull(),
    firstResultId: text('first_result_id').notNull(),
    openingResultId: text('opening_result_id').notNull(),
    resolvingResultId: text('resolving_result_id'),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
    // Added by 0003: the exporting agent's location.
    location: text('location'),
  },
  (t) => [
    index('monitoring_incidents_service_key_opened_at_idx').on(t.serviceKey, t.openedAt),
    index('monitoring_incidents_open_idx').on(t.serviceKey, t.kind).where(sql`${t.resolvedAt} IS NULL`),
  ],
);

/**
 * share mode (src/fleet/leases.ts): which agent of a pool probes which service. A lease is live
 * while expires_at (PostgreSQL's clock) is not past; a released or lapsed lease keeps its row, so
 * the next holder knows who held the service until when (the gap it reports).
 */
export const monitoringLeases = pgTable(
  'monitoring_leases',
  {
    pool: text('pool').notNull(),
    serviceKey: text('service_key').notNull(),
    agent: text('agent').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acquiredAt: timestamp('acquired_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.pool, t.serviceKey] }),
    index('monitoring_leases_agent_idx').on(t.pool, t.agent),
  ],
);

/** share mode: the agents of a pool, live while expires_at is not past (the fair share counts them). */
export const monitoringPoolMembers = pgTable(
  'monitoring_pool_members',
  {
    pool: text('pool').notNull(),
    agent: text('agent').notNull(),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().default(sql`now()`),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.pool, t.agent] })],
);

/**
 * The fleet's agents ("<table>_agents"), one row per agent name: each agent upserts its own row
 * with every heartbeat (src/fleet/heartbeat.ts). `last_seen` is PostgreSQL's clock, so agents with
 * skewed clocks are still compared fairly; an agent is lost when it is older than 3 × `heartbeat_ms`.
 */
export const monitoringAgents = pgTable('monitoring_agents', {
  name: text('name').primaryKey(),
  location: text('location').notNull(),
  version: text('version').notNull(),
  mode: text('mode').notNull(),
  pool: text('pool').notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  lastSeen: timestamp('last_seen', { withTimezone: true }).notNull().default(sql`now()`),
  /** The agent's heartbeat period: readers judge "lost" by it (3 missed). */
  heartbeatMs: integer('heartbeat_ms').notNull(),
  services: integer('services').notNull(),
  unexportedRows: bigint('unexported_rows', { mode: 'number' }).notNull(),
  exportLagMs: bigint('export_lag_ms', { mode: 'number' }).notNull(),
  /** share mode: leases held (written by the lease job); null in replicate mode. */
  held: integer('held'),
  /** Set by a clean stop (SIGTERM), cleared by the next heartbeat: stopped, not lost. */
  stoppedAt: timestamp('stopped_at', { withTimezone: true }),
});

/**
 * Each agent's current state of each of its services ("<table>_service_state"), upserted by the
 * heartbeat when it changed; `monitor status --global` computes the quorum from the rows of live
 * agents (src/fleet/quorum.ts).
 */
export const monitoringServiceState = pgTable(
  'monitoring_service_state',
  {
    serviceKey: text('service_key').notNull(),
    location: text('location').notNull(),
    agent: text('agent').notNull(),
    state: text('state').notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    lastResultAt: timestamp('last_result_at', { withTimezone: true }).notNull(),
    /** As shown (password masked). */
    url: text('url').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.serviceKey, t.location, t.agent] }),
    index('monitoring_service_state_agent_idx').on(t.agent),
  ],
);

/**
 * The rollups (0003): per service, location and UTC minute or hour of `scheduled_at`. The exporter
 * appends the per-minute aggregates of the rows its INSERT actually inserted to the pending table,
 * in the same statement (src/db/remote/insert.ts), so a resend never counts twice; the `rollup` job
 * folds pending rows into the minute and hour tables (src/db/remote/rollup-fold.ts).
 * `h_<B>` counts latencies in (previous bound, B] ms.
 */
function rollupColumns() {
  return {
    serviceKey: text('service_key').notNull(),
    location: text('location').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    total: integer('total').notNull(),
    up: integer('up').notNull(),
    degraded: integer('degraded').notNull(),
    down: integer('down').notNull(),
    missed: integer('missed').notNull(),
    maintenance: integer('maintenance').notNull(),
    latencyCount: integer('latency_count').notNull(),
    latencySumMs: bigint('latency_sum_ms', { mode: 'number' }).notNull(),
    latencyMinMs: integer('latency_min_ms'),
    latencyMaxMs: integer('latency_max_ms'),
    h10: integer('h_10').notNull(),
    h25: integer('h_25').notNull(),
    h50: integer('h_50').notNull(),
    h100: integer('h_100').notNull(),
    h250: integer('h_250').notNull(),
    h500: integer('h_500').notNull(),
    h1000: integer('h_1000').notNull(),
    h2500: integer('h_2500').notNull(),
    h5000: integer('h_5000').notNull(),
    h10000: integer('h_10000').notNull(),
    hInf: integer('h_inf').notNull(),
  };
}

export const monitoringRollupMinute = pgTable('monitoring_rollup_minute', rollupColumns(), (t) => [
  primaryKey({ name: 'monitoring_rollup_minute_pkey', columns: [t.serviceKey, t.location, t.bucket] }),
  index('monitoring_rollup_minute_bucket_idx').on(t.bucket),
]);

export const monitoringRollupHour = pgTable('monitoring_rollup_hour', rollupColumns(), (t) => [
  primaryKey({ name: 'monitoring_rollup_hour_pkey', columns: [t.serviceKey, t.location, t.bucket] }),
  index('monitoring_rollup_hour_bucket_idx').on(t.bucket),
]);

/**
 * Aggregates appended by export statements, not yet folded into the rollup tables (bucket: the UTC
 * minute). No key and no index: appends stay plain heap writes; the fold takes rows by ctid.
 */
export const monitoringRollupPending = pgTable('monitoring_rollup_pending', rollupColumns());
