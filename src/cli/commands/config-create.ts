import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { defaultLocalDatabasePath, ensureConfigDir, tildePath, writeConfig } from '../../config/file.js';
import { withConfigLock } from '../../config/lock.js';
import type { MonitorConfig } from '../../config/types.js';
import { registerUriSecrets } from '../../config/uri.js';
import { checkExternalUri } from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import type { ConfigPathArgs } from '../options.js';
import { databasesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { absolutePath, configCommandBuilder } from './config-common.js';

interface CreateArgs extends ConfigPathArgs {
  EXTERNAL_URI: string;
  'local-path': string;
  force: boolean;
}

export const configCreateCommand: CommandModule<object, CreateArgs> = {
  command: 'create <EXTERNAL_URI>',
  describe:
    'Create a configuration file.\n\nEXTERNAL_URI is the PostgreSQL database results are exported to, e.g. postgresql://user:password@host:5432/db',
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .positional('EXTERNAL_URI', {
        type: 'string',
        describe: 'postgresql://user:password@host:port/database',
      })
      .option('local-path', {
        type: 'string',
        describe: 'Path to the local SQLite database.',
        default: defaultLocalDatabasePath(),
        defaultDescription: '~/.monitoring/local-database.sqlite3',
        requiresArg: true,
      })
      .option('force', {
        type: 'boolean',
        describe: 'Overwrite an existing configuration file.',
        default: false,
      }) as Argv<CreateArgs>,
  handler: (args: ArgumentsCamelCase<CreateArgs>) => {
    const uri = String(args.EXTERNAL_URI);
    registerUriSecrets(uri);
    const problem = checkExternalUri(uri);
    if (problem) throw new UsageError(problem);
    const path = args['config-path'];
    const config: MonitorConfig = {
      local_database_path: absolutePath(args['local-path']),
      external_database_uri: uri,
      services: [],
    };
    ensureConfigDir(path);
    withConfigLock(path, () => writeConfig(path, config, { overwrite: args.force }));
    printLine(`Configuration file created at ${tildePath(path)}`);
    printLine(databasesTable(config));
    printLine('Add a service to monitor: monitor config services add URL METHOD');
  },
};
