import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type ConfigPathArgs, type JsonArgs, withJson } from '../options.js';
import { windowsJson, windowsTable } from '../output/alert-tables.js';
import { printJson, printLine } from '../output/write.js';
import { configCommandBuilder, loadConfig } from './config-common.js';

type ShowArgs = ConfigPathArgs & JsonArgs;

export const configMaintenanceShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show',
  describe: 'Show the maintenance windows and how many services each covers.',
  builder: (y) => withJson(configCommandBuilder(y) as Argv) as Argv<ShowArgs>,
  handler: (args: ArgumentsCamelCase<ShowArgs>) => {
    const config = loadConfig(args['config-path']);
    if (args.json) printJson(windowsJson(config));
    else printLine(windowsTable(config));
  },
};
