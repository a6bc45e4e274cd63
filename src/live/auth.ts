import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The bearer token check. Both sides are hashed first, so the comparison takes the same time
 * whatever the length or the content of what was sent (timingSafeEqual needs equal lengths).
 */
export function bearerCheck(token: string): (req: IncomingMessage) => boolean {
  const want = createHash('sha256').update(token, 'utf8').digest();
  return (req) => {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const got = createHash('sha256')
      .update(m?.[1] ?? '', 'utf8')
      .digest();
    return timingSafeEqual(got, want) && m !== null;
  };
}
