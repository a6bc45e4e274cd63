import { PAGE_HEADERS, renderPage } from './page.js';
import { send } from './respond.js';
import type { Route } from './server.js';
import type { StatusSource } from './types.js';

/**
 * GET / — the status page (src/live/page.ts). The token may come as `?token=` here only: a browser
 * cannot add a header to the page it opens; the page's script then sends it as a bearer header.
 */
export function pageRoutes(
  source: () => StatusSource,
  options: { public: boolean; now?: () => number },
): Route[] {
  const now = options.now ?? Date.now;
  return [
    {
      path: '/',
      queryToken: true,
      handler(_ctx, res) {
        const html = renderPage(source().status(), { public: options.public, now: now() });
        send(res, 200, html, 'text/html; charset=utf-8', { ...PAGE_HEADERS });
      },
    },
  ];
}
