import { hostname } from 'node:os';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { missingEnvRefs } from '../../config/request-options.js';
import { resolveService } from '../../config/resolve.js';
import { SERVICE_DEFAULTS, type ServiceConfig } from '../../config/types.js';
import {
  assertValidService,
  methodMessage,
  normaliseMethod,
  parseNumberOption,
} from '../../config/validate.js';
import { UsageError } from '../../errors.js';
import { createProber } from '../../probe/prober.js';
import { DEFAULT_REGEX_BUDGET_MS } from '../../probe/regex-isolate.js';
import type { ProbeResult } from '../../results/types.js';
import {
  nagiosLine,
  PROBE_FORMATS,
  type ProbeFormat,
  probeExitCode,
  probeTable,
} from '../output/probe-result.js';
import { printJson, printLine } from '../output/write.js';
import {
  applyRequestEdit,
  type RequestOptionArgs,
  requestEdit,
  warnMissingEnv,
  withRequestOptions,
} from '../request-options.js';

interface ProbeArgs extends RequestOptionArgs {
  URL: string;
  METHOD: string;
  regex?: string;
  'check-regex': boolean;
  timeout?: number;
  'follow-redirects': boolean;
  'expect-status'?: string;
  'tls-verify': boolean;
  'max-body-bytes'?: number;
  'regex-budget'?: number;
  json: boolean;
  format?: ProbeFormat;
}

/** Whether these arguments ask `monitor probe` for plugin output (usage errors then exit 3, UNKNOWN). */
export function wantsNagios(args: readonly string[]): boolean {
  if (args[0] !== 'probe') return false;
  return args.some((a, i) => a === '--format=nagios' || (a === '--format' && args[i + 1] === 'nagios'));
}

/**
 * `monitor probe URL [METHOD]`: one probe, same code path as the daemon; exit 0 up, 1 down,
 * 3 degraded, or the Nagios plugin codes with --format nagios (probe-result.ts).
 */
export const probeCommand: CommandModule<object, ProbeArgs> = {
  command: 'probe <URL> [METHOD]',
  describe:
    'Probe a URL once and print the result with every condition; exit 0 up, 1 down, 3 degraded (--format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).',
  builder: (y) =>
    withRequestOptions(y as Argv)
      .positional('URL', { type: 'string', describe: 'http:// or https:// URL to request.' })
      .positional('METHOD', {
        type: 'string',
        describe: 'GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS.',
        default: 'GET',
      })
      .option('regex', {
        type: 'string',
        describe: 'Regexp the body must match (implies --check-regex).',
        requiresArg: true,
      })
      .option('check-regex', { type: 'boolean', describe: 'Check the body against --regex.', default: false })
      .option('timeout', {
        type: 'number',
        describe: 'Deadline of the whole probe in seconds (DNS, connect, TLS, headers, body). Default 15.',
        requiresArg: true,
      })
      .option('follow-redirects', { type: 'boolean', describe: 'Follow up to 5 redirects.', default: false })
      .option('expect-status', {
        type: 'string',
        describe: 'Statuses that count as ok, e.g. 200,204,300-399. Default 200-399.',
        requiresArg: true,
      })
      .option('tls-verify', {
        type: 'boolean',
        describe: 'Verify TLS certificates; --no-tls-verify turns it off.',
        default: true,
      })
      .option('max-body-bytes', {
        type: 'number',
        describe: 'Bytes of body read for the regex check. Default 1048576.',
        requiresArg: true,
      })
      .option('regex-budget', {
        type: 'number',
        describe: `Seconds one regex match may run before it is stopped (regex_timeout). Default ${DEFAULT_REGEX_BUDGET_MS / 1000}.`,
        requiresArg: true,
      })
      .option('json', {
        type: 'boolean',
        describe: 'Print the result as JSON (same as --format json).',
        default: false,
      })
      .option('format', {
        choices: PROBE_FORMATS,
        describe:
          'table, json, or nagios: one plugin line with perfdata and the plugin exit codes, to replace check_http. Default table.',
        requiresArg: true,
      })
      .example('$0 probe https://example.com/health', '')
      .example(
        "$0 probe https://api.example.com/health --condition '[BODY].status == UP' --degraded-when '[RESPONSE_TIME] > 800ms' --format nagios",
        '',
      )
      .example(
        '$0 probe http://localhost:8000/openapi.json --regex \'"openapi"\' --timeout 5',
        '',
      ) as Argv<ProbeArgs>,
  handler: async (args: ArgumentsCamelCase<ProbeArgs>) => {
    const methodText = String(args.METHOD);
    const method = normaliseMethod(methodText);
    if (!method) throw new UsageError(methodMessage(methodText));
    const base: ServiceConfig = {
      url: String(args.URL),
      method,
      // A one-shot probe with a regex means "check it"; --check-regex alone still needs --regex.
      check_regex: args['check-regex'] || args.regex !== undefined,
      regex: args.regex ?? null,
      interval_sec: SERVICE_DEFAULTS.interval_sec,
      timeout: parseNumberOption('timeout', args.timeout) ?? SERVICE_DEFAULTS.timeout,
      follow_redirects: args['follow-redirects'],
      tls_verify: args['tls-verify'],
    };
    const config = applyRequestEdit(base, requestEdit(args));
    if (args['expect-status'] !== undefined) config.expect_status = args['expect-status'];
    const maxBody = parseNumberOption('max-body-bytes', args['max-body-bytes']);
    if (maxBody !== undefined) config.max_body_bytes = maxBody;
    // Files and ${NAME} as the daemon would read them, relative to here and from this environment.
    assertValidService(config, { baseDir: process.cwd(), env: process.env });
    warnMissingEnv(missingEnvRefs(config, process.env), false);
    const budget = parseNumberOption('regex-budget', args['regex-budget']);
    if (budget !== undefined && !(budget > 0 && budget <= 3600)) {
      throw new UsageError(`--regex-budget must be between 0 and 3600 seconds, got ${budget}`);
    }

    const prober = createProber(
      budget === undefined ? {} : { regex: { budgetMs: Math.ceil(budget * 1000) } },
    );
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let result: ProbeResult;
    try {
      result = await prober.probe(resolveService(config), {
        scheduledAt: Date.now(),
        agent: hostname(),
        signal: controller.signal,
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
      await prober.close();
    }
    const format: ProbeFormat = args.format ?? (args.json ? 'json' : 'table');
    if (format === 'json') printJson(result);
    else if (format === 'nagios') printLine(nagiosLine(result));
    else printLine(probeTable(result));
    process.exitCode = probeExitCode(result.state, format);
  },
};
