import { createHmac } from 'node:crypto';
import type { ChannelSender } from './channel.js';
import { postHttp } from './http-post.js';

/** `sha256=<hex HMAC-SHA256(secret, body)>`: the receiver recomputes it over the exact bytes it got. */
export function signatureOf(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * `webhook`: the NotifyEvent itself as JSON (docs/alerts.md lists the fields), signed in
 * `X-Monitor-Signature` when the channel has a secret.
 */
export const sendWebhook: ChannelSender = (d) => {
  const body = Buffer.from(JSON.stringify(d.event), 'utf8');
  const headers: Record<string, string> = {};
  if (d.channel.secret) headers['x-monitor-signature'] = signatureOf(d.channel.secret, body);
  return postHttp(d, { body, contentType: 'application/json', headers });
};
