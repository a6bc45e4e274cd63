import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { assertNotDuplicate, serviceByNumber } from '../../config/services.js';
import type { ServiceConfig } from '../../config/types.js';
import { assertValidService } from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import { servicesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';
import { type ServiceOptionArgs, serviceChanges, withServiceOptions } from './config-services-options.js';

interface UpdateArgs extends ServiceOptionArgs {
  NUMBER: string;
  'toggle-check-regex': boolean;
}

export const configServicesUpdateCommand: CommandModule<object, UpdateArgs> = {
  command: 'update <NUMBER>',
  describe:
    'Update service under NUMBER in the configuration.\n\nTo get a number, run `monitor config services show --numbered`',
  builder: (y) =>
    withServiceOptions(configCommandBuilder(y) as Argv)
      .positional('NUMBER', { type: 'string', describe: 'Service number.' })
      .option('toggle-check-regex', {
        type: 'boolean',
        describe: 'Toggle regex checking mode.',
        default: false,
      }) as Argv<UpdateArgs>,
  handler: (args: ArgumentsCamelCase<UpdateArgs>) => {
    const changes = serviceChanges(args);
    if (Object.keys(changes).length === 0 && !args['toggle-check-regex']) {
      throw new UsageError(
        'nothing to update: pass at least one option; see monitor config services update --help',
      );
    }
    const path = args['config-path'];
    const config = editConfig(path, (c) => {
      const current = serviceByNumber(c.services, args.NUMBER);
      const updated: ServiceConfig = { ...current, ...changes };
      if (args['toggle-check-regex']) updated.check_regex = !current.check_regex;
      // A cleared addition is removed from the file rather than written as null.
      for (const key of ['cron', 'expect_status'] as const) {
        if (key in changes && changes[key] === null) delete updated[key];
      }
      assertValidService(updated);
      assertNotDuplicate(c.services, updated, current);
      c.services[c.services.indexOf(current)] = updated;
    });
    if (!args.quiet) printLine(servicesTable(config.services));
    printLine(`Service was successfully updated. ${PICKED_UP}`);
  },
};
