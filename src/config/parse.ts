import { type MonitorConfig, REQUEST_STRING_FIELDS, SERVICE_DEFAULTS, type ServiceConfig } from './types.js';
import { type CheckableConfig, methodMessage, normaliseMethod, serviceWhere } from './validate.js';

/** What parsing found: every shape problem, and the parts whose shape is right. */
export interface ParseReport {
  /** The typed config; null when any shape is wrong. */
  config: MonitorConfig | null;
  /** Every shape problem, one line each, in file order (top level, services, settings). */
  problems: string[];
  /** The parts that typed well, for the value rules (validate.ts); null when the top level is not an object. */
  checkable: CheckableConfig | null;
  /** By position in `services`: the fields whose shape is wrong (validate.ts skips them). */
  wrongShapes: ReadonlyMap<number, ReadonlySet<string>>;
}

/**
 * Turn parsed JSON into a typed MonitorConfig, checking only shapes and types (value rules live in
 * validate.ts). Accepts the original tool's files unchanged: `OPTION` becomes `OPTIONS`, missing
 * optional fields take the original's defaults, and unknown keys are carried through untouched.
 * Returns a one-line message naming the field (the first problem) instead of throwing.
 */
export function parseConfig(raw: unknown): MonitorConfig | string {
  const report = parseConfigReport(raw);
  return report.config ?? report.problems[0] ?? 'invalid config';
}

/** parseConfig, going on past the first problem so that every one can be listed. */
export function parseConfigReport(raw: unknown): ParseReport {
  if (!isRecord(raw)) {
    return {
      config: null,
      problems: [`expected a JSON object at the top level, got ${typeName(raw)}`],
      checkable: null,
      wrongShapes: new Map(),
    };
  }
  const problems: string[] = [];
  const local = raw['local_database_path'];
  if (typeof local !== 'string' || local === '') {
    problems.push(`local_database_path must be a non-empty string, got ${typeName(local)}`);
  }
  const external = raw['external_database_uri'] ?? null;
  if (external !== null && typeof external !== 'string') {
    problems.push(`external_database_uri must be a string or null, got ${typeName(external)}`);
  }
  const servicesRaw = raw['services'] ?? [];
  const services: (ServiceConfig | null)[] = [];
  const wrongShapes = new Map<number, ReadonlySet<string>>();
  if (!Array.isArray(servicesRaw)) problems.push(`services must be a list, got ${typeName(servicesRaw)}`);
  else {
    for (const [i, s] of servicesRaw.entries()) {
      const parsed = parseService(s);
      if (parsed === null)
        problems.push(`${serviceWhere(i, null, null)}: expected an object, got ${typeName(s)}`);
      else if (parsed.problems.length > 0) {
        const where = serviceWhere(
          i,
          (s as Record<string, unknown>)['url'],
          (s as Record<string, unknown>)['method'],
        );
        problems.push(...parsed.problems.map((p) => `${where}: ${p}`));
        wrongShapes.set(i, parsed.wrong);
      }
      services.push(parsed?.service ?? null);
    }
  }
  for (const key of ['agent_name'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') {
      problems.push(`${key} must be a string, got ${typeName(raw[key])}`);
    }
  }
  const envFile = raw['env_file'];
  if (envFile !== undefined && !stringOrNull(envFile)) {
    problems.push(`env_file must be a string or null, got ${typeName(envFile)}`);
  }
  const settings = (key: 'runner' | 'export' | 'buffer' | 'alerting' | 'http' | 'fleet' | 'remote') => {
    const value = raw[key];
    if (value === undefined || isRecord(value)) return value;
    problems.push(`${key} must be an object, got ${typeName(value)}`);
    return undefined;
  };
  /** `alerts` and `maintenance` map names to objects; their fields are value rules (alert-validate.ts). */
  const named = (key: 'alerts' | 'maintenance') => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!isRecord(value)) {
      problems.push(`${key} must be an object of name to settings, got ${typeName(value)}`);
      return undefined;
    }
    for (const [name, v] of Object.entries(value)) {
      if (!isRecord(v)) problems.push(`${key}.${name} must be an object, got ${typeName(v)}`);
    }
    // Kept whole, so that services still find their channels; the value rules skip a non-object.
    return value;
  };
  const checkable: CheckableConfig = {
    external_database_uri: typeof external === 'string' ? external : null,
    env_file: typeof envFile === 'string' ? envFile : null,
    runner: settings('runner'),
    export: settings('export'),
    buffer: settings('buffer'),
    alerts: named('alerts') as CheckableConfig['alerts'],
    maintenance: named('maintenance') as CheckableConfig['maintenance'],
    alerting: settings('alerting'),
    http: settings('http'),
    fleet: settings('fleet'),
    remote: settings('remote'),
    agent_location: raw['agent_location'],
    services,
  };
  const config =
    problems.length === 0
      ? ({ ...raw, local_database_path: local, external_database_uri: external, services } as MonitorConfig)
      : null;
  return { config, problems, checkable, wrongShapes };
}

