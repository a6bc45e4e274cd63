import type { DeliveryOutcome } from '../queue/types.js';

/**
 * The rules from a receiver's answer (or a failure to get one) to a delivery outcome, one copy for
 * every channel: HTTP, SMTP and connection errors. An attempt's outcome without its duration; the
 * notifier measures that.
 */
export type Attempt = Omit<DeliveryOutcome, 'durationMs'>;

/** Longest Retry-After honoured: a receiver asking for days is asked again within the hour. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

/** How much of a receiver's answer goes into a detail. */
export const DETAIL_BODY_CHARS = 200;

/** `text` on one line (whitespace runs become one space), at most `max` characters. */
export function oneLine(text: string, max = DETAIL_BODY_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Only `scheme://host[:port]` of a URL: a webhook URL's path or query is often the secret itself
 * (Slack, Discord), so no detail ever shows more. Not a URL → '(target)'.
 */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(target)';
  }
}

/**
 * Retry-After as delay-seconds or an HTTP date → ms from `now`, at most RETRY_AFTER_CAP_MS; a
 * date in the past → 0; absent or unreadable → null.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, RETRY_AFTER_CAP_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), RETRY_AFTER_CAP_MS);
}

/** 2xx accepted; 408, 429 and 5xx retry (Retry-After honoured); any other status failed. */
export function httpOutcome(status: number, retryAfter: string | undefined, body: string): Attempt {
  const said = oneLine(body);
  const detail = said ? `HTTP ${status}: ${said}` : `HTTP ${status}`;
  if (status >= 200 && status < 300) return { status: 'accepted', code: status, detail, retryAfterMs: null };
  if (status === 408 || status === 429 || status >= 500)
    return { status: 'retry', code: status, detail, retryAfterMs: parseRetryAfter(retryAfter) };
  return { status: 'failed', code: status, detail, retryAfterMs: null };
}

/** An SMTP reply: 2xx accepted, 4xx (try later) retry, 5xx (refused for good) failed. */
export function smtpOutcome(code: number, message: string): Attempt {
  const detail = `SMTP ${code}: ${oneLine(message)}`;
  if (code >= 200 && code < 300) return { status: 'accepted', code, detail, retryAfterMs: null };
  if (code >= 400 && code < 500) return { status: 'retry', code, detail, retryAfterMs: null };
  return { status: 'failed', code, detail, retryAfterMs: null };
}

/** Retry: the receiver may be back later (timeouts, refused or reset connections, TLS trouble). */
export function retryOutcome(detail: string): Attempt {
  return { status: 'retry', code: null, detail: oneLine(detail), retryAfterMs: null };
}

/** Failed: no later attempt can do better (a bad target, a missing variable, no such program). */
export function failedOutcome(detail: string): Attempt {
  return { status: 'failed', code: null, detail: oneLine(detail), retryAfterMs: null };
}

/** The deadline passed, or the caller gave up (shutdown): retry either way. */
export function abortedOutcome(timedOut: boolean, timeoutMs: number): Attempt {
  return retryOutcome(timedOut ? `timeout after ${timeoutMs} ms` : 'aborted (shutting down)');
}

/**
 * A connection-class error (undici's or node's `err.code`, e.g. UND_ERR_CONNECT_TIMEOUT,
 * UND_ERR_SOCKET, ECONNREFUSED, CERT_HAS_EXPIRED) → retry with `code: message` as the detail.
 */
export function errorOutcome(err: unknown): Attempt {
  return retryOutcome(describeError(err));
}

/** `code: message`, one line, of any thrown value. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return oneLine(String(err));
  const code = (err as { code?: unknown }).code;
  const msg = err.message || err.name;
  return oneLine(typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg);
}
