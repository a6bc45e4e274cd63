import { parseDurationField } from '../config/alert-rules.js';
import type { LiveAnswers } from './cached-status.js';
import { send, sendJson } from './respond.js';
import { JSON_TYPE, sendUnavailable } from './respond-unavailable.js';
import type { Route } from './server.js';

/** Most buckets one history request may ask for. */
export const HISTORY_MAX_BUCKETS = 5_000;
const DAY_MS = 86_400_000;

/**
 * The JSON API: GET /api/status (every service, config order) and
 * GET /api/services/:key/history?from&to&step (from/to: epoch ms or ISO 8601, default the last
 * 24 h; step: ms or a duration such as 5m, default 1h). Bad parameters → 400, unknown key → 404.
 * The bodies are made by the status worker (public mode: URLs and origins blanked there); while it
 * cannot answer, 503 with a one-line JSON error.
 */
export function apiRoutes(answers: LiveAnswers, options: { now?: () => number } = {}): Route[] {
  const now = options.now ?? Date.now;
  return [
    {
      path: '/api/status',
      async handler(_ctx, res) {
        let body: Buffer;
        try {
          body = await answers.status();
        } catch (e) {
          sendUnavailable(res, e);
          return;
        }
        send(res, 200, body, JSON_TYPE);
      },
    },
    {
      path: /^\/api\/services\/([A-Za-z0-9_-]{1,64})\/history$/,
      async handler({ params, query }, res) {
        const key = params[0] as string;
        const to = instant(query.get('to'), now());
        const from = instant(query.get('from'), typeof to === 'number' ? to - DAY_MS : 0);
        const step = duration(query.get('step'));
        const problem =
          typeof from === 'string'
            ? `from: ${from}`
            : typeof to === 'string'
              ? `to: ${to}`
              : typeof step === 'string'
                ? step
                : from >= to
                  ? 'from must be before to'
                  : (to - from) / step > HISTORY_MAX_BUCKETS
                    ? `at most ${HISTORY_MAX_BUCKETS} buckets: widen step or narrow from..to`
                    : null;
        if (
          problem !== null ||
          typeof from === 'string' ||
          typeof to === 'string' ||
          typeof step === 'string'
        ) {
          sendJson(res, 400, { error: problem });
          return;
        }
        let body: Buffer | null;
        try {
          body = await answers.history(key, from, to, step);
        } catch (e) {
          sendUnavailable(res, e);
          return;
        }
        if (body === null) sendJson(res, 404, { error: 'no such service' });
        else send(res, 200, body, JSON_TYPE);
      },
    },
  ];
}

function instant(text: string | null, fallback: number): number | string {
  if (text === null || text === '') return fallback;
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : 'must be epoch milliseconds or an ISO 8601 time';
}

function duration(text: string | null): number | string {
  if (text === null || text === '') return 3_600_000;
  if (/^\d{1,10}$/.test(text)) {
    const ms = Number(text);
    return ms >= 1000 ? ms : 'step must be at least 1000 ms';
  }
  return parseDurationField('step', text.slice(0, 20));
}
