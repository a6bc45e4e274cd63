import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { AlertChannelConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { channelsTable } from '../output/alert-tables.js';
import { printLine } from '../output/write.js';
import {
  applyChannelOptions,
  assertValidChannel,
  type ChannelOptionArgs,
  warnMissingChannelEnv,
  withChannelOptions,
} from './config-alerts-options.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';

export const configAlertsAddCommand: CommandModule<object, ChannelOptionArgs> = {
  command: 'add <NAME>',
  describe: 'Add a notification channel (services name it with --alert NAME).',
  builder: (y) =>
    withChannelOptions(configCommandBuilder(y) as Argv)
      .example(
        `$0 config alerts add ops --type slack --target 'https://hooks.slack.com/services/\${SLACK_HOOK}'`,
        '',
      )
      .example(
        `$0 config alerts add pager --type webhook --target https://pager.example/hook --secret '\${HMAC_KEY}' --header 'X-Team: ops'`,
        '',
      )
      .example(
        `$0 config alerts add mail --type email --target 'smtp://mon:\${SMTP_PW}@mail.example:587?from=mon@example.org&to=ops@example.org'`,
        '',
      ) as Argv<ChannelOptionArgs>,
  handler: (args: ArgumentsCamelCase<ChannelOptionArgs>) => {
    const name = String(args.NAME);
    const channel = applyChannelOptions({ type: 'webhook', target: '' } as AlertChannelConfig, args);
    assertValidChannel(name, channel);
    const path = args['config-path'];
    const config = editConfig(path, (c) => {
      if (c.alerts !== undefined && Object.hasOwn(c.alerts, name)) {
        throw new UsageError(
          `alert channel '${name}' already exists; change it with monitor config alerts update ${name}`,
        );
      }
      c.alerts = { ...(c.alerts ?? {}), [name]: channel };
    });
    warnMissingChannelEnv(config, channel, path);
    if (!args.quiet) printLine(channelsTable(config));
    printLine(`Alert channel ${name} was successfully added. ${PICKED_UP}`);
  },
};
