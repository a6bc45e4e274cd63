import type { Argv } from 'yargs';
import { expandPath, readConfig, writeConfig } from '../../config/file.js';
import { withConfigLock } from '../../config/lock.js';
import type { MonitorConfig } from '../../config/types.js';
import { ConfigProblemsError, UsageError } from '../../errors.js';
import { type ConfigPathArgs, withConfigPath } from '../options.js';

/** Said after every change instead of the original's "Restart application.". */
export const PICKED_UP = 'A running `monitor start` picks this up automatically.';

/**
 * Strict parsing plus one-line usage errors: an unknown option or a missing argument becomes a
 * UsageError, which the CLI root prints as a single `monitor: error:` line with exit code 2.
 */
export function strictCommand<T>(y: Argv<T>): Argv<T> {
  // No camelCase copies of options: handlers use the dashed names, and an unknown option is then
  // reported once ("Unknown argument: foo-bar"), not twice. NUMBER arguments are parsed by us.
  return y
    .parserConfiguration({ 'camel-case-expansion': false, 'parse-positional-numbers': false })
    .strict()
    .fail((msg, err) => {
      // yargs reports its own parse problems (a missing option value …) as a YError: usage, exit 2.
      if (err && err.name !== 'YError') throw err;
      throw new UsageError((msg ?? err?.message ?? 'invalid arguments').replace(/\s*\n\s*/g, ' '));
    });
}

/** Every config subcommand: strict, one-line failures, `--config-path`. */
export function configCommandBuilder<T>(y: Argv<T>): Argv<T & ConfigPathArgs> {
  return withConfigPath(strictCommand(y));
}

/**
 * Load a config to show or edit it: types are checked, value rules are not, so that a file with one
 * bad service (say a regex the original never compiled) can still be shown and repaired.
 */
export function loadConfig(path: string): MonitorConfig {
  return readConfig(path, { validate: false, resolvePaths: false });
}

/**
 * Read-modify-write of the config under its lock: `change` gets the file as it is now (re-read
 * under the lock, so a concurrent writer's change is kept) and edits it in place; it throws to
 * change nothing. Read once before the lock too, so a missing or unreadable file fails as it
 * always did and the directory is never touched. Returns the config as written.
 */
export function editConfig(path: string, change: (config: MonitorConfig) => void): MonitorConfig {
  loadConfig(path);
  return withConfigLock(path, () => {
    const config = loadConfig(path);
    change(config);
    writeConfig(path, config);
    return config;
  });
}

/** `~/x` and relative paths become absolute, as the original stored them. */
export function absolutePath(p: string): string {
  if (p === '') throw new UsageError('a path must not be empty');
  return expandPath(p, process.cwd());
}

/**
 * Every problem of a document as one error (exit 2): "`what` has N problems`suffix`:", then one
 * line per problem (the CLI root prints them under the error line).
 */
export function problemsError(what: string, problems: readonly string[], suffix = ''): ConfigProblemsError {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return new ConfigProblemsError(`${what} has ${count}${suffix}:`, problems);
}
