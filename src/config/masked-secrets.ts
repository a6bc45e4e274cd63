import { maskChannels, restoreChannelSecrets } from './channel-secrets.js';
import { maskHttpSettings } from './http-validate.js';
import { serviceKey } from './service-key.js';
import { maskServiceSecrets, SECRET_MASK } from './service-secrets.js';
import type { MonitorConfig, ServiceConfig } from './types.js';
import { MASK, maskUri, uriSecrets } from './uri.js';
import { serviceWhere } from './validate.js';

/**
 * The secrets policy of `config export` and `config import`, both sides in one place. Export masks
 * every URI secret with the one masking rule (maskUri: the database password, `password=`-style
 * query parameters, a service URL's userinfo password) and a service's request secrets with
 * theirs (service-secrets.ts: header values, the basic_auth password, the bearer token; a
 * `${NAME}` reference is shown), so an exported file can go into git. Import reads a masked value
 * as "keep the secret the config has": it never writes `****` or `***` over a secret.
 */

/** The config as `config export` prints it: the file's own keys and order, secrets masked. */
export function maskedConfig(config: MonitorConfig): MonitorConfig {
  return {
    ...config,
    external_database_uri:
      config.external_database_uri === null ? null : maskUri(config.external_database_uri),
    services: config.services.map((s) => ({ ...maskServiceSecrets(s), url: maskUri(s.url) })),
    // Only when the file has channels, so an export keeps the file's keys.
    ...(config.alerts === undefined ? {} : { alerts: maskChannels(config.alerts) }),
    ...(config.http === undefined ? {} : { http: maskHttpSettings(config.http) }),
  };
}

function isMasked(uri: string): boolean {
  return uriSecrets(uri).includes(MASK);
}

/**
 * `next` (a document to import) with each masked URI replaced by the current config's URI it
 * stands for: the current one whose masked form is exactly the masked URI (for a service, the one
 * with the same identity). A masked URI that stands for nothing current (a new service, a changed
 * host) cannot be completed: it is a problem, and the document is refused.
 */
export function restoreMaskedSecrets(
  current: MonitorConfig,
  next: MonitorConfig,
): { config: MonitorConfig; problems: string[] } {
  const problems: string[] = [];
  const hint = 'write the real password in the file, or set it with `monitor config` first';
  let external = next.external_database_uri;
  if (external !== null && isMasked(external)) {
    const have = current.external_database_uri;
    if (have !== null && maskUri(have) === external) external = have;
    else {
      problems.push(
        `external_database_uri: the password is masked (${MASK}) and the config has no such URI to keep it from; ${hint}`,
      );
    }
  }
  const byKey = new Map(current.services.map((s) => [serviceKey(s), s]));
  const services = next.services.map((s, i): ServiceConfig => {
    const have = byKey.get(serviceKey(s));
    const where = serviceWhere(i, s.url, s.method);
    const restored = restoreRequestSecrets(s, have);
    for (const field of restored.unknown) {
      problems.push(
        `${where}: ${field}: the value is masked (${SECRET_MASK}) and this service in the config has no such value to keep it from; ${hint}`,
      );
    }
    if (!isMasked(s.url)) return restored.service;
    if (have !== undefined && maskUri(have.url) === s.url) return { ...restored.service, url: have.url };
    problems.push(
      `${where}: url: the password is masked (${MASK}) and no service in the config has this URL to keep it from; ${hint}`,
    );
    return restored.service;
  });
  const channels = restoreChannelSecrets(current.alerts, next.alerts);
  for (const field of channels.unknown) {
    problems.push(
      `${field}: the value is masked and the config has no such channel value to keep it from; ${hint}`,
    );
  }
  const alerts = next.alerts === undefined ? {} : { alerts: channels.alerts };
  const http = restoreHttpToken(current, next, problems, hint);
  return {
    config: { ...next, external_database_uri: external, services, ...alerts, ...http },
    problems,
  };
}

/** A masked `http.token` keeps the current one; with none to keep, it is a problem. */
function restoreHttpToken(
  current: MonitorConfig,
  next: MonitorConfig,
  problems: string[],
  hint: string,
): Partial<MonitorConfig> {
  if (next.http === undefined || next.http?.token !== SECRET_MASK) return {};
  const have = current.http?.token;
  if (typeof have === 'string' && maskHttpSettings(current.http)?.token === SECRET_MASK) {
    return { http: { ...next.http, token: have } };
  }
  problems.push(
    `http.token: the value is masked (${SECRET_MASK}) and the config has no token to keep it from; ${hint}`,
  );
  return {};
}

/**
 * `s` with each masked request secret (exactly what maskServiceSecrets shows for it) taken from
 * `have`, the current service of the same identity, where `have` shows the same there; the
 * fields that could not be completed, by name (`header NAME`, `basic_auth`, `bearer`).
 */
function restoreRequestSecrets(
  s: ServiceConfig,
  have: ServiceConfig | undefined,
): { service: ServiceConfig; unknown: string[] } {
  const shown = have === undefined ? undefined : maskServiceSecrets(have);
  const unknown: string[] = [];
  const keep = (field: string, value: string, haveValue: unknown, haveShown: unknown): string => {
    const masked = value === SECRET_MASK || (field === 'basic_auth' && value.endsWith(`:${SECRET_MASK}`));
    if (!masked) return value;
    if (typeof haveValue === 'string' && haveShown === value) return haveValue;
    unknown.push(field);
    return value;
  };
  const out: ServiceConfig = { ...s };
  if (s.headers) {
    out.headers = Object.fromEntries(
      Object.entries(s.headers).map(([n, v]) => [
        n,
        keep(`header ${n}`, v, have?.headers?.[n], shown?.headers?.[n]),
      ]),
    );
  }
  if (typeof s.basic_auth === 'string') {
    out.basic_auth = keep('basic_auth', s.basic_auth, have?.basic_auth, shown?.basic_auth);
  }
  if (typeof s.bearer === 'string') out.bearer = keep('bearer', s.bearer, have?.bearer, shown?.bearer);
  return { service: out, unknown };
}
