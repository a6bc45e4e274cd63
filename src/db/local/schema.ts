import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The local SQLite schema. Times are epoch milliseconds (integers); booleans are 0/1 integers.
 * Changing anything here needs a new migration: `npx drizzle-kit generate --config drizzle.config.ts`.
 * This file is loaded by drizzle-kit too, so it imports nothing but drizzle-orm.
 */

export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    payload: text('payload').notNull(),
    runAt: integer('run_at').notNull(),
    state: text('state', { enum: ['queued', 'running', 'done', 'failed', 'dead'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(1),
    leaseUntil: integer('lease_until'),
    leaseToken: text('lease_token'),
    lastError: text('last_error'),
    dedupeKey: text('dedupe_key').unique('jobs_dedupe_key_unique'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // Claimable rows only: done and dead jobs (most of the table) are in neither index, so
    // completing a job touches one index entry and the claim's trees stay as small as the queue.
    // Not (kind, run_at): a claim of every kind would then read and sort all due rows.
    index('jobs_queued_run_at').on(t.runAt).where(sql`${t.state} = 'queued'`),
    index('jobs_running_lease_until').on(t.leaseUntil).where(sql`${t.state} = 'running'`),
  ],
);

export const results = sqliteTable(
  'results',
  {
    // AUTOINCREMENT: export order, and never reused after deletes (a plain rowid can be).
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique('results_id_unique'),
    agent: text('agent').notNull(),
    serviceKey: text('service_key').notNull(),
    url: text('url').notNull(),
    method: text('method').notNull(),
    scheduledAt: integer('scheduled_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at').notNull(),
    durationMs: real('duration_ms'),
    statusCode: integer('status_code'),
    ok: integer('ok', { mode: 'boolean' }).notNull(),
    regexRequired: integer('regex_required', { mode: 'boolean' }).notNull(),
    regex: text('regex'),
    regexMatched: integer('regex_matched', { mode: 'boolean' }),
    errorClass: text('error_class'),
    errorMessage: text('error_message'),
    bytesRead: integer('bytes_read').notNull().default(0),
    truncated: integer('truncated', { mode: 'boolean' }).notNull().default(false),
    // Added by 0003. The default only serves the ALTER (SQLite needs one for NOT NULL); the
    // migration then gives older rows their state from ok and error_class, and the probe path
    // always writes it.
    state: text('state').notNull().default('up'),
    /** JSON text: the ConditionOutcome array, or NULL. */
    conditions: text('conditions'),
    resolvedIp: text('resolved_ip'),
    dnsMs: integer('dns_ms'),
    connectMs: integer('connect_ms'),
    tlsMs: integer('tls_ms'),
    ttfbMs: integer('ttfb_ms'),
    transferMs: integer('transfer_ms'),
    tlsVersion: text('tls_version'),
    certIssuer: text('cert_issuer'),
    certExpiresAt: integer('cert_expires_at'),
    certChainExpiresAt: integer('cert_chain_expires_at'),
    exportedAt: integer('exported_at'),
    setAsideReason: text('set_aside_reason'),
    setAsideAt: integer('set_aside_at'),
    setAsideSqlstate: text('set_aside_sqlstate'),
    // Added by 0004: the result's slot fell in a maintenance window of its service.
    maintenance: integer('maintenance', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    // One result per slot. Time first: rows arrive in scheduled_at order, so inserts and collect's
    // deletes stay at the edges of the tree; (service_key, …) scattered them over every leaf
    // (16 µs instead of 0.7 µs per insert with 15,000 services).
    uniqueIndex('results_slot_unique').on(t.scheduledAt, t.serviceKey),
    // The export queue: unexported rows in insertion order. Partial, so it stays as small as the backlog.
    index('results_unexported_seq')
      .on(t.seq)
      .where(sql`${t.exportedAt} IS NULL AND ${t.setAsideReason} IS NULL`),
    // `monitor db rejected`: the set-aside rows, without a scan of the table. Partial, so it holds
    // only them (a handful) and costs nothing on the hot path.
    index('results_set_aside_seq')
      .on(t.seq)
      .where(sql`${t.setAsideReason} IS NOT NULL AND ${t.exportedAt} IS NULL`),
    // No index on exported_at: collect walks the exported prefix in seq order instead (see collect.ts).
  ],
);

export const counters = sqliteTable('counters', {
  name: text('name').primaryKey(),
  value: integer('value').notNull().default(0),
});

/**
 * Incidents (src/results/incident.ts), written by the tracker in the transaction that records the
 * results deciding them. `version` grows with every change and the exporter ships a row while
 * `exported_version` is behind it.
 */
export const incidents = sqliteTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    agent: text('agent').notNull(),
    serviceKey: text('service_key').notNull(),
    url: text('url').notNull(),
    method: text('method').notNull(),
    kind: text('kind').notNull(),
    openedAt: integer('opened_at').notNull(),
    resolvedAt: integer('resolved_at'),
    resolution: text('resolution'),
    cause: text('cause').notNull(),
    firstResultId: text('first_result_id').notNull(),
    openingResultId: text('opening_result_id').notNull(),
    resolvingResultId: text('resolving_result_id'),
    version: integer('version').notNull().default(1),
    exportedVersion: integer('exported_version').notNull().default(0),
    /** JSON NotifyEvent held back by a maintenance window, sent when it ends; NULL when none. */
    heldEvent: text('held_event'),
    /** Whether the opening was notified (a resolution of an incident nobody heard of is not sent). */
    notified: integer('notified', { mode: 'boolean' }).notNull().default(false),
    /** Next reminder, epoch ms; NULL when the service sets no remind_every or it is resolved. */
    remindAt: integer('remind_at'),
  },
  (t) => [
    // At most one open incident per service and kind.
    uniqueIndex('incidents_open_unique').on(t.serviceKey, t.kind).where(sql`${t.resolvedAt} IS NULL`),
    index('incidents_unexported').on(t.openedAt).where(sql`${t.version} > ${t.exportedVersion}`),
    index('incidents_service_opened').on(t.serviceKey, t.openedAt),
  ],
);

/**
 * Each alerting service's recent states (one letter per result, newest last: u, d, g), as much as
 * its thresholds need. Written only when it changes, so a steady service costs no write.
 */
export const serviceHealth = sqliteTable('service_health', {
  serviceKey: text('service_key').primaryKey(),
  recent: text('recent').notNull(),
  /** The first result of the current run of bad (down or degraded) results: an incident's first_result_id. */
  firstBadResultId: text('first_bad_result_id'),
  updatedAt: integer('updated_at').notNull(),
});

/** Every delivery attempt of every notification. */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    eventId: text('event_id').notNull(),
    incidentId: text('incident_id'),
    channel: text('channel').notNull(),
    kind: text('kind').notNull(),
    attempt: integer('attempt').notNull(),
    at: integer('at').notNull(),
    /** accepted, retry, failed (refused for good) or expired (past alerting.max_age). */
    status: text('status').notNull(),
    code: integer('code'),
    detail: text('detail').notNull(),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('deliveries_incident').on(t.incidentId), index('deliveries_at').on(t.at)],
);

