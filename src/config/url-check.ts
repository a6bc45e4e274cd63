import { URL_MAX_LENGTH } from './types.js';
import { decodePart, maskUri } from './uri.js';

/** The URL rule of services and HTTP alert channels, and the one way a long value is cut in a message. */

/** Long values are cut in messages so that a 3000-character URL still gives a one-line error. */
export function preview(value: string, max = 80): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}… (${value.length} characters)` : oneLine;
}

export function checkUrl(url: string): string | null {
  const shown = maskUri(url);
  if (url.length > URL_MAX_LENGTH) {
    return `URL is ${url.length} characters long; at most ${URL_MAX_LENGTH} are allowed`;
  }
  if (/\s/.test(url)) return `URL must not contain spaces: '${preview(shown)}'`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `URL must be absolute and start with http:// or https://, got '${preview(shown)}'`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return `URL must start with http:// or https://, got '${preview(shown)}'`;
  }
  // WHATWG URL parsing turns 'http:///path' into host 'path'; require the host to be spelled out.
  if (!u.hostname || !/^https?:\/\/[^/?#]/i.test(url)) return `URL has no host: '${preview(shown)}'`;
  if (u.port === '0') return `URL port must be 1..65535, got 0: '${preview(shown)}'`;
  // Sent as Basic auth, so it must decode; a raw % would otherwise be sent as something else.
  for (const [part, text] of [
    ['user name', u.username],
    ['password', u.password],
  ] as const) {
    const decoded = decodePart(text, `URL ${part}`);
    if (typeof decoded !== 'string') return `${decoded.error}: '${preview(shown)}'`;
  }
  return null;
}
