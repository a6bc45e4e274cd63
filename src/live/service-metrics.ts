import { maskUri } from '../config/uri.js';
import type { LastResult } from './metrics-hook.js';

/**
 * The per-service families of /metrics, rendered straight to the Prometheus text format from the
 * last results. Not through prom-client's labelled gauges: at 10,000 services (100,000 series)
 * setting them cost ~400 ms and rendering ~330 ms of the main thread, measured on this machine;
 * this renderer builds each service's label text once and reuses it.
 * Names follow blackbox_exporter's where the meaning matches (probe_success, probe_http_status_code,
 * probe_duration_seconds with a phase label, probe_ssl_earliest_cert_expiry).
 */

export const SERVICE_FAMILIES = [
  ['monitor_probe_success', 'Whether the last probe succeeded (up or degraded: 1, down: 0).'],
  ['monitor_probe_state', 'State of the last probe: 0 up, 1 degraded, 2 down.'],
  [
    'monitor_probe_duration_seconds',
    'Phase times of the last probe (phases that did not happen are left out).',
  ],
  ['monitor_probe_http_status_code', 'HTTP status code of the last probe (left out when no response came).'],
  [
    'monitor_cert_expiry_timestamp_seconds',
    'Earliest certificate expiry in the chain of the last HTTPS probe, unix seconds.',
  ],
] as const;

const STATE_VALUE = { up: 0, degraded: 1, down: 2, unknown: 2 } as const;

/** Label value escaping of the text format: backslash, double quote and line feed. */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

interface Labelled {
  /** The inputs the label text was made from: rebuilt when one changes. */
  key: string;
  url: string;
  method: string;
  agent: string;
  text: string;
}

/** Caches each service's `service="…",url="…",method="…",agent="…"`. */
export class ServiceLabels {
  private readonly cache = new Map<string, Labelled>();

  constructor(private readonly hideUrls: boolean) {}

  of(e: LastResult): string {
    const r = e.result;
    const had = this.cache.get(r.serviceKey);
    if (had && had.url === r.url && had.method === r.method && had.agent === r.agent) return had.text;
    const url = this.hideUrls ? '' : maskUri(r.url);
    const text = `service="${escapeLabel(r.serviceKey)}",url="${escapeLabel(url)}",method="${escapeLabel(r.method)}",agent="${escapeLabel(r.agent)}"`;
    this.cache.set(r.serviceKey, { key: r.serviceKey, url: r.url, method: r.method, agent: r.agent, text });
    return text;
  }

  retain(keys: ReadonlySet<string>): void {
    for (const key of this.cache.keys()) if (!keys.has(key)) this.cache.delete(key);
  }
}

const seconds = (ms: number): string => String(ms / 1000);

type Line = (name: string, labels: string, e: LastResult) => string;

/** One line (or none, or several) per service for each family, in SERVICE_FAMILIES order. */
const LINES: readonly Line[] = [
  (name, l, e) => `${name}{${l}} ${e.result.ok ? 1 : 0}\n`,
  (name, l, e) => `${name}{${l}} ${STATE_VALUE[e.result.state]}\n`,
  (name, l, e) => {
    const r = e.result;
    const pre = `${name}{${l},phase="`;
    let out = '';
    if (r.dnsMs !== null) out += `${pre}dns"} ${seconds(r.dnsMs)}\n`;
    if (r.connectMs !== null) out += `${pre}connect"} ${seconds(r.connectMs)}\n`;
    if (r.tlsMs !== null) out += `${pre}tls"} ${seconds(r.tlsMs)}\n`;
    if (r.ttfbMs !== null) out += `${pre}ttfb"} ${seconds(r.ttfbMs)}\n`;
    if (r.transferMs !== null) out += `${pre}transfer"} ${seconds(r.transferMs)}\n`;
    if (r.durationMs !== null) out += `${pre}total"} ${seconds(r.durationMs)}\n`;
    return out;
  },
  (name, l, e) => (e.result.statusCode === null ? '' : `${name}{${l}} ${e.result.statusCode}\n`),
  (name, l, e) => {
    const at = e.result.certChainExpiresAt ?? e.result.certExpiresAt;
    return at === null ? '' : `${name}{${l}} ${seconds(at)}\n`;
  },
];

/** How many per-service families there are (the index range of the functions below). */
export const SERVICE_FAMILY_COUNT = LINES.length;

/** The HELP and TYPE lines of family `index` of SERVICE_FAMILIES. */
export function serviceFamilyHeader(index: number): string {
  const [name, help] = SERVICE_FAMILIES[index] as readonly [string, string];
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
}

/**
 * The lines of family `index` for `entries[from..to)` with their label texts `labels`
 * (ServiceLabels.of, same order). Built by concatenation: V8 joins the pieces lazily, measured
 * faster here than an array join.
 */
export function renderServiceLines(
  index: number,
  entries: readonly LastResult[],
  labels: readonly string[],
  from = 0,
  to = entries.length,
): string {
  const name = (SERVICE_FAMILIES[index] as readonly [string, string])[0];
  const line = LINES[index] as Line;
  let out = '';
  for (let i = from; i < to; i++) out += line(name, labels[i] as string, entries[i] as LastResult);
  return out;
}
