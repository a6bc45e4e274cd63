import pg from 'pg';
import type { MonitorConfig } from '../config/types.js';
import { maskUri } from '../config/uri.js';
import { describeRemoteError } from '../db/remote/sqlstate.js';
import { agentsTable, qualifiedName, type RemoteTable } from '../db/remote/table.js';
import { errorCode, MonitorError, toError } from '../errors.js';
import { remoteTargetOf } from './remote-target.js';

/**
 * How `monitor fleet` and `monitor status --global` reach PostgreSQL: the config's URI directly
 * (like `monitor db migrate`), one connection, every transaction read-only. Failures are one line
 * and exit 5: their 1 already means "an agent is lost" / "a service is down".
 */

/** Exit code when PostgreSQL cannot be read (unreachable, refused, fleet tables missing). */
export const FLEET_READ_FAILED = 5;

export async function withFleetReader<T>(
  config: MonitorConfig,
  configPath: string,
  command: string,
  fn: (client: pg.ClientBase, table: RemoteTable) => Promise<T>,
): Promise<T> {
  const { uri, table } = remoteTargetOf(config, configPath, ': the fleet is seen through PostgreSQL');
  const client = new pg.Client({
    connectionString: uri,
    connectionTimeoutMillis: 10_000,
    statement_timeout: 30_000,
    application_name: `monitor ${command}`,
  });
  // A connection dropped between queries is reported by the query that fails; this keeps it from crashing.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    return await fn(client, table);
  } catch (err) {
    const e = toError(err);
    // 42P01: undefined_table. No agent has exported with this release yet.
    const message =
      errorCode(e) === '42P01'
        ? `no fleet tables in ${maskUri(uri)} yet (${qualifiedName(agentsTable(table))}): start an agent with export on, or run: monitor db migrate`
        : `cannot read the fleet from ${maskUri(uri)}: ${describeRemoteError(e)}`;
    throw new MonitorError('E_REMOTE', message, { cause: err, exitCode: FLEET_READ_FAILED });
  } finally {
    await client.end().catch(() => {});
  }
}
