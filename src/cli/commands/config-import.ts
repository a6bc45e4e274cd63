import { dirname, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkConfigDocument } from '../../config/check.js';
import { type ConfigDiff, diffConfigs, isEmptyDiff } from '../../config/diff.js';
import { readDocumentFile, registerConfigSecrets, writeConfig } from '../../config/file.js';
import { withConfigLock } from '../../config/lock.js';
import { restoreMaskedSecrets } from '../../config/masked-secrets.js';
import type { MonitorConfig } from '../../config/types.js';
import type { ConfigPathArgs } from '../options.js';
import { diffLines, diffSummary } from '../output/config-diff.js';
import { printLine } from '../output/write.js';
import { configCommandBuilder, loadConfig, PICKED_UP, problemsError } from './config-common.js';

const NOT_CHANGED = '; the config was not changed';

interface ImportArgs extends ConfigPathArgs {
  FILE: string;
  'dry-run': boolean;
}

/**
 * The config FILE describes, made against the current one: FILE is the whole config (top level
 * and services, unknown keys included); only a masked password is taken from the current config.
 * Throws ConfigProblemsError (exit 2, nothing written) when FILE has any problem.
 */
function plan(
  file: string,
  document: MonitorConfig,
  current: MonitorConfig,
): { next: MonitorConfig; diff: ConfigDiff } {
  const { config: next, problems } = restoreMaskedSecrets(current, document);
  if (problems.length > 0) {
    throw problemsError(`file ${file}`, problems, NOT_CHANGED);
  }
  return { next, diff: diffConfigs(current, next) };
}

export const configImportCommand: CommandModule<object, ImportArgs> = {
  command: 'import <FILE>',
  describe:
    'Make the configuration what FILE (JSON or YAML, e.g. from `monitor config export`) says: check it fully first, print what changes, then write it atomically.',
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .positional('FILE', {
        type: 'string',
        describe:
          'JSON (.json) or YAML (.yaml, .yml); another name is read as JSON when it starts with { or [.',
      })
      .option('dry-run', {
        type: 'boolean',
        describe: 'Print what would change and change nothing.',
        default: false,
      })
      .example('$0 config import monitoring.yaml --dry-run', '') as Argv<ImportArgs>,
  handler: (args: ArgumentsCamelCase<ImportArgs>) => {
    const file = String(args.FILE);
    const path = args['config-path'];
    const { raw } = readDocumentFile(file);
    // FILE becomes the config at `path`: its relative paths are found from the config's directory.
    const { config: document, problems } = checkConfigDocument(raw, dirname(resolve(path)));
    if (document === null) {
      throw problemsError(`file ${file}`, problems, NOT_CHANGED);
    }
    registerConfigSecrets(document);
    // Read once before the lock, like every editing command: a missing config fails as it always did.
    const before = loadConfig(path);
    const { diff } = args['dry-run']
      ? plan(file, document, before)
      : withConfigLock(path, () => {
          // Re-read under the lock so that a concurrent writer's change is diffed, not overwritten unseen.
          const planned = plan(file, document, loadConfig(path));
          if (!isEmptyDiff(planned.diff)) writeConfig(path, planned.next);
          return planned;
        });
    if (isEmptyDiff(diff)) {
      printLine('no changes');
      return;
    }
    for (const line of diffLines(diff)) printLine(line);
    if (args['dry-run']) printLine(`dry run: ${diffSummary(diff)}; nothing was changed.`);
    else printLine(`Config was successfully imported: ${diffSummary(diff)}. ${PICKED_UP}`);
  },
};
