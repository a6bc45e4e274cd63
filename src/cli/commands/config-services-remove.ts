import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { assertWindowsStillMatch } from '../../config/maintenance-validate.js';
import { serviceKey } from '../../config/service-key.js';
import { serviceByNumber } from '../../config/services.js';
import { maskUri } from '../../config/uri.js';
import { UsageError } from '../../errors.js';
import { type ConfigPathArgs, withYes, type YesArgs } from '../options.js';
import { servicesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { confirm } from '../prompt.js';
import { configCommandBuilder, editConfig, loadConfig, PICKED_UP } from './config-common.js';

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
    // Re-read under the lock: numbers may have moved while the question was open.
    const key = serviceKey(service);
    const written = editConfig(path, (c) => {
      const index = c.services.findIndex((s) => serviceKey(s) === key);
      if (index < 0)
        throw new UsageError(`service ${args.NUMBER} was removed or changed meanwhile; nothing removed`);
      const before = [...c.services];
      c.services.splice(index, 1);
      assertWindowsStillMatch(c.maintenance, before, c.services);
    });
    if (!args.quiet) printLine(servicesTable(written.services));
    printLine(`Service was successfully removed. ${PICKED_UP}`);
  },
};
