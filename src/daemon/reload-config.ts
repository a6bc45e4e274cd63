import { readConfig } from '../config/file.js';
import type { ResolvedService } from '../config/resolve.js';
import type { MonitorConfig } from '../config/types.js';
import { registerUriSecrets } from '../config/uri.js';
import type { Logger } from '../log/logger.js';
import { type ProbeEnvironment, probeableServices } from './service-env.js';

/** The config file again, for a reload (throws when it cannot be used), saying what it will not change. */
export function readForReload(
  configPath: string,
  current: MonitorConfig,
  env: ProbeEnvironment,
  reason: string,
  log: Logger,
): { config: MonitorConfig; services: ResolvedService[] } {
  const next = readConfig(configPath);
  // No services is a valid state on reload: probe nothing, keep running (and exporting).
  const services = probeableServices(next, env, log);
  if (services.length === 0) {
    log.warn(
      { module: 'config', reason },
      `No services in ${configPath}: probing nothing until some are added.`,
    );
  }
  registerUriSecrets(next.external_database_uri);
  if (JSON.stringify(next.http ?? null) !== JSON.stringify(current.http ?? null)) {
    log.warn(
      { module: 'config' },
      'http settings changed: they take effect at the next start, not on reload.',
    );
  }
  if (JSON.stringify(next.fleet ?? null) !== JSON.stringify(current.fleet ?? null)) {
    log.warn(
      { module: 'config' },
      'fleet settings changed: they take effect at the next start, not on reload.',
    );
  }
  if (next.local_database_path !== current.local_database_path) {
    log.warn(
      { module: 'config' },
      'local_database_path changed: it takes effect at the next start, not on reload.',
    );
  }
  return { config: next, services };
}
