import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { assertWindowsStillMatch } from '../../config/maintenance-validate.js';
import { assertNotDuplicate, serviceByNumber } from '../../config/services.js';
import type { ServiceConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { applyAlertEdit, isEmptyAlertEdit, serviceAlertEdit } from '../alert-options.js';
import { servicesTable } from '../output/config-tables.js';
import { printLine } from '../output/write.js';
import { applyRequestEdit, isEmptyEdit, requestEdit, warnMissingEnv } from '../request-options.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';
import {
  checkServiceToWrite,
  type ServiceOptionArgs,
  serviceChanges,
  withServiceOptions,
} from './config-services-options.js';

interface UpdateArgs extends ServiceOptionArgs {
  NUMBER: string;
  'toggle-check-regex': boolean;
  'clear-conditions': boolean;
}

export const configServicesUpdateCommand: CommandModule<object, UpdateArgs> = {
  command: 'update <NUMBER>',
  describe:
    'Update service under NUMBER in the configuration.\n\nTo get a number, run `monitor config services show --numbered`',
  builder: (y) =>
    withServiceOptions(configCommandBuilder(y) as Argv, true)
      .positional('NUMBER', { type: 'string', describe: 'Service number.' })
      .option('toggle-check-regex', {
        type: 'boolean',
        describe: 'Toggle regex checking mode.',
        default: false,
      })
      .option('clear-conditions', {
        type: 'boolean',
        describe:
          'Empty conditions and degraded_when before adding the --condition/--degraded-when given here.',
        default: false,
      })
      .example("$0 config services update 1 --clear-conditions --condition '[STATUS] == 204'", '')
      .example(
        `$0 config services update 1 --no-bearer --header 'X-Api-Key: \${API_KEY}'`,
        '',
      ) as Argv<UpdateArgs>,
  handler: (args: ArgumentsCamelCase<UpdateArgs>) => {
    const changes = serviceChanges(args);
    const edit = requestEdit(args);
    const alertEdit = serviceAlertEdit(args);
    if (args['clear-conditions']) {
      edit.conditions.clear = true;
      edit.degradedWhen.clear = true;
    }
    if (
      Object.keys(changes).length === 0 &&
      isEmptyEdit(edit) &&
      isEmptyAlertEdit(alertEdit) &&
      !args['toggle-check-regex']
    ) {
      throw new UsageError(
        'nothing to update: pass at least one option; see monitor config services update --help',
      );
    }
    const path = args['config-path'];
    let missing: string[] = [];
    const config = editConfig(path, (c) => {
      const current = serviceByNumber(c.services, args.NUMBER);
      const updated: ServiceConfig = applyAlertEdit(
        applyRequestEdit({ ...current, ...changes }, edit),
        alertEdit,
      );
      if (args['toggle-check-regex']) updated.check_regex = !current.check_regex;
      // A cleared addition is removed from the file rather than written as null.
      for (const key of ['cron', 'expect_status'] as const) {
        if (key in changes && changes[key] === null) delete updated[key];
      }
      missing = checkServiceToWrite(c, updated, path);
      assertNotDuplicate(c.services, updated, current);
      const before = [...c.services];
      c.services[c.services.indexOf(current)] = updated;
      assertWindowsStillMatch(c.maintenance, before, c.services);
    });
    warnMissingEnv(missing);
    if (!args.quiet) printLine(servicesTable(config.services));
    printLine(`Service was successfully updated. ${PICKED_UP}`);
  },
};
