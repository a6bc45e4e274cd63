import { tildePath } from '../../config/file.js';
import { effectiveConditionTexts } from '../../config/implied-conditions.js';
import { maskServiceSecrets } from '../../config/service-secrets.js';
import { numberedServices } from '../../config/services.js';
import { type MonitorConfig, REQUEST_STRING_FIELDS, type ServiceConfig } from '../../config/types.js';
import { maskUri } from '../../config/uri.js';
import { preview } from '../../config/validate.js';
import { renderTable } from './table.js';

/** Values spelled the way the original (Python) printed them: True, False, None. */
export function pythonValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** The `Name | Value` table of `config show` and `databases show`; the password is always masked. */
export function databasesTable(config: MonitorConfig): string {
  return renderTable(
    ['Name', 'Value'],
    [
      ['Local', tildePath(config.local_database_path)],
      ['External', maskUri(config.external_database_uri)],
    ],
  );
}

const ORIGINAL_COLUMNS = ['url', 'method', 'check_regex', 'regex', 'interval_sec', 'timeout'] as const;
/** Our additions get a column only when some service sets one, so plain configs look like the original's. */
const ADDITION_COLUMNS = [
  'cron',
  'follow_redirects',
  'expect_status',
  'tls_verify',
  'max_body_bytes',
  'headers',
  ...REQUEST_STRING_FIELDS,
  'conditions',
  'degraded_when',
  'alerts',
  'failure_threshold',
  'failure_window',
  'success_threshold',
  'alert_on_degraded',
  'remind_every',
  'send_resolved',
] as const;

/** A body of up to 1 MiB would make the table unreadable: the table shows its start (--json all of it). */
const BODY_SHOWN = 40;

/** A service as shown: secrets masked (maskServiceSecrets), the URL's password too. */
function shownService(s: ServiceConfig): ServiceConfig {
  return { ...maskServiceSecrets(s), url: maskUri(s.url) };
}

export function servicesTable(
  services: readonly ServiceConfig[],
  options: { numbered?: boolean } = {},
): string {
  const extra = ADDITION_COLUMNS.filter((c) => services.some((s) => s[c] !== undefined && s[c] !== null));
  const columns = [...ORIGINAL_COLUMNS, ...extra];
  const headers = options.numbered ? ['№', ...columns] : columns;
  const rows = numberedServices(services).map((service, i) => {
    const s = shownService(service);
    const cells = columns.map((c) => {
      if (c === 'body' && typeof s.body === 'string') return preview(s.body, BODY_SHOWN);
      // What the service is judged by, the original's checks included as the conditions they mean.
      if (c === 'conditions') return pythonValue(effectiveConditionTexts(service));
      return pythonValue(s[c]);
    });
    return options.numbered ? [String(i), ...cells] : cells;
  });
  return renderTable(headers, rows);
}

/** The JSON form of the services, in NUMBER order, each with its number; passwords and secrets masked. */
export function servicesJson(services: readonly ServiceConfig[]): (ServiceConfig & { number: number })[] {
  return numberedServices(services).map((s, i) => ({ number: i, ...shownService(s) }));
}

/** The JSON form of the databases, password masked (scripts get no secret from us either). */
export function databasesJson(config: MonitorConfig): {
  local_database_path: string;
  external_database_uri: string | null;
} {
  return {
    local_database_path: config.local_database_path,
    external_database_uri:
      config.external_database_uri === null ? null : maskUri(config.external_database_uri),
  };
}
