import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import type { ConfigPathArgs } from '../options.js';
import { channelsTable } from '../output/alert-tables.js';
import { printLine } from '../output/write.js';
import { channelByName, servicesUsing } from './config-alerts-options.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';

interface RemoveArgs extends ConfigPathArgs {
  NAME: string;
  force: boolean;
  quiet: boolean;
}

export const configAlertsRemoveCommand: CommandModule<object, RemoveArgs> = {
  command: 'remove <NAME>',
  describe: 'Remove a notification channel. Refused while a service names it, unless --force.',
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .positional('NAME', { type: 'string', describe: 'Channel name.' })
      .option('force', {
        type: 'boolean',
        describe: 'Also take the channel out of the services that name it. Default false.',
        default: false,
      })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        describe: 'Do not print the channels table.',
        default: false,
      }) as Argv<RemoveArgs>,
  handler: (args: ArgumentsCamelCase<RemoveArgs>) => {
    const name = String(args.NAME);
    let detached = 0;
    const config = editConfig(args['config-path'], (c) => {
      channelByName(c, name);
      const users = servicesUsing(c, name);
      if (users.length > 0 && !args.force) {
        throw new UsageError(
          `alert channel '${name}' is used by ${users.join(', ')}; pass --force to remove it from them too`,
        );
      }
      for (const s of c.services) {
        if (!s.alerts?.includes(name)) continue;
        const rest = s.alerts.filter((n) => n !== name);
        if (rest.length > 0) s.alerts = rest;
        else delete s.alerts;
        detached++;
      }
      const { [name]: _removed, ...others } = c.alerts ?? {};
      if (Object.keys(others).length > 0) c.alerts = others;
      else delete c.alerts;
    });
    if (!args.quiet) printLine(channelsTable(config));
    const from = detached > 0 ? ` and from ${detached} service${detached === 1 ? '' : 's'}` : '';
    printLine(`Alert channel ${name} was successfully removed${from}. ${PICKED_UP}`);
  },
};
