import type { CommandModule } from 'yargs';
import { strictCommand } from './config-common.js';
import { configServicesAddCommand } from './config-services-add.js';
import { configServicesRemoveCommand } from './config-services-remove.js';
import { configServicesShowCommand } from './config-services-show.js';
import { configServicesUpdateCommand } from './config-services-update.js';

export const configServicesCommand: CommandModule = {
  command: 'services',
  describe: 'Show, add, update or remove monitored services.',
  builder: (y) =>
    strictCommand(y)
      .command(configServicesShowCommand)
      .command(configServicesAddCommand)
      .command(configServicesUpdateCommand)
      .command(configServicesRemoveCommand)
      .demandCommand(1, 'Name a services command; see monitor config services --help.'),
  handler: () => {},
};
