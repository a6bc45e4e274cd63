import { Cron } from 'croner';
import { UsageError } from '../errors.js';
import {
  alertingProblems,
  channelProblems,
  serviceAlertRules,
  unknownChannelProblem,
} from './alert-validate.js';
import { conditionRules } from './condition-rules.js';
import { checkEnvFile, referenceEnv } from './env-file.js';
import { expectStatusMessage, tryParseExpectStatus } from './expect-status.js';
import { agentLocationProblems, fleetProblems, remoteProblems } from './fleet-validate.js';
import { httpProblems } from './http-validate.js';
import { checkLimit, type LimitedField } from './limits.js';
import { windowProblems } from './maintenance-validate.js';
import { expandPath } from './paths.js';
import { type RequestCheckContext, requestOptionRules, type ServiceRule } from './request-options.js';
import { serviceKey } from './service-key.js';
import {
  HTTP_METHODS,
  type HttpMethod,
  INTERVAL_MAX,
  INTERVAL_MIN,
  type MonitorConfig,
  type ServiceConfig,
} from './types.js';
import { maskUri, parsePgUri } from './uri.js';
import { checkUrl, preview } from './url-check.js';

export { checkUrl, preview } from './url-check.js';

/**
 * The value rules of `monitor config`. Each check returns an error message (one line, naming the
 * value) or null, so the same rules serve the CLI (which throws UsageError) and the file loader
 * (which throws ConfigError naming the file).
 */

/** The original's `OPTION` (sic) and any letter case are accepted; returns the canonical method. */
export function normaliseMethod(method: string): HttpMethod | null {
  const upper = method.trim().toUpperCase();
  const canonical = upper === 'OPTION' ? 'OPTIONS' : upper;
  return (HTTP_METHODS as readonly string[]).includes(canonical) ? (canonical as HttpMethod) : null;
}

export function methodMessage(method: string): string {
  return `method must be one of ${HTTP_METHODS.join(', ')}, got '${preview(method, 20)}'`;
}

export function checkInterval(value: number): string | null {
  if (!Number.isFinite(value) || value < INTERVAL_MIN || value > INTERVAL_MAX) {
    return `interval must be between ${INTERVAL_MIN} and ${INTERVAL_MAX} seconds, got ${value}`;
  }
  return null;
}

export function checkTimeout(value: number): string | null {
  return checkLimit('timeout', value);
}

export function checkRegex(regex: string): string | null {
  try {
    new RegExp(regex);
    return null;
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : '';
    return `regex does not compile: ${preview(reason, 120)}`;
  }
}

export function checkCron(expr: string): string | null {
  try {
    const job = new Cron(expr, { paused: true });
    const next = job.nextRun();
    job.stop();
    if (next === null) return `cron expression '${preview(expr)}' never fires`;
    return null;
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : '';
    return `invalid cron expression '${preview(expr)}': ${preview(reason, 120)}`;
  }
}

/** "200", "200-399", "200,204,300-399": the grammar of expect-status.ts. */
export function checkExpectStatus(spec: string): string | null {
  return tryParseExpectStatus(spec) === null ? expectStatusMessage(preview(spec, 40)) : null;
}

export function checkMaxBodyBytes(value: number): string | null {
  return checkLimit('max_body_bytes', value);
}

export function checkExternalUri(uri: string): string | null {
  const parsed = parsePgUri(uri);
  // The message from parsePgUri never contains the URI itself, so no password leaks here.
  return typeof parsed === 'string' ? `external database URI: ${parsed}` : null;
}

/**
 * Every value rule for one service, in a fixed order: each problem found, one line each. Files are
 * found and `${NAME}` in paths filled as `ctx` says (request-options.ts). Fields in `skip` (their
 * shape is wrong, parse.ts said so) are not checked, so each problem is said once.
 */
