import type { ConfigDiff } from '../../config/diff.js';
import { serviceWhere } from '../../config/validate.js';

/**
 * An import's diff, one line per change, names only: values may hold secrets (a URL whose password
 * changed is `url` changed), so none is printed. Services are named like problems are:
 * `services[i] (URL METHOD)`, i in the new config (the current one for a removed service).
 */
export function diffLines(d: ConfigDiff): string[] {
  const where = (e: { index: number; service: { url: string; method: string } }) =>
    serviceWhere(e.index, e.service.url, e.service.method);
  return [
    ...d.settings.map((key) => `changed  ${key}`),
    ...d.added.map((e) => `added    ${where(e)}`),
    ...d.changed.map((e) => `changed  ${where(e)}: ${e.fields.join(', ')}`),
    ...d.removed.map((e) => `removed  ${where(e)}`),
    ...(d.reordered ? ['reordered services'] : []),
  ];
}

/** "1 added, 2 changed, 0 removed" (services), plus the settings when some changed. */
export function diffSummary(d: ConfigDiff): string {
  const services = `${d.added.length} added, ${d.changed.length} changed, ${d.removed.length} removed`;
  return d.settings.length > 0 ? `${services}; settings changed: ${d.settings.join(', ')}` : services;
}
