import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { unknownChannelProblem } from '../../config/alert-validate.js';
import { missingEnvRefs } from '../../config/request-options.js';
import type { MonitorConfig, ServiceConfig } from '../../config/types.js';
import {
  assertValidService,
  configCheckContext,
  envFileProblem,
  parseNumberOption,
} from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import { type ServiceAlertArgs, withServiceAlertOptions } from '../alert-options.js';
import type { ConfigPathArgs } from '../options.js';
import { type RequestOptionArgs, withRequestOptions } from '../request-options.js';

/** Options shared by `services add` and `services update` (descriptions in the original's words). */
export interface ServiceOptionArgs extends ConfigPathArgs, RequestOptionArgs, ServiceAlertArgs {
  regex?: string;
  interval?: number;
  timeout?: number;
  cron?: string | false;
  'follow-redirects'?: boolean;
  'expect-status'?: string;
  'tls-verify'?: boolean;
  'max-body-bytes'?: number;
  quiet: boolean;
}

/**
 * Numbers are typed `number` for --help; serviceChanges rejects the NaN yargs makes of `--timeout abc`.
 * `update` words the request options' help for update (how each is cleared or appended).
 */
export function withServiceOptions<T>(y: Argv<T>, update = false): Argv<T & ServiceOptionArgs> {
  return withServiceAlertOptions(withRequestOptions(y, update), update)
    .option('regex', { type: 'string', describe: 'Regexp to check.', requiresArg: true })
    .option('timeout', {
      type: 'number',
      describe: 'Timeout for outgoing connections to a service (seconds, whole probe).',
      requiresArg: true,
    })
    .option('interval', {
      type: 'number',
      describe: 'Interval in seconds between requests. Must be between 5 and 300.',
      requiresArg: true,
    })
    .option('cron', {
      type: 'string',
      describe: 'Schedule with a cron expression (seconds allowed) instead of --interval.',
      requiresArg: true,
    })
    .option('follow-redirects', {
      type: 'boolean',
      describe: 'Follow up to 5 redirects (default: record a 3xx as is).',
    })
    .option('expect-status', {
      type: 'string',
      describe: 'Statuses that count as up, e.g. 200,204,300-399 (default 200-399).',
      requiresArg: true,
    })
    .option('tls-verify', {
      type: 'boolean',
      describe: 'Verify TLS certificates (default); --no-tls-verify turns it off for this service.',
    })
    .option('max-body-bytes', {
      type: 'number',
      describe: 'Bytes of body read for the regex check (default 1048576).',
      requiresArg: true,
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      describe: 'Do not print the services table.',
      default: false,
    }) as Argv<T & ServiceOptionArgs>;
}

/** The fields the options set, parsed; only those given, so a plain config stays original-shaped. */
export function serviceChanges(args: ServiceOptionArgs): Partial<ServiceConfig> {
  const changes: Partial<ServiceConfig> = {};
  if (args.regex !== undefined) changes.regex = args.regex === '' ? null : args.regex;
  const interval = parseNumberOption('interval', args.interval);
  if (interval !== undefined) changes.interval_sec = interval;
  const timeout = parseNumberOption('timeout', args.timeout);
  if (timeout !== undefined) changes.timeout = timeout;
  if (args.cron !== undefined) changes.cron = args.cron === false || args.cron === '' ? null : args.cron;
  if (args['follow-redirects'] !== undefined) changes.follow_redirects = args['follow-redirects'];
  if (args['expect-status'] !== undefined) changes.expect_status = args['expect-status'];
  if (args['tls-verify'] !== undefined) changes.tls_verify = args['tls-verify'];
  const maxBody = parseNumberOption('max-body-bytes', args['max-body-bytes']);
  if (maxBody !== undefined) changes.max_body_bytes = maxBody;
  return changes;
}

/**
 * Check a service about to be written to the config at `configPath`, and the config's env_file:
 * files are relative to the config's directory and `${NAME}` in a path is filled from the
 * environment and the env_file, as `monitor start` will. Throws UsageError (exit 2) on a problem.
 * A reference to a variable not set here is not one (the daemon's environment may differ): it is
 * a warning on stderr, printed by warnMissingEnv (request-options.ts) once the file is written.
 */
export function checkServiceToWrite(
  config: MonitorConfig,
  service: ServiceConfig,
  configPath: string,
): string[] {
  const ctx = configCheckContext(config, dirname(resolve(configPath)));
  const envFile = envFileProblem(config, ctx);
  if (envFile) throw new UsageError(envFile);
  assertValidService(service, ctx);
  const unknown = unknownChannelProblem(service, Object.keys(config.alerts ?? {}));
  if (unknown) throw new UsageError(unknown);
  return missingEnvRefs(service, ctx.env);
}
