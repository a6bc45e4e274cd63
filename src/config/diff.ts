import { serviceKey } from './service-key.js';
import type { MonitorConfig, ServiceConfig } from './types.js';

/**
 * What importing a config would change, keyed by service identity (service-key.ts: url, method,
 * check_regex, regex), so a service whose interval or headers changed is "changed", not removed
 * and added. Generic over fields: every key of the service object (and of the top level) counts,
 * our own, ones added later and unknown ones alike, and values compare by content.
 */
export interface ServiceEntry {
  /** Position in its config's `services`: the new config for added/changed, the current for removed. */
  index: number;
  service: ServiceConfig;
}

export interface ChangedService extends ServiceEntry {
  /** Keys whose value differs, was added or was removed, in the new object's key order first. */
  fields: string[];
}

export interface ConfigDiff {
  added: ServiceEntry[];
  changed: ChangedService[];
  removed: ServiceEntry[];
  /** The services both configs have are in another order. */
  reordered: boolean;
  /** Top-level keys other than `services` that differ, were added or were removed. */
  settings: string[];
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal; undefined stays undefined. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The keys of `a` and `b` whose values differ (a key absent on one side differs), `b`'s order first. */
export function changedKeys(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  skip: string[] = [],
): string[] {
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !skip.includes(k));
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k]));
}

export function diffConfigs(current: MonitorConfig, next: MonitorConfig): ConfigDiff {
  const currentByKey = new Map(current.services.map((s, index) => [serviceKey(s), { index, service: s }]));
  const nextKeys = new Set(next.services.map(serviceKey));
  const added: ServiceEntry[] = [];
  const changed: ChangedService[] = [];
  const kept: number[] = [];
  next.services.forEach((service, index) => {
    const before = currentByKey.get(serviceKey(service));
    if (before === undefined) {
      added.push({ index, service });
      return;
    }
    kept.push(before.index);
    const fields = changedKeys(before.service, service);
    if (fields.length > 0) changed.push({ index, service, fields });
  });
  const removed = current.services
    .map((service, index) => ({ index, service }))
    .filter((e) => !nextKeys.has(serviceKey(e.service)));
  return {
    added,
    changed,
    removed,
    reordered: kept.some((i, n) => n > 0 && i < (kept[n - 1] ?? i)),
    settings: changedKeys(current, next, ['services']),
  };
}

export function isEmptyDiff(d: ConfigDiff): boolean {
  return d.added.length + d.changed.length + d.removed.length + d.settings.length === 0 && !d.reordered;
}
