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
  headers: Record<string, string>;
  body: string | null;
  bodyFile: string | null;
  contentType: string | null;
  basicAuth: string | null;
  bearer: string | null;
  clientCert: string | null;
  clientKey: string | null;
  caFile: string | null;
  serverName: string | null;
  conditions: Condition[];
  degradedWhen: Condition[];
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
    headers: (s.headers as Record<string, string>) ?? {},
    body: (s.body as string) ?? null,
    bodyFile: (s.body_file as string) ?? null,
    contentType: (s.content_type as string) ?? null,
    basicAuth: (s.basic_auth as string) ?? null,
    bearer: (s.bearer as string) ?? null,
    clientCert: (s.client_cert as string) ?? null,
    clientKey: (s.client_key as string) ?? null,
    caFile: (s.ca_file as string) ?? null,
    serverName: (s.server_name as string) ?? null,
    conditions: ((s.conditions as string[]) ?? []).map(parseCondition),
    degradedWhen: ((s.degraded_when as string[]) ?? []).map(parseCondition),
  };
}
