import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type ConfigPathArgs, type JsonArgs, withJson } from '../options.js';
import { channelsJson, channelsTable } from '../output/alert-tables.js';
import { printJson, printLine } from '../output/write.js';
import { configCommandBuilder, loadConfig } from './config-common.js';

type ShowArgs = ConfigPathArgs & JsonArgs;

export const configAlertsShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show',
  describe: 'Show the notification channels (secrets and passwords masked) and how many services use each.',
  builder: (y) => withJson(configCommandBuilder(y) as Argv) as Argv<ShowArgs>,
  handler: (args: ArgumentsCamelCase<ShowArgs>) => {
    const config = loadConfig(args['config-path']);
    if (args.json) printJson(channelsJson(config));
    else printLine(channelsTable(config));
  },
};
