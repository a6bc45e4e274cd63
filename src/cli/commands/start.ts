import type { Argv, CommandModule } from 'yargs';
import { tildePath } from '../../config/file.js';
import { runDaemon } from '../../daemon/daemon.js';
import { UsageError } from '../../errors.js';
import { createLogger, type LogFormat, levelForVerbosity } from '../../log/logger.js';
import { handOver, release as releaseEarlySignals } from '../early-signals.js';
import { withConfigPath } from '../options.js';
import { confirm } from '../prompt.js';

/**
 * MONITOR_SQLITE_MAX_PAGE_COUNT caps the local database at that many pages, so that SQLITE_FULL
 * (the disk-full path) can be driven where a small file system cannot be mounted. Default: unset.
 */
export function maxPageCountFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['MONITOR_SQLITE_MAX_PAGE_COUNT'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(
      `MONITOR_SQLITE_MAX_PAGE_COUNT must be a positive whole number of pages, got '${raw}'`,
    );
  }
  return n;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

interface StartArgs {
  verbose: number;
  'notify-systemd': boolean;
  yes: boolean;
  'config-path': string;
  export: boolean;
  collect: boolean;
  'log-format': LogFormat;
  'log-level'?: (typeof LOG_LEVELS)[number];
  'drain-timeout': number;
  /** ADDR:PORT, or false for --no-http. */
  http?: string | false;
  'http-public': boolean;
}

export const startCommand: CommandModule<object, StartArgs> = {
  command: 'start',
  describe: 'Start monitoring.',
  builder: (y: Argv) =>
    withConfigPath(y)
      // Named `verbose` with `v` as its alias: yargs completes a one-letter option name as
      // `--v` after `--`; -v, -vvvv count as before.
      .option('verbose', {
        alias: 'v',
        type: 'count',
        describe: 'Logging level: -v critical … -vvvv info, -vvvvv debug (like the original).',
      })
      .option('notify-systemd', {
        alias: 'ns',
        type: 'boolean',
        default: false,
        describe: 'Notify systemd (READY, STATUS, WATCHDOG, STOPPING on $NOTIFY_SOCKET).',
      })
      .option('yes', { type: 'boolean', default: false, describe: 'Start without a confirmation prompt.' })
      .option('export', {
        type: 'boolean',
        default: true,
        describe: 'Run the Exporter (--no-export keeps results locally).',
      })
      .option('collect', {
        type: 'boolean',
        default: true,
        describe: 'Run the Collector (--no-collect keeps exported rows locally).',
      })
      .option('log-format', {
        choices: ['auto', 'pretty', 'json'] as const,
        default: 'auto' as LogFormat,
        describe: 'pretty on a terminal, JSON lines otherwise (auto).',
      })
      .option('log-level', {
        choices: LOG_LEVELS,
        describe: 'Overrides -v.',
      })
      .option('drain-timeout', {
        type: 'number',
        default: 10,
        describe: 'Seconds SIGTERM waits for in-flight probes before cancelling them.',
      })
      .option('http', {
        type: 'string',
        describe:
          'Serve the live view (/metrics, /api, the page) on ADDR:PORT (default: http.listen, 127.0.0.1:9464); --no-http serves nothing.',
      })
      .option('http-public', {
        type: 'boolean',
        default: false,
        describe: 'Allow --http beyond loopback without http.token (a page shared on purpose; URLs hidden).',
      })
      .check((a) => {
        const d = a['drain-timeout'];
        if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > 600) {
          throw new UsageError('--drain-timeout must be between 0 and 600 seconds');
        }
        return true;
      }) as unknown as Argv<StartArgs>,
  handler: async (args) => {
    const configPath = args['config-path'];
    const localMaxPageCount = maxPageCountFromEnv(process.env);
    // A question on a terminal can wait forever: Ctrl-C and SIGTERM must act as usual meanwhile.
    if (!args.yes) releaseEarlySignals();
    const ok = await confirm(`Are you sure want to start monitoring? Config path: ${tildePath(configPath)}`, {
      yes: args.yes,
    });
    if (!ok) {
      process.stderr.write('Aborted.\n');
      process.exitCode = 1;
      return;
    }
    const logger = createLogger({
      level: args['log-level'] ?? levelForVerbosity(args.verbose),
      format: args['log-format'],
    });
    const code = await runDaemon({
      configPath,
      logger,
      notifySystemd: args['notify-systemd'],
      exportEnabled: args.export,
      collectEnabled: args.collect,
      drainMs: args['drain-timeout'] * 1000,
      localMaxPageCount,
      http: {
        listen: typeof args.http === 'string' ? args.http : undefined,
        disabled: args.http === false,
        public: args['http-public'],
      },
      takeEarlySignals: handOver,
    });
    // Everything is closed or was given up after its bound (a hung PostgreSQL socket, say):
    // do not let a leftover handle keep a stopped daemon alive.
    process.exit(code);
  },
};