export function serviceProblems(
  s: ServiceConfig,
  ctx: RequestCheckContext = {},
  skip: ReadonlySet<string> = new Set(),
): string[] {
  const rules: ServiceRule[] = [
    [['url'], () => checkUrl(s.url)],
    [['method'], () => (normaliseMethod(s.method) === s.method ? null : methodMessage(s.method))],
    [
      ['check_regex', 'regex'],
      () =>
        s.check_regex && (s.regex === null || s.regex === '')
          ? '--check-regex needs a regex (--regex)'
          : null,
    ],
    [['regex'], () => (s.regex === null ? null : checkRegex(s.regex))],
    [['interval_sec'], () => checkInterval(s.interval_sec)],
    [['timeout'], () => checkTimeout(s.timeout)],
    [['cron'], () => (s.cron == null ? null : checkCron(s.cron))],
    [['expect_status'], () => (s.expect_status == null ? null : checkExpectStatus(s.expect_status))],
    [['max_body_bytes'], () => (s.max_body_bytes === undefined ? null : checkMaxBodyBytes(s.max_body_bytes))],
    ...requestOptionRules(s, ctx),
    ...conditionRules(s),
    ...serviceAlertRules(s),
  ];
  return rules
    .filter(([fields]) => fields.every((f) => !skip.has(f)))
    .map(([, rule]) => rule())
    .filter((c): c is string => c !== null);
}

/** The first problem of a service (what `services add`/`update` refuse with), or null. */
export function checkService(s: ServiceConfig, ctx: RequestCheckContext = {}): string | null {
  return serviceProblems(s, ctx)[0] ?? null;
}

