import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { checkName } from '../../config/alert-validate.js';
import { windowProblems } from '../../config/maintenance-validate.js';
import type { MaintenanceWindowConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import type { ConfigPathArgs } from '../options.js';
import { windowsTable } from '../output/alert-tables.js';
import { printLine } from '../output/write.js';
import { configCommandBuilder, editConfig, PICKED_UP } from './config-common.js';

interface AddArgs extends ConfigPathArgs {
  NAME: string;
  start?: string;
  end?: string;
  cron?: string;
  duration?: string;
  timezone?: string;
  service?: string | string[];
  quiet: boolean;
}

const WINDOW_OPTIONS = ['start', 'end', 'cron', 'duration', 'timezone'] as const;

export const configMaintenanceAddCommand: CommandModule<object, AddArgs> = {
  command: 'add <NAME>',
  describe:
    'Add a maintenance window: one-off (--start --end) or recurring (--cron --duration). Incidents opened in it are held; notifications go out only if they outlast it.',
  builder: (y) =>
    (configCommandBuilder(y) as Argv)
      .positional('NAME', { type: 'string', describe: 'Window name (letters, digits, . _ -).' })
      .option('start', {
        type: 'string',
        describe: 'ISO 8601 start with offset, e.g. 2026-12-05T22:00:00+01:00.',
        requiresArg: true,
      })
      .option('end', {
        type: 'string',
        describe: 'ISO 8601 end with offset (after --start).',
        requiresArg: true,
      })
      .option('cron', {
        type: 'string',
        describe: 'Cron expression: when each occurrence starts.',
        requiresArg: true,
      })
      .option('duration', {
        type: 'string',
        describe: 'Length of each occurrence, e.g. 2h.',
        requiresArg: true,
      })
      .option('timezone', {
        type: 'string',
        describe: 'IANA time zone of --cron. Default UTC.',
        requiresArg: true,
      })
      .option('service', {
        type: 'string',
        describe:
          'URL or key of a configured service the window covers (repeatable). Default: every service.',
        requiresArg: true,
      })
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        describe: 'Do not print the windows table.',
        default: false,
      })
      .example(
        "$0 config maintenance add sunday-db --cron '0 2 * * 0' --duration 2h --timezone Europe/Berlin --service https://db.example/health",
        '',
      )
      .example(
        '$0 config maintenance add migration --start 2026-12-05T22:00:00+01:00 --end 2026-12-06T01:00:00+01:00',
        '',
      ) as Argv<AddArgs>,
  handler: (args: ArgumentsCamelCase<AddArgs>) => {
    const name = String(args.NAME);
    const badName = checkName('window', name);
    if (badName) throw new UsageError(badName);
    const window: MaintenanceWindowConfig = {};
    for (const key of WINDOW_OPTIONS) {
      const v: unknown = args[key];
      if (Array.isArray(v)) throw new UsageError(`--${key} was given ${v.length} times; give it once`);
      if (typeof v === 'string') window[key] = v;
    }
    if (args.service !== undefined)
      window.services = Array.isArray(args.service) ? args.service : [args.service];
    const config = editConfig(args['config-path'], (c) => {
      if (c.maintenance !== undefined && Object.hasOwn(c.maintenance, name)) {
        throw new UsageError(`maintenance window '${name}' already exists; remove it first`);
      }
      const problem = windowProblems(name, window, c.services)[0];
      if (problem) throw new UsageError(problem);
      c.maintenance = { ...(c.maintenance ?? {}), [name]: window };
    });
    if (!args.quiet) printLine(windowsTable(config));
    printLine(`Maintenance window ${name} was successfully added. ${PICKED_UP}`);
  },
};
