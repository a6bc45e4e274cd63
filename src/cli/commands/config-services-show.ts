import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type ConfigPathArgs, type JsonArgs, withJson } from '../options.js';
import { servicesJson, servicesTable } from '../output/config-tables.js';
import { printJson, printLine } from '../output/write.js';
import { configCommandBuilder, loadConfig } from './config-common.js';

interface ShowArgs extends ConfigPathArgs, JsonArgs {
  numbered: boolean;
}

export const configServicesShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show',
  describe: 'Show the services.',
  builder: (y) =>
    withJson(configCommandBuilder(y) as Argv).option('numbered', {
      type: 'boolean',
      describe: 'Show service numbers (for update and remove).',
      default: false,
    }) as Argv<ShowArgs>,
  handler: (args: ArgumentsCamelCase<ShowArgs>) => {
    const config = loadConfig(args['config-path']);
    if (args.json) printJson(servicesJson(config.services));
    else printLine(servicesTable(config.services, { numbered: args.numbered }));
  },
};
