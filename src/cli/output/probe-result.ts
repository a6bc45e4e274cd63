import type { ProbeResult, ProbeState } from '../../results/types.js';
import { renderTable } from './table.js';

/** How `monitor probe` prints its result. */
export const PROBE_FORMATS = ['table', 'json', 'nagios'] as const;
export type ProbeFormat = (typeof PROBE_FORMATS)[number];

/**
 * The exit code of `monitor probe`. Ours: 0 up, 1 down, 3 degraded (2 is a usage error). Nagios
 * plugin codes (--format nagios, so it can replace check_http): 0 OK, 1 WARNING (degraded),
 * 2 CRITICAL (down), 3 UNKNOWN (no verdict: nothing was probed).
 */
export function probeExitCode(state: ProbeState, format: ProbeFormat): number {
  if (format === 'nagios') return { up: 0, degraded: 1, down: 2, unknown: 3 }[state];
  return { up: 0, degraded: 3, down: 1, unknown: 1 }[state];
}

const NAGIOS_STATUS: Record<ProbeState, string> = {
  up: 'OK',
  degraded: 'WARNING',
  down: 'CRITICAL',
  unknown: 'UNKNOWN',
};

/** Plugin output is one line; `|` starts the performance data. */
const pluginText = (text: string) => text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '/');

const seconds = (ms: number | null) => (ms === null ? null : (ms / 1000).toFixed(6));

/** `HTTP OK - 200 in 12 ms | time=0.012000s;;;0.000000 size=11B;;;0 …`, as check_http prints it. */
export function nagiosLine(r: ProbeResult): string {
  const head = `HTTP ${NAGIOS_STATUS[r.state]}`;
  const what =
    r.state === 'up' ? `${r.statusCode} in ${r.durationMs} ms` : (r.errorMessage ?? r.errorClass ?? '');
  const perf = [`time=${seconds(r.durationMs ?? 0)}s;;;0.000000`, `size=${r.bytesRead}B;;;0`];
  const phases: [string, number | null][] = [
    ['dns', r.dnsMs],
    ['connect', r.connectMs],
    ['tls', r.tlsMs],
    ['ttfb', r.ttfbMs],
    ['transfer', r.transferMs],
  ];
  for (const [label, ms] of phases) if (ms !== null) perf.push(`${label}=${seconds(ms)}s;;;0.000000`);
  if (r.certChainExpiresAt !== null) {
    const days = (r.certChainExpiresAt - r.finishedAt) / 86_400_000;
    perf.push(`cert_expiry=${days.toFixed(2)}d;;;`);
  }
  return `${head} - ${pluginText(what)} | ${perf.join(' ')}`;
}

const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);

function regexVerdict(r: ProbeResult): string {
  if (r.errorClass === 'regex_timeout') return 'stopped: it ran past its time';
  if (r.regexMatched === null) return 'not run';
  return r.regexMatched ? 'matched' : 'no match';
}

/** The result as a Name/Value table, each condition on its own row with what was observed. */
export function probeTable(r: ProbeResult): string {
  const rows: [string, string][] = [
    ['url', r.url],
    ['method', r.method],
    ['state', r.state],
    ['ok', r.ok ? 'yes' : 'no'],
    ['status', r.statusCode === null ? '-' : String(r.statusCode)],
  ];
  if (r.state === 'degraded') rows.push(['degraded', `${r.errorClass}: ${r.errorMessage ?? ''}`]);
  else rows.push(['error', r.errorClass === null ? '-' : `${r.errorClass}: ${r.errorMessage ?? ''}`]);
  rows.push(['duration', ms(r.durationMs)]);
  rows.push([
    'phases',
    `dns ${ms(r.dnsMs)}, connect ${ms(r.connectMs)}, tls ${ms(r.tlsMs)}, ttfb ${ms(r.ttfbMs)}, transfer ${ms(r.transferMs)}`,
  ]);
  if (r.resolvedIp !== null) rows.push(['address', r.resolvedIp]);
  rows.push(['bytes read', `${r.bytesRead}${r.truncated ? ' (truncated at the cap)' : ''}`]);
  if (r.regexRequired) rows.push(['regex', `${r.regex ?? ''} → ${regexVerdict(r)}`]);
  if (r.tlsVersion !== null) {
    const expiry = (t: number | null) =>
      t === null
        ? '-'
        : `${new Date(t).toISOString()} (${((t - r.finishedAt) / 86_400_000).toFixed(1)} days)`;
    rows.push(['tls', `${r.tlsVersion}, issuer ${r.certIssuer ?? '-'}`]);
    rows.push(['certificate expires', expiry(r.certExpiresAt)]);
    rows.push(['chain expires', expiry(r.certChainExpiresAt)]);
  }
  for (const c of r.conditions ?? []) {
    // A degraded_when condition degrades when it holds; a condition fails when it does not.
    const mark = c.degrades ? (c.held ? 'WARN' : 'ok  ') : c.held ? 'ok  ' : 'FAIL';
    rows.push([
      c.degrades ? 'degraded when' : 'condition',
      `${mark} ${c.condition}  (observed ${c.observed ?? '-'})`,
    ]);
  }
  return renderTable(['Name', 'Value'], rows);
}
