import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { registerUriSecrets } from '../../config/uri.js';
import { checkExternalUri } from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import type { ConfigPathArgs } from '../options.js';
import { databasesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { absolutePath, configCommandBuilder, editConfig } from './config-common.js';

interface UpdateArgs extends ConfigPathArgs {
  'local-path'?: string;
  'external-uri'?: string;
}

export const configDatabasesUpdateCommand: CommandModule<object, UpdateArgs> = {
  command: 'update',
  describe: 'Update the local database path and/or the external database URI.',
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .option('local-path', {
        type: 'string',
        describe: 'Path to the local SQLite database.',
        requiresArg: true,
      })
      .option('external-uri', {
        type: 'string',
        describe: 'PostgreSQL URI, e.g. postgresql://user:password@host:5432/db',
        requiresArg: true,
      }) as Argv<UpdateArgs>,
  handler: (args: ArgumentsCamelCase<UpdateArgs>) => {
    const localPath = args['local-path'];
    const uri = args['external-uri'];
    if (localPath === undefined && uri === undefined) {
      throw new UsageError('nothing to update: pass --local-path and/or --external-uri');
    }
    if (uri !== undefined) {
      registerUriSecrets(uri);
      const problem = checkExternalUri(uri);
      if (problem) throw new UsageError(problem);
    }
    const path = args['config-path'];
    const local = localPath === undefined ? undefined : absolutePath(localPath);
    const config = editConfig(path, (c) => {
      if (local !== undefined) c.local_database_path = local;
      if (uri !== undefined) c.external_database_uri = uri;
    });
    printLine(databasesTable(config));
    printLine('Databases were successfully updated.');
  },
};
