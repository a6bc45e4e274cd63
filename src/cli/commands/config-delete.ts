import { existsSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { deleteConfig } from '../../config/file.js';
import { ConfigError } from '../../errors.js';
import { type ConfigPathArgs, withYes, type YesArgs } from '../options.js';
import { printLine } from '../output/write.js';
import { confirm } from '../prompt.js';
import { configCommandBuilder } from './config-common.js';

type DeleteArgs = ConfigPathArgs & YesArgs;

export const configDeleteCommand: CommandModule<object, DeleteArgs> = {
  command: 'delete',
  describe: 'Delete the configuration file.',
  builder: (y) => withYes(configCommandBuilder(y) as Argv) as Argv<DeleteArgs>,
  handler: async (args: ArgumentsCamelCase<DeleteArgs>) => {
    const path = args['config-path'];
    // Asked only about a file that exists, so a typo in --config-path fails before any prompt.
    if (!existsSync(path)) throw new ConfigError(`no config file at ${path}`, { code: 'E_CONFIG_MISSING' });
    if (!(await confirm(`Delete the configuration file ${path}?`, { yes: args.yes }))) {
      printLine('Nothing deleted.');
      process.exitCode = 1;
      return;
    }
    deleteConfig(path);
    printLine(`Configuration file ${path} deleted.`);
  },
};
