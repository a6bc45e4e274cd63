import type { HistoryBucket, ServiceStatus } from './types.js';

/**
 * The status page's HTML pieces, written once for two places: the server renders the first page
 * with them, and the page's script re-renders rows with the very same functions (their source is
 * injected into it by page-script.ts, so there is one escape function, not two that drift).
 * Hence the rules of this file: each function is self-contained — it calls only functions of
 * this file (listed in PAGE_RENDER_FNS), no imports, no module constants, no TypeScript-only
 * runtime syntax.
 */

/** Escapes text for HTML content and quoted attribute values; null and undefined become ''. */
export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** "12 s", "5 min", "3 h", "4 d". */
export function fmtAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

export function fmtMs(v: number | null | undefined): string {
  return v == null ? '–' : `${Math.round(v).toLocaleString('en-US')} ms`;
}

export function fmtPct(v: number | null | undefined): string {
  if (v == null) return '–';
  const p = v * 100;
  return `${p >= 99.995 || p === 0 ? p.toFixed(0) : p.toFixed(2)} %`;
}

/** A state's class, symbol and word: the state never rests on colour alone. */
export function stateCell(state: string | null | undefined): string {
  const st = state ?? 'none';
  const sym = { up: '✓', degraded: '▲', down: '✕', unknown: '?', none: '·' }[st] ?? '?';
  const word = state ?? 'no data';
  return `<span class="st st-${escapeHtml(st)}"><span aria-hidden="true">${sym}</span> ${escapeHtml(word)}</span>`;
}

