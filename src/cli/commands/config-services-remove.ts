import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { writeConfig } from '../../config/file.js';
import { serviceByNumber } from '../../config/services.js';
import { maskUri } from '../../config/uri.js';
import { type ConfigPathArgs, withYes, type YesArgs } from '../options.js';
import { servicesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { confirm } from '../prompt.js';
import { configCommandBuilder, loadConfig, PICKED_UP } from './config-common.js';

interface RemoveArgs extends ConfigPathArgs, YesArgs {
  NUMBER: string;
  quiet: boolean;
}

export const configServicesRemoveCommand: CommandModule<object, RemoveArgs> = {
  command: 'remove <NUMBER>',
  describe:
    'Remove a service under NUMBER in the configuration.\n\nTo get a number, run `monitor config services show --numbered`',
  builder: (y) =>
    withYes(configCommandBuilder(y) as Argv)
      .positional('NUMBER', { type: 'string', describe: 'Service number.' })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        describe: 'Do not print the services table.',
        default: false,
      }) as Argv<RemoveArgs>,
  handler: async (args: ArgumentsCamelCase<RemoveArgs>) => {
    const path = args['config-path'];
    const config = loadConfig(path);
    const service = serviceByNumber(config.services, args.NUMBER);
    const question = `Remove service ${args.NUMBER} (${service.method} ${maskUri(service.url)})?`;
    if (!(await confirm(question, { yes: args.yes }))) {
      printLine('Nothing removed.');
      process.exitCode = 1;
      return;
    }
    config.services.splice(config.services.indexOf(service), 1);
    writeConfig(path, config);
    if (!args.quiet) printLine(servicesTable(config.services));
    printLine(`Service was successfully removed. ${PICKED_UP}`);
  },
};
