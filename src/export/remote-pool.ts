import pg from 'pg';
import { classifyRemoteError, describeRemoteError, isRowLevel } from '../db/remote/sqlstate.js';
import { toError } from '../errors.js';
import type { Logger } from '../log/logger.js';

/**
 * The exporter's connections to PostgreSQL: the pool and its timeouts, and the one way a client
 * is borrowed from it.
 */

export interface RemotePoolOptions {
  /** postgres:// URI (its secrets already registered). */
  uri: string;
  /** Connect (TCP + TLS + auth) deadline, ms. */
  connectTimeoutMs: number;
  /** Server-side statement_timeout, ms. */
  statementTimeoutMs: number;
}

export function createRemotePool(options: RemotePoolOptions, logger: Logger): pg.Pool {
  const { statementTimeoutMs } = options;
  const pool = new pg.Pool({
    connectionString: options.uri,
    // One connection exports; the others let migrate and the fleet's jobs (heartbeat, leases,
    // upkeep) overlap with it.
    max: 3,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: statementTimeoutMs,
    // A connection that hangs (no answer at all) is not covered by the server's timeout.
    query_timeout: statementTimeoutMs + Math.min(5000, statementTimeoutMs),
    application_name: 'monitor',
  });
  // An idle connection the server closed (restart, failover): the pool drops it; the next
  // attempt finds out and is logged through the connection state. Without a listener it would crash.
  pool.on('error', (err) => {
    logger.debug({ module: 'export' }, `idle PostgreSQL connection closed: ${describeRemoteError(err)}`);
  });
  return pool;
}

/** Runs `fn` on a client of the pool, given back after (discarded when its connection may be broken). */
export async function withClient<T>(
  pool: pg.Pool,
  logger: Logger,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const onError = (err: Error): void => {
    logger.debug({ module: 'export' }, `PostgreSQL connection error: ${describeRemoteError(err)}`);
  };
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    return await fn(client);
  } catch (err) {
    const e = toError(err);
    // A row-level refusal leaves the connection usable; anything else may not, so it is discarded.
    if (!isRowLevel(classifyRemoteError(e))) broken = e;
    throw e;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
