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
  /*
   * Alerting (docs/alerts.md). A service alerts only when it names at least one channel.
   */
  /** Names of channels in `alerts` that hear of this service's incidents. Default none. */
  alerts?: string[];
  /** Consecutive down results that open an incident. Default 3. */
  failure_threshold?: number;
  /** "M/N": open when M of the last N results were down (flapping services); replaces failure_threshold. Default none. */
  failure_window?: string | null;
  /** Consecutive up results that resolve an incident. Default 2. */
  success_threshold?: number;
  /** Degraded results open a `degraded` incident (same thresholds). Default false. */
  alert_on_degraded?: boolean;
  /** Repeat the notification of an open incident this often, e.g. "1h". Default none (never). */
  remind_every?: string | null;
  /** Send a `resolved` notification. Default true. */
  send_resolved?: boolean;
  [unknownKey: string]: unknown;
}

export const CHANNEL_TYPES = ['webhook', 'slack', 'discord', 'teams', 'ntfy', 'email', 'command'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/**
 * A notification channel, `alerts[NAME]` in the file. String values may hold `${NAME}` references
 * (expanded at delivery, never stored or logged expanded).
 */
export interface AlertChannelConfig {
  type: ChannelType;
  /**
   * Where to: an http(s) URL (webhook, slack, discord, teams, ntfy: the topic URL), an SMTP URI
   * `smtp://user:pass@host:port?from=a@b&to=c@d,e@f` (`smtps://` for implicit TLS; with
   * credentials STARTTLS is required), or for `command` the argv as a JSON array or a
   * whitespace-separated string.
   */
  target: string;
  /** Extra HTTP headers, name → value. Default none. */
  headers?: Record<string, string>;
  /** webhook: HMAC-SHA256 key; the body's signature goes in `X-Monitor-Signature: sha256=HEX`. Default none. */
  secret?: string | null;
  /** Deadline of one delivery attempt, seconds. Default 10. */
  timeout?: number;
  [unknownKey: string]: unknown;
}

/** A maintenance window: one-off (`start` + `end`) or recurring (`cron` + `duration`). */
export interface MaintenanceWindowConfig {
  /** ISO 8601 with offset, one-off windows. */
  start?: string | null;
  end?: string | null;
  /** Five- or six-field cron expression: when each occurrence starts. */
  cron?: string | null;
  /** Length of each occurrence, e.g. "2h". */
  duration?: string | null;
  /** IANA time zone of `cron`. Default "UTC". */
  timezone?: string | null;
  /** Service URLs or keys the window covers. Default: every service. */
  services?: string[];
  [unknownKey: string]: unknown;
}

export interface AlertingSettings {
  /** Run incidents and notifications at all. Default true. */
  enabled?: boolean;
  /** A notification not delivered within this long is set aside as failed, e.g. "24h". Default "24h". */
  max_age?: string;
  /** Longest wait between two attempts of one notification, e.g. "5m". Default "5m". */
  retry_max?: string;
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

/**
 * The live view's HTTP server in the daemon (docs/live.md). `monitor start --http ADDR:PORT`,
 * `--no-http` and `--http-public` override these for one run.
 */
export interface HttpSettings {
  /** Serve at all. Default true. */
  enabled?: boolean;
  /** HOST:PORT or [IPv6]:PORT to listen on. Default "127.0.0.1:9464" (loopback only). */
  listen?: string;
  /**
   * Bearer token every route but /healthz requires (`Authorization: Bearer TOKEN`); may be a
   * `${NAME}` reference (environment or env_file). A secret: masked in `config show/export`,
   * never logged or served. Default none: no token (allowed on loopback only, unless `public`).
   */
  token?: string | null;
  /**
   * Listening beyond loopback without a token is meant (a status page shared on purpose); the
   * page then shows names and states only, no URLs. Default false.
   */
  public?: boolean;
  [unknownKey: string]: unknown;
}

export const FLEET_MODES = ['replicate', 'share'] as const;
export type FleetMode = (typeof FLEET_MODES)[number];

/**
 * How agents that share a config (or configs with the same services) and one PostgreSQL divide
 * the work (docs/fleet.md).
 */
export interface FleetSettings {
  /**
   * "replicate": every agent probes every service from its location. "share": the agents of a
   * pool divide the services through leases in PostgreSQL. Default "replicate".
   */
  mode?: FleetMode;
  /** share: agents with the same pool name divide that pool's services. Default "default". */
  pool?: string;
  /**
   * share: a dead agent's services are probed by another agent within this long, seconds (leases
   * last 2/3 of it and are renewed every 1/6: docs/fleet.md). Default 30.
   */
  lease_seconds?: number;
  /**
   * replicate: how many locations must see a service down for it to be down across the fleet
   * (fewer is "partial"). Default: a majority of the locations that reported it.
   */
  quorum?: number | null;
  [unknownKey: string]: unknown;
}

export const REMOTE_PARTITIONS = ['day', 'week', 'month', 'none'] as const;
export type RemotePartition = (typeof REMOTE_PARTITIONS)[number];

/** The remote tables at scale (docs/scale-out.md). */
export interface RemoteSettings {
  /**
   * A results table that monitor creates is range-partitioned by request_timestamp, one partition
   * per day/week/month; "none" creates a plain table. An existing table is never changed (see
   * `monitor db partition`). Default "day".
   */
  partition?: RemotePartition;
  /** Partitions created ahead of the current one. Default 3. */
  partitions_ahead?: number;
  /** Raw results older than this many days are dropped, a whole partition at a time. Default none (kept). */
  retention_days?: number | null;
  /** Rollup rows older than this many days are deleted. Default none (kept). */
  rollup_retention_days?: number | null;
  [unknownKey: string]: unknown;
}

export interface MonitorConfig {
  local_database_path: string;
  /** postgres:// URI, or null/absent to monitor without export. */
  external_database_uri: string | null;
  services: ServiceConfig[];
  /** Name written with every result, to tell agents apart. Default: the host name. */
  agent_name?: string;
  /** Where this agent probes from (e.g. "fra-office"), written with every result and incident. Default: the agent's name. */
  agent_location?: string;
  fleet?: FleetSettings;
  remote?: RemoteSettings;
  runner?: RunnerSettings;
  export?: ExportSettings;
  buffer?: BufferSettings;
  /**
   * KEY=VALUE file (src/config/env-file.ts) the daemon loads besides its environment, for `${NAME}`
   * references; mode 0600 or stricter. Relative to the config file's directory. Default none.
   */
  env_file?: string | null;
  /** Notification channels by name. Default none. */
  alerts?: Record<string, AlertChannelConfig>;
  /** Maintenance windows by name. Default none. */
  maintenance?: Record<string, MaintenanceWindowConfig>;
  alerting?: AlertingSettings;
  http?: HttpSettings;
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

/** Alerting defaults, one copy (docs/alerts.md). */
export const ALERT_DEFAULTS = {
  failure_threshold: 3,
  success_threshold: 2,
  alert_on_degraded: false,
  send_resolved: true,
  channel_timeout_sec: 10,
  max_age: '24h',
  retry_max: '5m',
  maintenance_timezone: 'UTC',
} as const;

/** The live view's HTTP defaults, one copy (docs/live.md). */
export const HTTP_DEFAULTS = {
  enabled: true,
  listen: '127.0.0.1:9464',
  public: false,
} as const;

/** Fleet and remote-table defaults, one copy (docs/fleet.md, docs/scale-out.md). */
export const FLEET_DEFAULTS = {
  mode: 'replicate',
  pool: 'default',
  partition: 'day',
} as const satisfies { mode: FleetMode; pool: string; partition: RemotePartition };

/** The request options whose value is a file path (may hold `${NAME}`; relative to the config). */
export const SERVICE_PATH_FIELDS = ['body_file', 'client_cert', 'client_key', 'ca_file'] as const;

/** The largest request body, given inline or as `body_file`: 1 MiB. */
export const BODY_MAX_BYTES = 1024 * 1024;

export const INTERVAL_MIN = LIMITS.interval_sec.min;
export const INTERVAL_MAX = LIMITS.interval_sec.max;
export const URL_MAX_LENGTH = 2083;
