import type { CommandModule } from 'yargs';
import { configAlertsCommand } from './config-alerts.js';
import { strictCommand } from './config-common.js';
import { configCreateCommand } from './config-create.js';
import { configDatabasesCommand } from './config-databases.js';
import { configDeleteCommand } from './config-delete.js';
import { configExportCommand } from './config-export.js';
import { configImportCommand } from './config-import.js';
import { configMaintenanceCommand } from './config-maintenance.js';
import { configServicesCommand } from './config-services.js';
import { configShowCommand } from './config-show.js';
import { configValidateCommand } from './config-validate.js';

/** `monitor config …`: the original tool's configuration commands, same names and options. */
export const configCommand: CommandModule = {
  command: 'config',
  describe: 'Manage the configuration file.',
  builder: (y) =>
    strictCommand(y)
      .command(configCreateCommand)
      .command(configDeleteCommand)
      .command(configShowCommand)
      .command(configDatabasesCommand)
      .command(configServicesCommand)
      .command(configAlertsCommand)
      .command(configMaintenanceCommand)
      .command(configValidateCommand)
      .command(configExportCommand)
      .command(configImportCommand)
      .demandCommand(1, 'Name a config command; see monitor config --help.'),
  handler: () => {},
};
