import { type MonitorConfig, SERVICE_DEFAULTS, type ServiceConfig } from './types.js';
import { methodMessage, normaliseMethod } from './validate.js';

/**
 * Turn parsed JSON into a typed MonitorConfig, checking only shapes and types (value rules live in
 * validate.ts). Accepts the original tool's files unchanged: `OPTION` becomes `OPTIONS`, missing
 * optional fields take the original's defaults, and unknown keys are carried through untouched.
 * Returns a one-line message naming the field instead of throwing.
 */
export function parseConfig(raw: unknown): MonitorConfig | string {
  if (!isRecord(raw)) return `expected a JSON object at the top level, got ${typeName(raw)}`;
  const local = raw['local_database_path'];
  if (typeof local !== 'string' || local === '') {
    return `local_database_path must be a non-empty string, got ${typeName(local)}`;
  }
  const external = raw['external_database_uri'];
  if (external !== undefined && external !== null && typeof external !== 'string') {
    return `external_database_uri must be a string or null, got ${typeName(external)}`;
  }
  const servicesRaw = raw['services'] ?? [];
  if (!Array.isArray(servicesRaw)) return `services must be a list, got ${typeName(servicesRaw)}`;
  const services: ServiceConfig[] = [];
  for (const [i, s] of servicesRaw.entries()) {
    const service = parseService(s);
    if (typeof service === 'string') return `services[${i}]: ${service}`;
    services.push(service);
  }
  for (const key of ['agent_name'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') {
      return `${key} must be a string, got ${typeName(raw[key])}`;
    }
  }
  if (raw['env_file'] !== undefined && !stringOrNull(raw['env_file'])) {
    return `env_file must be a string or null, got ${typeName(raw['env_file'])}`;
  }
  for (const key of ['runner', 'export', 'buffer'] as const) {
    if (raw[key] !== undefined && !isRecord(raw[key]))
      return `${key} must be an object, got ${typeName(raw[key])}`;
  }
  return {
    ...raw,
    local_database_path: local,
    external_database_uri: external ?? null,
    services,
  } as MonitorConfig;
}

function parseService(s: unknown): ServiceConfig | string {
  if (!isRecord(s)) return `expected an object, got ${typeName(s)}`;
  const wrong = (field: string, want: string): string =>
    `${field} must be ${want}, got ${typeName(s[field])}`;
  if (typeof s['url'] !== 'string') return wrong('url', 'a string');
  if (typeof s['method'] !== 'string') return wrong('method', 'a string');
  const method = normaliseMethod(s['method']);
  if (!method) return methodMessage(s['method']);
  const checkRegex = s['check_regex'] ?? false;
  if (typeof checkRegex !== 'boolean') return wrong('check_regex', 'true or false');
  const regex = s['regex'] ?? null;
  if (regex !== null && typeof regex !== 'string') return wrong('regex', 'a string or null');
  const interval = s['interval_sec'] ?? SERVICE_DEFAULTS.interval_sec;
  if (typeof interval !== 'number') return wrong('interval_sec', 'a number');
  const timeout = s['timeout'] ?? SERVICE_DEFAULTS.timeout;
  if (typeof timeout !== 'number') return wrong('timeout', 'a number');
  const optional: [string, (v: unknown) => boolean, string][] = [
    ['cron', (v) => v === null || typeof v === 'string', 'a string or null'],
    ['follow_redirects', (v) => typeof v === 'boolean', 'true or false'],
    ['expect_status', (v) => v === null || typeof v === 'string', 'a string or null'],
    ['tls_verify', (v) => typeof v === 'boolean', 'true or false'],
    ['max_body_bytes', (v) => typeof v === 'number', 'a number'],
    ['headers', isStringRecord, 'an object of header name to string value'],
    ...REQUEST_STRINGS.map((f): [string, (v: unknown) => boolean, string] => [
      f,
      stringOrNull,
      'a string or null',
    ]),
    ['conditions', isStringList, 'a list of strings'],
    ['degraded_when', isStringList, 'a list of strings'],
  ];
  for (const [field, ok, want] of optional) {
    if (s[field] !== undefined && !ok(s[field])) return wrong(field, want);
  }
  return {
    ...s,
    url: s['url'],
    method,
    check_regex: checkRegex,
    regex,
    interval_sec: interval,
    timeout,
  } as ServiceConfig;
}

const REQUEST_STRINGS = [
  'body',
  'body_file',
  'content_type',
  'basic_auth',
  'bearer',
  'client_cert',
  'client_key',
  'ca_file',
  'server_name',
] as const;

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
