import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type ConfigPathArgs, type JsonArgs, withJson } from '../options.js';
import { databasesJson, databasesTable } from '../output/config-tables.js';
import { printJson, printLine } from '../output/write.js';
import { configCommandBuilder, loadConfig } from './config-common.js';

type ShowArgs = ConfigPathArgs & JsonArgs;

export const configDatabasesShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show',
  describe: 'Show the local and external databases (password masked).',
  builder: (y) => withJson(configCommandBuilder(y) as Argv) as Argv<ShowArgs>,
  handler: (args: ArgumentsCamelCase<ShowArgs>) => {
    const config = loadConfig(args['config-path']);
    if (args.json) printJson(databasesJson(config));
    else printLine(databasesTable(config));
  },
};
