import pg from 'pg';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readConfig } from '../../config/file.js';
import { maskUri } from '../../config/uri.js';
import { migrateRemote } from '../../db/remote/migrate.js';
import { describeRemoteError } from '../../db/remote/sqlstate.js';
import { qualifiedName } from '../../db/remote/table.js';
import { MonitorError, toError } from '../../errors.js';
import { type ConfigPathArgs, withConfigPath } from '../options.js';
import { remoteTargetOf } from '../remote-target.js';
import { strictCommand } from './config-common.js';
import { dbPartitionCommand } from './db-partition.js';
import { dbRejectedCommand } from './db-rejected.js';

/** `monitor db migrate`: create, adopt or update the remote table, and say what was done. */
async function migrateHandler(argv: ArgumentsCamelCase<ConfigPathArgs>): Promise<void> {
  // Only the URI and the table matter here: a config with a bad service can still migrate.
  const config = readConfig(argv['config-path'], { validate: false });
  const { uri, table: target } = remoteTargetOf(config, argv['config-path']);
  const out = process.stdout;
  out.write(`PostgreSQL: ${maskUri(uri)}\nTable: ${qualifiedName(target)}\n`);
  const client = new pg.Client({
    connectionString: uri,
    connectionTimeoutMillis: 10_000,
    application_name: 'monitor db migrate',
  });
  // A connection dropped between queries is reported by the query that fails; this keeps it from crashing.
  client.on('error', () => {});
  try {
    await client.connect();
    // A table created here is laid out as the daemon would lay it out (remote.partition …).
    const done = await migrateRemote(client, target, undefined, {
      partition: config.remote?.partition,
      partitionsAhead: config.remote?.partitions_ahead,
    });
    if (done.length === 0) out.write('Already up to date: nothing to apply.\n');
    for (const line of done) out.write(`${line}\n`);
  } catch (err) {
    throw new MonitorError(
      'E_REMOTE',
      `cannot migrate ${maskUri(uri)}: ${describeRemoteError(toError(err))}`,
      {
        cause: err,
      },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

const migrateCommand: CommandModule<object, ConfigPathArgs> = {
  command: 'migrate',
  describe: 'Create or update the PostgreSQL table (an existing table of the original tool is adopted).',
  builder: (y: Argv) => withConfigPath(strictCommand(y)),
  handler: migrateHandler,
};

export const dbCommand: CommandModule = {
  command: 'db',
  describe: 'Manage the PostgreSQL database the results are exported to, and the rows it refused.',
  builder: (y) =>
    strictCommand(y)
      .command(migrateCommand)
      .command(dbPartitionCommand)
      .command(dbRejectedCommand)
      .demandCommand(1, 'Name a db command; see monitor db --help.'),
  handler: () => {},
};
