import { dirname, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkConfigDocument } from '../../config/check.js';
import { readConfigDocument } from '../../config/file.js';
import type { ConfigPathArgs } from '../options.js';
import { printLine } from '../output/write.js';
import { configCommandBuilder, problemsError } from './config-common.js';

export const configValidateCommand: CommandModule<object, ConfigPathArgs> = {
  command: 'validate',
  describe:
    'Check the configuration file with every rule `monitor start` applies; list every problem, not just the first.',
  builder: (y) =>
    (configCommandBuilder(y) as Argv<ConfigPathArgs>).example(
      '$0 config validate --config-path ./monitoring-config',
      'exit 0 and "ok: N services", or exit 2 and one line per problem',
    ),
  handler: (args: ArgumentsCamelCase<ConfigPathArgs>) => {
    const path = args['config-path'];
    const { config, problems } = checkConfigDocument(readConfigDocument(path), dirname(resolve(path)));
    if (config === null) {
      throw problemsError(`config ${path}`, problems);
    }
    printLine(`ok: ${config.services.length} services`);
  },
};