/** Latency histogram columns of `rollups` (h0 … h23; bounds in src/results/latency-histogram.ts). */
export const ROLLUP_HIST_BUCKETS = 24;
const histColumns = Object.fromEntries(
  Array.from({ length: ROLLUP_HIST_BUCKETS }, (_, i) => [`h${i}`, integer(`h${i}`).notNull().default(0)]),
) as Record<`h${number}`, ReturnType<typeof integer>>;

/**
 * The live view's local history (issue 16): per service, one row per minute ('m', kept 48 h), per
 * hour ('h', 90 d) and per day ('d', 90 d: uptime over 30 days reads 30 rows, not 720). Written in
 * the transaction that records the results (src/live/rollup-hook.ts), one upsert per service and
 * bucket per transaction. Time first in the key: a minute's upserts all land on the few pages at
 * the right edge of the tree, collect deletes a prefix, and "every service since T" is one range.
 * WITHOUT ROWID: the key is most of the row, so a rowid table would store it twice.
 */
export const rollups = sqliteTable(
  'rollups',
  {
    res: text('res', { enum: ['m', 'h', 'd'] }).notNull(),
    /** Bucket start, epoch ms (UTC). */
    bucket: integer('bucket').notNull(),
    serviceKey: text('service_key').notNull(),
    n: integer('n').notNull().default(0),
    up: integer('up').notNull().default(0),
    degraded: integer('degraded').notNull().default(0),
    down: integer('down').notNull().default(0),
    missed: integer('missed').notNull().default(0),
    /** Sum and count of the latencies of results that got a response. */
    latSumMs: integer('lat_sum_ms').notNull().default(0),
    latCount: integer('lat_count').notNull().default(0),
    // Separate integer columns rather than a packed blob: SQLite sums them for every service in
    // one GROUP BY (a blob would need a JS call per row), and a 0 costs one header byte.
    ...histColumns,
  },
  (t) => [primaryKey({ columns: [t.res, t.bucket, t.serviceKey] })],
);

/** Each service's current state and last result, upserted once per service per transaction. */
export const serviceStatus = sqliteTable('service_status', {
  serviceKey: text('service_key').primaryKey(),
  state: text('state').notNull(),
  /** When the service entered `state` (the finish time of the first result in it). */
  since: integer('since').notNull(),
  lastAt: integer('last_at').notNull(),
  lastDurationMs: real('last_duration_ms'),
  lastStatusCode: integer('last_status_code'),
  lastErrorClass: text('last_error_class'),
  lastResultId: text('last_result_id').notNull(),
});

export const localSchema = {
  jobs,
  results,
  counters,
  incidents,
  serviceHealth,
  deliveries,
  rollups,
  serviceStatus,
};

/** Tables this schema owns (plus drizzle's and SQLite's own); anything else marks a foreign file. */
export const OWN_TABLES: readonly string[] = [
  'jobs',
  'results',
  'counters',
  'incidents',
  'service_health',
  'deliveries',
  'rollups',
  'service_status',
];