/** A parsed service: its shape problems, and the fields they are about. */
interface ParsedService {
  /** Typed; a field named in `wrong` holds a stand-in value that no rule may read. */
  service: ServiceConfig;
  /** Fields whose shape is wrong: the value rules skip them (validate.ts serviceProblems). */
  wrong: Set<string>;
  problems: string[];
}

/** A service typed, with every shape problem it has; null when it is not even an object. */
function parseService(s: unknown): ParsedService | null {
  if (!isRecord(s)) return null;
  const problems: string[] = [];
  const wrongFields = new Set<string>();
  const wrong = (field: string, want: string): void => {
    wrongFields.add(field);
    problems.push(`${field} must be ${want}, got ${typeName(s[field])}`);
  };
  const url = s['url'];
  if (typeof url !== 'string') wrong('url', 'a string');
  const method = typeof s['method'] === 'string' ? normaliseMethod(s['method']) : null;
  if (typeof s['method'] !== 'string') wrong('method', 'a string');
  else if (!method) {
    wrongFields.add('method');
    problems.push(methodMessage(s['method']));
  }
  const checkRegex = s['check_regex'] ?? false;
  if (typeof checkRegex !== 'boolean') wrong('check_regex', 'true or false');
  const regex = s['regex'] ?? null;
  if (regex !== null && typeof regex !== 'string') wrong('regex', 'a string or null');
  const interval = s['interval_sec'] ?? SERVICE_DEFAULTS.interval_sec;
  if (typeof interval !== 'number') wrong('interval_sec', 'a number');
  const timeout = s['timeout'] ?? SERVICE_DEFAULTS.timeout;
  if (typeof timeout !== 'number') wrong('timeout', 'a number');
  const optional: [string, (v: unknown) => boolean, string][] = [
    ['cron', (v) => v === null || typeof v === 'string', 'a string or null'],
    ['follow_redirects', (v) => typeof v === 'boolean', 'true or false'],
    ['expect_status', (v) => v === null || typeof v === 'string', 'a string or null'],
    ['tls_verify', (v) => typeof v === 'boolean', 'true or false'],
    ['max_body_bytes', (v) => typeof v === 'number', 'a number'],
    ['headers', isStringRecord, 'an object of header name to string value'],
    ...REQUEST_STRING_FIELDS.map((f): [string, (v: unknown) => boolean, string] => [
      f,
      stringOrNull,
      'a string or null',
    ]),
    ['conditions', isStringList, 'a list of strings'],
    ['degraded_when', isStringList, 'a list of strings'],
    ['alerts', isStringList, 'a list of channel names'],
    ['failure_threshold', (v) => typeof v === 'number', 'a number'],
    ['failure_window', stringOrNull, 'a string "M/N" or null'],
    ['success_threshold', (v) => typeof v === 'number', 'a number'],
    ['alert_on_degraded', (v) => typeof v === 'boolean', 'true or false'],
    ['remind_every', stringOrNull, 'a duration string or null'],
    ['send_resolved', (v) => typeof v === 'boolean', 'true or false'],
  ];
  for (const [field, ok, want] of optional) {
    if (s[field] !== undefined && !ok(s[field])) wrong(field, want);
  }
  const service = {
    ...s,
    url,
    // A wrong method stays as written, so that the service is named the same in every line.
    method: method ?? s['method'],
    check_regex: checkRegex,
    regex,
    interval_sec: interval,
    timeout,
  } as ServiceConfig;
  return { service, wrong: wrongFields, problems };
}

const stringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringRecord = (v: unknown): boolean =>
  isRecord(v) && Object.values(v).every((x) => typeof x === 'string');

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON's own names, so messages read in the file's terms. */
function typeName(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `a string`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  return 'an object';
}
