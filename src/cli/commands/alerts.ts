import type { CommandModule } from 'yargs';
import { alertsHistoryCommand } from './alerts-history.js';
import { alertsListCommand } from './alerts-list.js';
import { alertsTestCommand } from './alerts-test.js';
import { strictCommand } from './config-common.js';

export const alertsCommand: CommandModule = {
  command: 'alerts',
  describe: 'Test alert channels, and show open incidents and the notifications sent about them.',
  builder: (y) =>
    strictCommand(y)
      .command(alertsTestCommand)
      .command(alertsListCommand)
      .command(alertsHistoryCommand)
      .demandCommand(1, 'Name an alerts command; see monitor alerts --help.'),
  handler: () => {},
};
