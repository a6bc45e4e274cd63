import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import {
  channelProblems,
  channelTypeMessage,
  checkName,
  isChannelType,
} from '../../config/alert-validate.js';
import { findEnvRefs } from '../../config/env-refs.js';
import type { AlertChannelConfig, MonitorConfig } from '../../config/types.js';
import { configCheckContext, parseNumberOption, serviceWhere } from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import type { ConfigPathArgs } from '../options.js';
import { printWarning } from '../output/write.js';
import { parseHeaderOption } from '../request-options.js';

/**
 * The options of `config alerts add|update` and how they edit a channel. On update every option
 * left out keeps the channel's value; `--header 'Name: value'` sets that header (replacing one of
 * the same name, any case), `--clear-headers` drops them all first, `--no-secret` removes the secret.
 */
export interface ChannelOptionArgs extends ConfigPathArgs {
  NAME: string;
  type?: string;
  target?: string;
  header?: string | false | (string | false)[];
  secret?: string | false;
  timeout?: number;
  'clear-headers'?: boolean;
  quiet: boolean;
}

export function withChannelOptions<T>(y: Argv<T>, update = false): Argv<T & ChannelOptionArgs> {
  const out = y
    .positional('NAME', { type: 'string', describe: 'Channel name (letters, digits, . _ -).' })
    .option('type', {
      type: 'string',
      describe: 'webhook, slack, discord, teams, ntfy, email or command.',
      requiresArg: true,
    })
    .option('target', {
      type: 'string',
      describe: `http(s) URL; for email smtp://user:pass@host:587?from=a@b&to=c@d; for command a JSON argv or words (\${NAME} allowed).`,
      requiresArg: true,
    })
    .option('header', {
      type: 'string',
      describe: `HTTP header 'Name: value' (repeatable; value may use \${NAME}). Default none.${update ? ' Replaces a header of the same name; --clear-headers (or --no-header) drops all first.' : ''}`,
      requiresArg: true,
    })
    .option('secret', {
      type: 'string',
      describe: `webhook: HMAC-SHA256 key for X-Monitor-Signature (use \${NAME}). Default none.${update ? ' --no-secret removes it.' : ''}`,
      requiresArg: true,
    })
    .option('timeout', {
      type: 'number',
      describe: 'Deadline of one delivery attempt, seconds (0.1..300). Default 10.',
      requiresArg: true,
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      describe: 'Do not print the channels table.',
      default: false,
    });
  if (!update) return out.demandOption(['type', 'target']) as unknown as Argv<T & ChannelOptionArgs>;
  return out.option('clear-headers', {
    type: 'boolean',
    describe: 'Drop every header before adding the --header given here.',
    default: false,
  }) as unknown as Argv<T & ChannelOptionArgs>;
}

/** What yargs makes of --header: the texts, and false for --no-header (drops every header, as --clear-headers). */
const asList = (v: ChannelOptionArgs['header']): (string | false)[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Whether the options change anything (update refuses an empty edit). */
export function isEmptyChannelEdit(args: ChannelOptionArgs): boolean {
  return (
    args.type === undefined &&
    args.target === undefined &&
    asList(args.header).length === 0 &&
    args.secret === undefined &&
    args.timeout === undefined &&
    !args['clear-headers']
  );
}

/** `base` with the options applied; a removed secret or emptied headers leave the file. */
export function applyChannelOptions(base: AlertChannelConfig, args: ChannelOptionArgs): AlertChannelConfig {
  const out: AlertChannelConfig = { ...base };
  for (const key of ['type', 'target', 'secret'] as const) {
    const v: unknown = args[key];
    if (Array.isArray(v)) throw new UsageError(`--${key} was given ${v.length} times; give it once`);
  }
  if (args.type !== undefined) {
    if (!isChannelType(args.type)) throw new UsageError(channelTypeMessage(args.type));
    out.type = args.type;
  }
  if (args.target !== undefined) out.target = args.target;
  if (args.secret === false) delete out.secret;
  else if (args.secret !== undefined) out.secret = args.secret;
  const timeout = parseNumberOption('timeout', args.timeout);
  if (timeout !== undefined) out.timeout = timeout;
  const given = asList(args.header);
  const clear = args['clear-headers'] || given.includes(false);
  const headers: Record<string, string> = clear ? {} : { ...(base.headers ?? {}) };
  for (const [name, value] of given.filter((h): h is string => h !== false).map(parseHeaderOption)) {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
    headers[name] = value;
  }
  if (Object.keys(headers).length > 0) out.headers = headers;
  else delete out.headers;
  return out;
}

/** The channel NAME of the config, or a UsageError naming the channels there are. */
export function channelByName(config: MonitorConfig, name: string): AlertChannelConfig {
  const c = config.alerts?.[name];
  if (c !== undefined && Object.hasOwn(config.alerts ?? {}, name)) return c;
  const names = Object.keys(config.alerts ?? {});
  throw new UsageError(
    `no alert channel named '${name.slice(0, 64)}' (${names.length === 0 ? 'there are none' : `channels: ${names.join(', ')}`})`,
  );
}

/** Throws UsageError (exit 2) with the first problem of a channel about to be written. */
export function assertValidChannel(name: string, c: AlertChannelConfig): void {
  const badName = checkName('channel', name);
  if (badName) throw new UsageError(badName);
  const problem = channelProblems(name, c)[0];
  if (problem) throw new UsageError(problem);
}

/** One warning per `${NAME}` of a written channel that is not set here (the daemon's env may differ). */
export function warnMissingChannelEnv(config: MonitorConfig, c: AlertChannelConfig, path: string): void {
  const env = configCheckContext(config, dirname(resolve(path))).env;
  const texts = [c.target, c.secret, ...Object.values(c.headers ?? {})];
  const names = new Set(texts.flatMap((t) => (typeof t === 'string' ? findEnvRefs(t) : [])));
  for (const n of names) {
    if (env[n] === undefined) {
      printWarning(
        `environment variable ${n} is not set here; the channel refers to it as \${${n}} (saved; \`monitor start\` needs it in its environment or env_file)`,
      );
    }
  }
}

/** How the services that name channel `name` are listed in a message. */
export function servicesUsing(config: MonitorConfig, name: string): string[] {
  return config.services.flatMap((s, i) =>
    s.alerts?.includes(name) ? [serviceWhere(i, s.url, s.method)] : [],
  );
}
