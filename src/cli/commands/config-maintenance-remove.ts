import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { ConfigPathArgs } from '../options.js';
import { windowsTable } from '../output/alert-tables.js';
import { printLine } from '../output/write.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';

interface RemoveArgs extends ConfigPathArgs {
  NAME: string;
  quiet: boolean;
}

export const configMaintenanceRemoveCommand: CommandModule<object, RemoveArgs> = {
  command: 'remove <NAME>',
  describe: 'Remove a maintenance window.',
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .positional('NAME', { type: 'string', describe: 'Window name.' })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        describe: 'Do not print the windows table.',
        default: false,
      }) as Argv<RemoveArgs>,
  handler: (args: ArgumentsCamelCase<RemoveArgs>) => {
    const name = String(args.NAME);
    const config = editConfig(args['config-path'], (c) => {
      if (c.maintenance === undefined || !Object.hasOwn(c.maintenance, name)) {
        const names = Object.keys(c.maintenance ?? {});
        throw new UsageError(
          `no maintenance window named '${name.slice(0, 64)}' (${names.length === 0 ? 'there are none' : `windows: ${names.join(', ')}`})`,
        );
      }
      const { [name]: _removed, ...others } = c.maintenance;
      if (Object.keys(others).length > 0) c.maintenance = others;
      else delete c.maintenance;
    });
    if (!args.quiet) printLine(windowsTable(config));
    printLine(`Maintenance window ${name} was successfully removed. ${PICKED_UP}`);
  },
};
