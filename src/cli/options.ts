import type { Argv } from 'yargs';
import { defaultConfigPath } from '../config/file.js';

/** Options every config-reading command shares. */
export interface ConfigPathArgs {
  'config-path': string;
}

export interface JsonArgs {
  json: boolean;
}

export interface YesArgs {
  yes: boolean;
}

/** `--config-path PATH`, default ~/.monitoring/monitoring-config (HOME from the environment). */
export function withConfigPath<T>(y: Argv<T>): Argv<T & ConfigPathArgs> {
  return y.option('config-path', {
    type: 'string',
    describe: 'Path to the configuration file.',
    default: defaultConfigPath(),
    defaultDescription: '~/.monitoring/monitoring-config',
    normalize: true,
    requiresArg: true,
  }) as Argv<T & ConfigPathArgs>;
}

/** `--json`: machine-readable output instead of tables. Default false. */
export function withJson<T>(y: Argv<T>): Argv<T & JsonArgs> {
  return y.option('json', {
    type: 'boolean',
    describe: 'Print JSON instead of a table.',
    default: false,
  }) as Argv<T & JsonArgs>;
}

/** `--yes`: skip the confirmation prompt (needed when there is no terminal). Default false. */
export function withYes<T>(y: Argv<T>, describe = 'Do not ask for confirmation.'): Argv<T & YesArgs> {
  return y.option('yes', { type: 'boolean', describe, default: false }) as Argv<T & YesArgs>;
}
