import type { MonitorConfig } from '../config/types.js';
import { registerUriSecrets } from '../config/uri.js';
import { checkExternalUri } from '../config/validate.js';
import { checkRemoteTable } from '../db/remote/migrate.js';
import { DEFAULT_REMOTE_TABLE, type RemoteTable } from '../db/remote/table.js';
import { ConfigError } from '../errors.js';

/**
 * Where the one-shot commands that talk to PostgreSQL (`db migrate`, `db partition`, `fleet`,
 * `status --global`) go: the config's URI (its secrets registered) and the results table. A config
 * without a URI, a malformed URI (pg would throw a bare "URI malformed") or a table that is not a
 * plain identifier is a ConfigError naming the field (exit 2).
 */
export function remoteTargetOf(
  config: MonitorConfig,
  configPath: string,
  why = '',
): { uri: string; table: RemoteTable } {
  const uri = config.external_database_uri;
  if (!uri) {
    throw new ConfigError(
      `config ${configPath} has no external_database_uri${why}; set one with: monitor config databases update --external-uri URI`,
    );
  }
  registerUriSecrets(uri);
  const problem = checkExternalUri(uri);
  if (problem) throw new ConfigError(`config ${configPath}: ${problem}`);
  const table = checkRemoteTable({
    schema: config.export?.schema ?? DEFAULT_REMOTE_TABLE.schema,
    table: config.export?.table ?? DEFAULT_REMOTE_TABLE.table,
  });
  return { uri, table };
}
