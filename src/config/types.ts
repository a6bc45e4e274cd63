/**
 * The config file, typed once. The on-disk format is the original tool's JSON (snake_case keys);
 * the fields below the original's six are our additions and all optional, so a file written by
 * the original loads unchanged and one written by us stays readable to a user.
 * Unknown keys are carried through untouched (index signatures) and written back.
 */

import { LIMITS } from './limits.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ServiceConfig {
  url: string;
  method: HttpMethod;
  check_regex: boolean;
  regex: string | null;
  /** Seconds between probes, 5..300. Default 5. Ignored when `cron` is set. */
  interval_sec: number;
  /** Total deadline of one probe in seconds (DNS + connect + TLS + headers + body). Default 15. */
  timeout: number;
  /** croner expression (seconds allowed) used instead of `interval_sec`. Default none. */
  cron?: string | null;
  /** Follow up to 5 redirects. Default false: a 3xx is recorded as is, like the original. */
  follow_redirects?: boolean;
  /** Statuses that count as ok, e.g. "200,204,300-399". Default "200-399". */
  expect_status?: string | null;
  /** Verify TLS certificates. Default true; turning it off is per service and explicit. */
  tls_verify?: boolean;
  /** Bytes of body read before the rest is cancelled; the regex runs on that prefix. Default 1 MiB. */
  max_body_bytes?: number;
  [unknownKey: string]: unknown;
}

export interface RunnerSettings {
  /** Probes in flight at once, across all services. Default 512. */
  concurrency?: number;
  /** Probes in flight at once against one origin (scheme://host:port). Default 16. */
  per_origin?: number;
}

export interface ExportSettings {
  /** Rows per PostgreSQL transaction. Default 2000 (see DEFAULT_EXPORT_BATCH in src/export/exporter.ts). */
  batch_size?: number;
  /** Bound of one export statement, server side and client side, in ms. Default 30,000. */
  statement_timeout_ms?: number;
  /** Schema of the remote table. Default "public". */
  schema?: string;
  /** Name of the remote table. Default "monitoring" (the original's). */
  table?: string;
}

export interface BufferSettings {
  /** Most unexported results kept locally before the oldest are dropped. Default 5,000,000. */
  max_rows?: number;
}

export interface MonitorConfig {
  local_database_path: string;
  /** postgres:// URI, or null/absent to monitor without export. */
  external_database_uri: string | null;
  services: ServiceConfig[];
  /** Name written with every result, to tell agents apart. Default: the host name. */
  agent_name?: string;
  runner?: RunnerSettings;
  export?: ExportSettings;
  buffer?: BufferSettings;
  [unknownKey: string]: unknown;
}

/** The service defaults; those of numbers live with their bounds in limits.ts. */
export const SERVICE_DEFAULTS = {
  interval_sec: LIMITS.interval_sec.default,
  timeout: LIMITS.timeout.default,
  follow_redirects: false,
  expect_status: '200-399',
  tls_verify: true,
  max_body_bytes: LIMITS.max_body_bytes.default,
} as const;

export const INTERVAL_MIN = LIMITS.interval_sec.min;
export const INTERVAL_MAX = LIMITS.interval_sec.max;
export const URL_MAX_LENGTH = 2083;
