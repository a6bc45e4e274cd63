import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { channelsTable } from '../output/alert-tables.js';
import { printLine } from '../output/write.js';
import {
  applyChannelOptions,
  assertValidChannel,
  type ChannelOptionArgs,
  channelByName,
  isEmptyChannelEdit,
  warnMissingChannelEnv,
  withChannelOptions,
} from './config-alerts-options.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';

export const configAlertsUpdateCommand: CommandModule<object, ChannelOptionArgs> = {
  command: 'update <NAME>',
  describe: 'Change a notification channel; options left out keep their value.',
  builder: (y) =>
    withChannelOptions(configCommandBuilder(y) as Argv, true)
      .example('$0 config alerts update pager --timeout 5 --no-secret', '')
      .example(
        "$0 config alerts update pager --clear-headers --header 'X-Team: sre'",
        '',
      ) as Argv<ChannelOptionArgs>,
  handler: (args: ArgumentsCamelCase<ChannelOptionArgs>) => {
    const name = String(args.NAME);
    if (isEmptyChannelEdit(args)) {
      throw new UsageError(
        'nothing to update: pass at least one option; see monitor config alerts update --help',
      );
    }
    const path = args['config-path'];
    let written = null as ReturnType<typeof applyChannelOptions> | null;
    const config = editConfig(path, (c) => {
      const updated = applyChannelOptions(channelByName(c, name), args);
      assertValidChannel(name, updated);
      c.alerts = { ...(c.alerts ?? {}), [name]: updated };
      written = updated;
    });
    if (written) warnMissingChannelEnv(config, written, path);
    if (!args.quiet) printLine(channelsTable(config));
    printLine(`Alert channel ${name} was successfully updated. ${PICKED_UP}`);
  },
};
