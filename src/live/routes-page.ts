import type { LiveAnswers } from './cached-status.js';
import { PAGE_HEADERS } from './page.js';
import { send } from './respond.js';
import { sendUnavailable } from './respond-unavailable.js';
import type { Route } from './server.js';

/**
 * GET / — the status page (src/live/page.ts), rendered by the status worker. The token may come as
 * `?token=` here only: a browser cannot add a header to the page it opens; the page's script then
 * sends it as a bearer header. While the worker cannot answer, 503 with a one-line JSON error.
 */
export function pageRoutes(answers: LiveAnswers): Route[] {
  return [
    {
      path: '/',
      queryToken: true,
      async handler(_ctx, res) {
        let html: Buffer;
        try {
          html = await answers.page();
        } catch (e) {
          sendUnavailable(res, e);
          return;
        }
        send(res, 200, html, 'text/html; charset=utf-8', { ...PAGE_HEADERS });
      },
    },
  ];
}
