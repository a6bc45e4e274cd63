import type { CommandModule } from 'yargs';
import { strictCommand } from './config-common.js';
import { configDatabasesShowCommand } from './config-databases-show.js';
import { configDatabasesUpdateCommand } from './config-databases-update.js';

export const configDatabasesCommand: CommandModule = {
  command: 'databases',
  describe: 'Show or update the local and external databases.',
  builder: (y) =>
    strictCommand(y)
      .command(configDatabasesShowCommand)
      .command(configDatabasesUpdateCommand)
      .demandCommand(1, 'Name a databases command; see monitor config databases --help.'),
  handler: () => {},
};