/** Throws UsageError (exit 2) with the first problem of a service about to be written. */
export function assertValidService(s: ServiceConfig, ctx: RequestCheckContext = {}): void {
  const problem = checkService(s, ctx);
  if (problem) throw new UsageError(problem);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The optional `runner`, `export` and `buffer` settings: caught when the file is read, not mid-run. */
function settingsProblems(config: CheckableConfig): string[] {
  const problems: string[] = [];
  const positiveInt = (where: LimitedField, v: unknown) => {
    const problem = v === undefined ? null : checkLimit(where, v);
    if (problem) problems.push(problem);
  };
  const ident = (where: string, v: unknown) => {
    if (v !== undefined && !(typeof v === 'string' && IDENTIFIER.test(v))) {
      problems.push(
        `${where} must be a plain identifier (letters, digits, _; at most 63 characters), got ${JSON.stringify(v)}`,
      );
    }
  };
  positiveInt('runner.concurrency', config.runner?.concurrency);
  positiveInt('runner.per_origin', config.runner?.per_origin);
  positiveInt('export.batch_size', config.export?.batch_size);
  positiveInt('export.statement_timeout_ms', config.export?.statement_timeout_ms);
  ident('export.schema', config.export?.schema);
  ident('export.table', config.export?.table);
  positiveInt('buffer.max_rows', config.buffer?.max_rows);
  return problems;
}

/** The top-level `env_file`, when set: present, owner-only, KEY=VALUE lines (env-file.ts). */
export function envFileProblem(
  config: Pick<MonitorConfig, 'env_file'>,
  ctx: RequestCheckContext = {},
): string | null {
  if (config.env_file == null) return null;
  if (config.env_file === '') return 'env_file must not be empty';
  return checkEnvFile(expandPath(config.env_file, ctx.baseDir ?? process.cwd()));
}

/**
 * What a config's rules need to check its files as `monitor start` will: relative paths against
 * the config's directory, `${NAME}` in paths filled from the environment and the env_file.
 */
export function configCheckContext(
  config: Pick<MonitorConfig, 'env_file'>,
  baseDir: string,
): Required<RequestCheckContext> {
  return { baseDir, env: referenceEnv(config.env_file, baseDir) };
}

/**
 * How a problem names a service: its position in the file, then its URL (password masked) and
 * method as far as they are strings, e.g. `services[2] (http://a/ GET)`.
 */
export function serviceWhere(index: number, url: unknown, method: unknown): string {
  const named = [
    typeof url === 'string' ? preview(maskUri(url), 60) : null,
    typeof method === 'string' ? preview(method, 20) : null,
  ].filter((part) => part !== null);
  return named.length === 0 ? `services[${index}]` : `services[${index}] (${named.join(' ')})`;
}

/**
 * What the value rules need of a config. A service is null where its shape was wrong (parse.ts
 * reported that), so the others are still checked under their own positions.
 */
export interface CheckableConfig {
  external_database_uri: string | null;
  env_file?: string | null;
  runner?: MonitorConfig['runner'];
  export?: MonitorConfig['export'];
  buffer?: MonitorConfig['buffer'];
  alerts?: MonitorConfig['alerts'];
  maintenance?: MonitorConfig['maintenance'];
  alerting?: MonitorConfig['alerting'];
  http?: MonitorConfig['http'];
  fleet?: MonitorConfig['fleet'];
  remote?: MonitorConfig['remote'];
  /** Unknown until checked: a wrong type is one of its problems. */
  agent_location?: unknown;
  services: readonly (ServiceConfig | null)[];
}

/** The alerting sections (alert-validate.ts, maintenance-validate.ts): channels, windows, settings. */
function alertSectionProblems(config: CheckableConfig): string[] {
  const services = config.services.filter((s): s is ServiceConfig => s !== null);
  return [
    ...Object.entries(config.alerts ?? {}).flatMap(([name, c]) => channelProblems(name, c)),
    ...Object.entries(config.maintenance ?? {}).flatMap(([name, w]) => windowProblems(name, w, services)),
    ...alertingProblems(config.alerting),
  ];
}

/**
 * Problems of a whole loaded config, one line each, naming the service by position in the file.
 * The daemon refuses to start on any; the config commands still load such a file so it can be fixed.
 * `wrongShapes` (from parse.ts, by position) names the fields of a service whose shape is wrong:
 * they are not checked again, nor is that service's identity (a wrong url or method is a stand-in).
 */
export function configProblems(
  config: CheckableConfig | MonitorConfig,
  ctx: RequestCheckContext = {},
  wrongShapes?: ReadonlyMap<number, ReadonlySet<string>>,
): string[] {
  const problems: string[] = [];
  const envFile = envFileProblem(config, ctx);
  if (envFile) problems.push(envFile);
  if (config.external_database_uri !== null) {
    const uri = checkExternalUri(config.external_database_uri);
    if (uri) problems.push(uri);
  }
  problems.push(...settingsProblems(config));
  problems.push(...httpProblems(config.http));
  problems.push(...agentLocationProblems(config.agent_location));
  problems.push(...fleetProblems(config.fleet));
  problems.push(...remoteProblems(config.remote));
  problems.push(...alertSectionProblems(config));
  const channels = Object.keys(config.alerts ?? {});
  const seen = new Map<string, number>();
  config.services.forEach((s, i) => {
    if (s === null) return;
    const wrong = wrongShapes?.get(i);
    const where = serviceWhere(i, s.url, s.method);
    for (const problem of serviceProblems(s, ctx, wrong)) problems.push(`${where}: ${problem}`);
    const unknownChannel = wrong?.has('alerts') ? null : unknownChannelProblem(s, channels);
    if (unknownChannel) problems.push(`${where}: ${unknownChannel}`);
    if (wrong) return;
    const key = serviceKey(s);
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${where}: duplicate of services[${first}]`);
    else seen.set(key, i);
  });
  return problems;
}

/**
 * Check a CLI number. yargs reads `type: 'number'` options itself (so --help says [number]) and
 * turns "abc" into NaN silently; the text typed is gone by then, so the message names the option.
 */
export function parseNumberOption(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new UsageError(`--${name} must be a number`);
    return raw;
  }
  const text = String(raw).trim();
  const n = text === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n))
    throw new UsageError(`--${name} must be a number, got '${preview(String(raw), 40)}'`);
  return n;
}
