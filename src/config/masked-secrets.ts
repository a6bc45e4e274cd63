import { serviceKey } from './service-key.js';
import type { MonitorConfig, ServiceConfig } from './types.js';
import { MASK, maskUri, uriSecrets } from './uri.js';
import { serviceWhere } from './validate.js';

/**
 * The secrets policy of `config export` and `config import`, both sides in one place. Export masks
 * every URI secret with the one masking rule (maskUri: the database password, `password=`-style
 * query parameters, a service URL's userinfo password), so an exported file can go into git. Import
 * reads a masked URI as "keep the secret the config has": it never writes `****` over a password.
 */

/** The config as `config export` prints it: the file's own keys and order, URI secrets masked. */
export function maskedConfig(config: MonitorConfig): MonitorConfig {
  return {
    ...config,
    external_database_uri:
      config.external_database_uri === null ? null : maskUri(config.external_database_uri),
    services: config.services.map((s) => ({ ...s, url: maskUri(s.url) })),
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
    if (!isMasked(s.url)) return s;
    const have = byKey.get(serviceKey(s));
    if (have !== undefined && maskUri(have.url) === s.url) return { ...s, url: have.url };
    problems.push(
      `${serviceWhere(i, s.url, s.method)}: url: the password is masked (${MASK}) and no service in the config has this URL to keep it from; ${hint}`,
    );
    return s;
  });
  return { config: { ...next, external_database_uri: external, services }, problems };
}
