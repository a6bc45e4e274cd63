import { type AlertRules, resolveAlertRules } from './alert-rules.js';
import { type Condition, parseCondition } from './conditions.js';
import { serviceKey } from './service-key.js';
import { type HttpMethod, SERVICE_DEFAULTS, type ServiceConfig } from './types.js';
import { maskUri } from './uri.js';

/**
 * A service as the scheduler, runner and probe use it: defaults applied, units in ms, key computed.
 * Made once per (re)load from the config file's `ServiceConfig`.
 */
export interface ResolvedService {
  /** serviceKey(): stable across interval/timeout changes. */
  key: string;
  /** The URL as shown, logged and written on results: its password masked (maskUri). */
  url: string;
  /**
   * The URL as configured, credentials included: only the prober reads it (it sends the userinfo
   * as HTTP Basic auth). Optional so that a service built by hand probes `url`.
   */
  target?: string;
  method: HttpMethod;
  /** scheme://host:port, for the per-origin cap. */
  origin: string;
  checkRegex: boolean;
  regex: string | null;
  /** Fixed-rate period; used when `cron` is null. */
  intervalMs: number;
  /** croner expression instead of the interval grid. */
  cron: string | null;
  /** One deadline for the whole probe. */
  timeoutMs: number;
  followRedirects: boolean;
  /** e.g. "200-399" or "200,204,300-399". */
  expectStatus: string;
  tlsVerify: boolean;
  maxBodyBytes: number;
  /*
   * Request options. Strings keep their `${NAME}` references unexpanded (the prober expands them
   * at probe time, so a value never sits in the resolved config); null = not set.
   */
  /** Extra request headers, name → value as written. */
  headers: Record<string, string>;
  body: string | null;
  /** Path of the body's file, read once per start or reload (src/probe/plan.ts). */
  bodyFile: string | null;
  contentType: string | null;
  /** "user:password" for HTTP Basic auth. */
  basicAuth: string | null;
  bearer: string | null;
  clientCert: string | null;
  clientKey: string | null;
  caFile: string | null;
  /** Host header and TLS SNI. */
  serverName: string | null;
  /** All must hold for the service to be up. */
  conditions: Condition[];
  /** Any of them makes an otherwise up service degraded. */
  degradedWhen: Condition[];
  /** Thresholds and channels of its incidents (channels empty = not alerting). */
  alert: AlertRules;
}

export function resolveService(s: ServiceConfig): ResolvedService {
  const url = new URL(s.url);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return {
    key: serviceKey(s),
    url: maskUri(s.url),
    target: s.url,
    method: s.method,
    origin: `${url.protocol}//${url.hostname}:${port}`,
    checkRegex: s.check_regex,
    regex: s.regex,
    intervalMs: Math.round((s.interval_sec ?? SERVICE_DEFAULTS.interval_sec) * 1000),
    cron: s.cron ?? null,
    timeoutMs: Math.round((s.timeout ?? SERVICE_DEFAULTS.timeout) * 1000),
    followRedirects: s.follow_redirects ?? SERVICE_DEFAULTS.follow_redirects,
    expectStatus: s.expect_status ?? SERVICE_DEFAULTS.expect_status,
    tlsVerify: s.tls_verify ?? SERVICE_DEFAULTS.tls_verify,
    maxBodyBytes: s.max_body_bytes ?? SERVICE_DEFAULTS.max_body_bytes,
    headers: { ...(s.headers ?? SERVICE_DEFAULTS.headers) },
    body: s.body ?? SERVICE_DEFAULTS.body,
    bodyFile: s.body_file ?? SERVICE_DEFAULTS.body_file,
    contentType: s.content_type ?? SERVICE_DEFAULTS.content_type,
    basicAuth: s.basic_auth ?? SERVICE_DEFAULTS.basic_auth,
    bearer: s.bearer ?? SERVICE_DEFAULTS.bearer,
    clientCert: s.client_cert ?? SERVICE_DEFAULTS.client_cert,
    clientKey: s.client_key ?? SERVICE_DEFAULTS.client_key,
    caFile: s.ca_file ?? SERVICE_DEFAULTS.ca_file,
    serverName: s.server_name ?? SERVICE_DEFAULTS.server_name,
    // Validated when the file was read, so these parse.
    conditions: (s.conditions ?? SERVICE_DEFAULTS.conditions).map((text) => parseCondition(text)),
    degradedWhen: (s.degraded_when ?? SERVICE_DEFAULTS.degraded_when).map((text) => parseCondition(text)),
    alert: resolveAlertRules(s),
  };
}
