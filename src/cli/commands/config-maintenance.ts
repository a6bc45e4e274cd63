import type { CommandModule } from 'yargs';
import { strictCommand } from './config-common.js';
import { configMaintenanceAddCommand } from './config-maintenance-add.js';
import { configMaintenanceRemoveCommand } from './config-maintenance-remove.js';
import { configMaintenanceShowCommand } from './config-maintenance-show.js';

export const configMaintenanceCommand: CommandModule = {
  command: 'maintenance',
  describe: 'Show, add or remove maintenance windows (no notifications while a window is open).',
  builder: (y) =>
    strictCommand(y)
      .command(configMaintenanceShowCommand)
      .command(configMaintenanceAddCommand)
      .command(configMaintenanceRemoveCommand)
      .demandCommand(1, 'Name a maintenance command; see monitor config maintenance --help.'),
  handler: () => {},
};
