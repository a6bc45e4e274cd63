import { createHash } from 'node:crypto';
import { escapeHtml, groupOrder, pageRowsHtml, summaryText } from './page-render.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { ServiceStatus } from './types.js';

export interface PageOptions {
  /** Names and states only: no URL, origin, latency, error or incident cause. */
  public: boolean;
  /** The page's heading and <title>. Default "Status". */
  title?: string;
  /** Epoch ms the "since" ages are measured from. */
  now: number;
  /** Rows per page. Default 100. */
  perPage?: number;
  /** How often the script fetches `api/status`, ms. Default 5000. */
  refreshMs?: number;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The Content-Security-Policy to serve the page with: only the page's own inline script and style
 * run (by hash), fetches go to the same origin only, no frames, no forms elsewhere. A defence
 * behind the escaping: an injected <script> would not run even if escaping ever failed.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(PAGE_SCRIPT)}`,
  `style-src ${hash(PAGE_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Headers for `GET /`. `no-referrer`: the page URL may carry `?token=`, and a click on a service
 * link must not send it to that service.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/**
 * The status page: the first page of rows rendered here, so first paint needs no script; the
 * inline script then refreshes, searches and pages (page-script.ts). Every value from a service
 * passes through escapeHtml.
 */
export function renderPage(statuses: ServiceStatus[], options: PageOptions): string {
  const pub = options.public;
  const per = options.perPage ?? 100;
  const title = options.title ?? 'Status';
  const list = groupOrder(statuses, pub);
  const pages = Math.max(1, Math.ceil(list.length / per));
  const head = [
    '<th scope="col">Service</th>',
    '<th scope="col">State</th>',
    '<th scope="col">Since</th>',
    pub ? '' : '<th scope="col">Latency p50 / p95 (1 h)</th>',
    '<th scope="col">Uptime 24 h</th>',
    '<th scope="col">History</th>',
    '<th scope="col">Open incident</th>',
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body data-public="${pub ? 1 : 0}" data-per="${per}" data-refresh="${options.refreshMs ?? 5000}" data-updated="${options.now}">
<header>
<h1>${escapeHtml(title)}</h1>
<label for="q">Search</label>
<input id="q" type="search" placeholder="${pub ? 'key or state' : 'URL, key or state'}" autocomplete="off">
<label for="range">History</label>
<select id="range"><option value="m">90 minutes</option><option value="h">90 hours</option><option value="d">90 days</option></select>
</header>
<main>
<p id="summary" role="status">${escapeHtml(summaryText(list, list.length, 0, per))}</p>
<p id="stale" role="alert"></p>
<table>
<thead><tr>${head}</tr></thead>
<tbody id="rows">${pageRowsHtml(list, pub, options.now, 0, per)}</tbody>
</table>
<nav class="pager" aria-label="Pages">
<button type="button" id="prev" disabled>← Previous</button>
<span id="page">Page 1 of ${pages}</span>
<button type="button" id="next"${pages > 1 ? '' : ' disabled'}>Next →</button>
</nav>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
