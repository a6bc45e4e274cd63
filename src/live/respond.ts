import type { ServerResponse } from 'node:http';

/**
 * Every answer of the live view: never cached by a proxy, never sniffed into another type, never
 * framed. Bodies are built by the routes from data, never from files.
 */
const BASE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  extra: Record<string, string> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': contentType,
    'content-length': String(buf.length),
    ...extra,
  });
  res.end(buf);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  extra?: Record<string, string>,
): void {
  send(res, status, `${text}\n`, 'text/plain; charset=utf-8', extra);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}
