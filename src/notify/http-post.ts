import { request } from 'undici';
import { untilAborted } from '../util/until-aborted.js';
import type { Delivery } from './channel.js';
import { type Attempt, failedOutcome, httpOutcome } from './outcome.js';

/** Most of an answer read: enough for a detail, never a large error page held in memory. */
export const ANSWER_LIMIT_BYTES = 4096;

export interface HttpPost {
  body: string | Buffer;
  /** Content-Type of `body`. */
  contentType: string;
  /** Headers of the channel type (the channel's own headers are added after these and win). */
  headers?: Record<string, string>;
}

/**
 * POSTs `post` to the channel's target and classifies the answer (outcome.ts). Every HTTP channel
 * sends through here, so each gets the same `Idempotency-Key`, `User-Agent`, deadline and bounded
 * read. The answer's body is always read to ANSWER_LIMIT_BYTES and the rest destroyed, or the
 * connection pool would stall on it. Throws on connection errors and at the deadline.
 */
export async function postHttp(d: Delivery, post: HttpPost): Promise<Attempt> {
  let url: URL;
  try {
    url = new URL(d.channel.target);
  } catch {
    return failedOutcome(`channel ${d.channel.name}: target is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return failedOutcome(`channel ${d.channel.name}: target must be an http:// or https:// URL`);
  const headers: Record<string, string> = {
    'content-type': post.contentType,
    'idempotency-key': d.event.event_id,
    'user-agent': d.userAgent,
  };
  for (const [name, value] of Object.entries({ ...post.headers, ...d.channel.headers }))
    headers[name.toLowerCase()] = value;
  const pending = request(url, {
    method: 'POST',
    headers,
    body: post.body,
    signal: d.signal,
    dispatcher: d.dispatcher,
  });
  const res = await untilAborted(pending, d.signal);
  const answer = await readAnswer(res.body);
  const retryAfter = res.headers['retry-after'];
  return httpOutcome(res.statusCode, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, answer);
}

async function readAnswer(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      // Leaving the loop destroys the rest of the body.
      if (size >= ANSWER_LIMIT_BYTES) break;
    }
  } catch {
    // A body cut short still classifies by its status; the detail shows what arrived.
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_LIMIT_BYTES).toString('utf8');
}
