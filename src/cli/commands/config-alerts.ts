import type { CommandModule } from 'yargs';
import { configAlertsAddCommand } from './config-alerts-add.js';
import { configAlertsRemoveCommand } from './config-alerts-remove.js';
import { configAlertsShowCommand } from './config-alerts-show.js';
import { configAlertsUpdateCommand } from './config-alerts-update.js';
import { strictCommand } from './config-common.js';

export const configAlertsCommand: CommandModule = {
  command: 'alerts',
  describe: 'Show, add, update or remove notification channels.',
  builder: (y) =>
    strictCommand(y)
      .command(configAlertsShowCommand)
      .command(configAlertsAddCommand)
      .command(configAlertsUpdateCommand)
      .command(configAlertsRemoveCommand)
      .demandCommand(1, 'Name an alerts command; see monitor config alerts --help.'),
  handler: () => {},
};
