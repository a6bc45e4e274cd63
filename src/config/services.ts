import { UsageError } from '../errors.js';
import { serviceKey } from './service-key.js';
import type { ServiceConfig } from './types.js';

/** Python's str() of the values the original concatenated, so the order matches its NUMBERs. */
function pythonStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return String(v);
}

function sortKey(s: ServiceConfig): string {
  return `${s.url}${s.method}${pythonStr(s.check_regex)}${pythonStr(s.regex)}`;
}

/**
 * Services in NUMBER order: sorted by the string url+method+check_regex+regex, like the original,
 * so a NUMBER read from `services show --numbered` means the same service in both tools.
 * The sort is stable, and the config's own order is left as it is.
 */
export function numberedServices(services: readonly ServiceConfig[]): ServiceConfig[] {
  return [...services].sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

/** Parse a NUMBER argument and return the service it names (the object inside `services`). */
export function serviceByNumber(services: readonly ServiceConfig[], raw: unknown): ServiceConfig {
  const text = String(raw ?? '').trim();
  if (!/^\d+$/.test(text)) {
    throw new UsageError(
      `NUMBER must be a whole number from 'monitor config services show --numbered', got '${text.slice(0, 40)}'`,
    );
  }
  const n = Number(text);
  const sorted = numberedServices(services);
  const service = sorted[n];
  if (service === undefined) {
    const range = sorted.length === 0 ? 'there are no services' : `valid numbers are 0..${sorted.length - 1}`;
    throw new UsageError(`no service number ${n}: ${range}`);
  }
  return service;
}

/**
 * Refuse a service that would share its identity (url, method, check_regex, regex) with another:
 * the scheduler, phases and exported rows are keyed by that identity, so two such services would
 * be one. The original refused only exact six-field copies.
 */
export function assertNotDuplicate(
  services: readonly ServiceConfig[],
  candidate: ServiceConfig,
  except?: ServiceConfig,
): void {
  const key = serviceKey(candidate);
  const sorted = numberedServices(services);
  const index = sorted.findIndex((s) => s !== except && serviceKey(s) === key);
  if (index >= 0) {
    throw new UsageError(
      `service number ${index} already has this url, method, check_regex and regex; update it instead`,
    );
  }
}
