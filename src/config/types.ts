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
  /*
   * Request options (docs/config.md, "Request options"). Strings marked ${} may hold `${NAME}`
   * references, stored as written and expanded by the prober at probe time. Paths are relative
   * to the config file's directory.
   */
  /** Extra request headers, name → value ${}. Default none. */
  headers?: Record<string, string>;
  /** Request body ${}; not with GET/HEAD, not with `body_file`. Default none. */
  body?: string | null;
  /** File whose bytes are the request body ${} (at most 1 MiB, read at each probe). Default none. */
  body_file?: string | null;
  /** Content-Type of the body. Default none (undici's own for a string body). */
  content_type?: string | null;
  /** "user:password" sent as HTTP Basic auth ${}. Default none. */
  basic_auth?: string | null;
  /** Token sent as `Authorization: Bearer TOKEN` ${}. Default none. */
  bearer?: string | null;
  /** mTLS client certificate and key, PEM files ${} (both or neither; https only). Default none. */
  client_cert?: string | null;
  client_key?: string | null;
  /** CA bundle (PEM) that replaces the system's for this service ${} (https only). Default none. */
  ca_file?: string | null;
  /** Host header and TLS SNI, to probe an IP or one load-balancer member as a named site. Default none. */
  server_name?: string | null;
  /** Conditions that must all hold for the service to be up (src/config/conditions.ts). Default none. */
  conditions?: string[];
  /** Conditions any of which makes an otherwise up service degraded. Default none. */
  degraded_when?: string[];
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
  /**
   * KEY=VALUE file (src/config/env-file.ts) the daemon loads besides its environment, for `${NAME}`
   * references; mode 0600 or stricter. Relative to the config file's directory. Default none.
   */
  env_file?: string | null;
  [unknownKey: string]: unknown;
}

/** The service defaults; those of numbers live with their bounds in limits.ts. */
/** The request options that are a string (or null) on a service: one list for the parser and `show`. */
export const REQUEST_STRING_FIELDS = [
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

export const SERVICE_DEFAULTS = {
  interval_sec: LIMITS.interval_sec.default,
  timeout: LIMITS.timeout.default,
  follow_redirects: false,
  expect_status: '200-399',
  tls_verify: true,
  max_body_bytes: LIMITS.max_body_bytes.default,
  headers: {} as Readonly<Record<string, string>>,
  body: null,
  body_file: null,
  content_type: null,
  basic_auth: null,
  bearer: null,
  client_cert: null,
  client_key: null,
  ca_file: null,
  server_name: null,
  conditions: [] as readonly string[],
  degraded_when: [] as readonly string[],
} as const;

/** The request options whose value is a file path (may hold `${NAME}`; relative to the config). */
export const SERVICE_PATH_FIELDS = ['body_file', 'client_cert', 'client_key', 'ca_file'] as const;

/** The largest request body, given inline or as `body_file`: 1 MiB. */
export const BODY_MAX_BYTES = 1024 * 1024;

export const INTERVAL_MIN = LIMITS.interval_sec.min;
export const INTERVAL_MAX = LIMITS.interval_sec.max;
export const URL_MAX_LENGTH = 2083;
