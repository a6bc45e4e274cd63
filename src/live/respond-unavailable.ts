import type { ServerResponse } from 'node:http';
import { send } from './respond.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * 503 with a one-line JSON error: the live view cannot answer now (its worker is restarting). The
 * page's script shows it and polls again; `monitor status` then reads the database itself.
 */
export function sendUnavailable(res: ServerResponse, err: unknown): void {
  const why = err instanceof Error ? err.message : String(err);
  const body = JSON.stringify({ error: `live view unavailable: ${why.split('\n')[0]}` });
  send(res, 503, body, JSON_TYPE, { 'retry-after': '5' });
}
