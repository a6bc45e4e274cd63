import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
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
  },
  (t) => [
    index('monitoring_service_key_scheduled_at_idx').on(t.serviceKey, t.scheduledAt),
    index('monitoring_request_timestamp_idx').on(t.requestTimestamp),
  ],
);
