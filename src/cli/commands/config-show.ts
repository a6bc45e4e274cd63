import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { maskChannels } from '../../config/channel-secrets.js';
import { maskHttpSettings } from '../../config/http-validate.js';
import { type ConfigPathArgs, type JsonArgs, withJson } from '../options.js';
import { databasesJson, databasesTable, servicesJson, servicesTable } from '../output/config-tables.js';
import { printJson, printLine } from '../output/write.js';
import { configCommandBuilder, loadConfig } from './config-common.js';

type ShowArgs = ConfigPathArgs & JsonArgs;

export const configShowCommand: CommandModule<object, ShowArgs> = {
  command: 'show',
  describe: 'Show the configuration: databases, then services.',
  builder: (y) => withJson(configCommandBuilder(y) as Argv) as Argv<ShowArgs>,
  handler: (args: ArgumentsCamelCase<ShowArgs>) => {
    const config = loadConfig(args['config-path']);
    if (args.json) {
      // Unknown keys are the user's own; they are shown too, with the URI masked.
      printJson({
        ...config,
        ...databasesJson(config),
        services: servicesJson(config.services),
        ...(config.alerts === undefined ? {} : { alerts: maskChannels(config.alerts) }),
        ...(config.http === undefined ? {} : { http: maskHttpSettings(config.http) }),
      });
      return;
    }
    printLine(databasesTable(config));
    printLine(servicesTable(config.services));
  },
};