/** Public mode shows the key (a hash): no URL, host or path. */
export function serviceLabel(s: ServiceStatus, pub: boolean): string {
  if (pub) return `<span class="key">${escapeHtml(s.key)}</span>`;
  const text = `${s.method && s.method !== 'GET' ? `${s.method} ` : ''}${s.url}`;
  // Only http(s) URLs become links: nothing else (javascript:, data:) is ever an href.
  if (!/^https?:\/\//i.test(s.url ?? '')) return escapeHtml(text);
  return `<a href="${escapeHtml(s.url)}" rel="noopener noreferrer">${escapeHtml(text)}</a>`;
}

/** One service's table row; the history cell is filled later by the script. */
export function rowHtml(s: ServiceStatus, pub: boolean, now: number): string {
  const since =
    s.since == null
      ? '–'
      : `<time datetime="${new Date(s.since).toISOString()}" title="${new Date(s.since).toISOString()}">${fmtAge(now - s.since)}</time>`;
  let detail = '';
  if (!pub && s.state && s.state !== 'up') {
    const d = [s.lastStatusCode == null ? '' : `HTTP ${s.lastStatusCode}`, s.lastErrorClass ?? ''];
    detail = ` <span class="detail">${escapeHtml(d.filter(Boolean).join(' · '))}</span>`;
  }
  const inc = s.openIncident;
  let incident = '–';
  if (inc && pub) incident = `<span class="inc">open (${escapeHtml(inc.kind)})</span>`;
  if (inc && !pub) {
    incident = `<span class="inc">${escapeHtml(inc.kind)} for ${fmtAge(now - inc.openedAt)}</span> <span class="detail">${escapeHtml(inc.cause)}</span>`;
  }
  const cells = [
    `<td class="svc">${serviceLabel(s, pub)}</td>`,
    `<td>${stateCell(s.state)}${detail}</td>`,
    `<td>${since}</td>`,
    pub ? '' : `<td class="num">${fmtMs(s.latencyP50Ms)} / ${fmtMs(s.latencyP95Ms)}</td>`,
    `<td class="num">${fmtPct(s.uptime24h)}</td>`,
    '<td class="hist"></td>',
    `<td>${incident}</td>`,
  ];
  return `<tr data-key="${escapeHtml(s.key)}">${cells.join('')}</tr>`;
}

/** True when every word of the query is in the service's key, URL (not in public mode) or state. */
export function matchesQuery(s: ServiceStatus, query: string, pub: boolean): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = `${s.key} ${pub ? '' : `${s.url} ${s.method}`} ${s.state ?? 'no data'}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/**
 * Services grouped by origin (groups in order of first appearance, config order inside); public
 * mode keeps config order and has no groups, since an origin is part of a URL.
 */
export function groupOrder(list: ServiceStatus[], pub: boolean): ServiceStatus[] {
  if (pub) return list;
  const groups = new Map<string, ServiceStatus[]>();
  for (const s of list) {
    const g = groups.get(s.origin);
    if (g) g.push(s);
    else groups.set(s.origin, [s]);
  }
  return [...groups.values()].flat();
}

/** Rows of one page (0-based) of an already grouped list, with a group heading where the origin changes. */
export function pageRowsHtml(
  list: ServiceStatus[],
  pub: boolean,
  now: number,
  page: number,
  per: number,
): string {
  const out: string[] = [];
  let origin: string | null = null;
  for (const s of list.slice(page * per, (page + 1) * per)) {
    if (!pub && s.origin !== origin) {
      origin = s.origin;
      out.push(`<tr class="group"><th colspan="7" scope="rowgroup">${escapeHtml(origin)}</th></tr>`);
    }
    out.push(rowHtml(s, pub, now));
  }
  if (out.length === 0) out.push('<tr><td colspan="7" class="empty">No service matches.</td></tr>');
  return out.join('');
}

/** "1–100 of 10,000 services · 9,990 up · 5 degraded · 5 down". */
export function summaryText(list: ServiceStatus[], shown: number, page: number, per: number): string {
  const c: Record<string, number> = { up: 0, degraded: 0, down: 0, unknown: 0, 'no data': 0 };
  for (const s of list) c[s.state ?? 'no data'] = (c[s.state ?? 'no data'] ?? 0) + 1;
  const first = shown === 0 ? 0 : page * per + 1;
  const last = Math.min(shown, (page + 1) * per);
  const counts = Object.keys(c)
    .filter((k) => c[k])
    .map((k) => `${(c[k] as number).toLocaleString('en-US')} ${k}`);
  const range = `${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} of ${shown.toLocaleString('en-US')}`;
  return [`${range} services shown`, ...counts].join(' · ');
}

/**
 * The uptime bar (one rect per bucket: up, degraded, down or no data) and, unless public, the
 * latency sparkline, as inline SVG. `buckets` may be sparse; slot i covers [from + i·step, …).
 */
export function historyHtml(
  buckets: HistoryBucket[],
  from: number,
  step: number,
  slots: number,
  pub: boolean,
): string {
  const kinds: string[] = new Array(slots).fill('none');
  const lat: (number | null)[] = new Array(slots).fill(null);
  for (const b of buckets) {
    const i = Math.round((b.at - from) / step);
    if (i < 0 || i >= slots) continue;
    const real = b.n - b.missed;
    kinds[i] = real <= 0 ? 'none' : b.down > 0 ? 'down' : b.degraded > 0 ? 'degraded' : 'up';
    lat[i] = b.latencyAvgMs;
  }
  const count = (k: string) => kinds.filter((x) => x === k).length;
  const label = `last ${slots} buckets: ${count('up')} up, ${count('degraded')} degraded, ${count('down')} down, ${count('none')} no data`;
  const rects = kinds
    .map((k, i) => `<rect class="b-${k}" x="${i * 2}" y="0" width="1.6" height="14"/>`)
    .join('');
  let svg = `<svg class="bar" viewBox="0 0 ${slots * 2} 14" width="${slots * 2}" height="14" role="img" aria-label="${label}"><title>${label}</title>${rects}</svg>`;
  const vals = lat.filter((v): v is number => v != null);
  if (!pub && vals.length > 0) {
    const max = Math.max(...vals, 1);
    const lines: string[] = [];
    let cur: string[] = [];
    lat.forEach((v, i) => {
      if (v != null) cur.push(`${i},${(14 - (v / max) * 13).toFixed(1)}`);
      if ((v == null || i === slots - 1) && cur.length > 0) {
        // A lone point is drawn as a short dash.
        if (cur.length === 1)
          cur.push(`${Number((cur[0] as string).split(',')[0]) + 0.8},${(cur[0] as string).split(',')[1]}`);
        lines.push(`<polyline points="${cur.join(' ')}"/>`);
        cur = [];
      }
    });
    const t = `latency average ${Math.round(Math.min(...vals))}–${Math.round(max)} ms`;
    svg += ` <svg class="spark" viewBox="0 0 ${slots} 14" width="${slots}" height="14" role="img" aria-label="${t}"><title>${t}</title>${lines.join('')}</svg>`;
  }
  return svg;
}

/** The functions above, in the order the page's script defines them. */
export const PAGE_RENDER_FNS = [
  escapeHtml,
  fmtAge,
  fmtMs,
  fmtPct,
  stateCell,
  serviceLabel,
  rowHtml,
  matchesQuery,
  groupOrder,
  pageRowsHtml,
  summaryText,
  historyHtml,
];
