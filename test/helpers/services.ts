import { type ResolvedService, resolveService } from '../../src/config/resolve.js';
import type { ServiceConfig } from '../../src/config/types.js';

/** The six keys the original tool wrote for each service, in its order. */
export const ORIGINAL_SERVICE_KEYS = ['url', 'method', 'check_regex', 'regex', 'interval_sec', 'timeout'];

/**
 * A service as written in a config file: GET, no regex, every 5 s, a 3 s deadline; any field
 * overridable (config keys). Fractions of a second are allowed here for tests that want
 * sub-second intervals or deadlines (`interval_sec: 0.2`); the config validation would refuse them.
 */
export function serviceConfig(url: string, overrides: Partial<ServiceConfig> = {}): ServiceConfig {
  return { url, method: 'GET', check_regex: false, regex: null, interval_sec: 5, timeout: 3, ...overrides };
}

/** `serviceConfig(url, overrides)` as the runner and the prober get it: resolved by resolveService. */
export function resolvedService(url: string, overrides: Partial<ServiceConfig> = {}): ResolvedService {
  return resolveService(serviceConfig(url, overrides));
}
