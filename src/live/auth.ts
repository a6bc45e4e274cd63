import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The bearer token check. Both sides are hashed first, so the comparison takes the same time
 * whatever the length or the content of what was sent (timingSafeEqual needs equal lengths).
 */
export function bearerCheck(token: string): (req: IncomingMessage, queryToken?: string | null) => boolean {
  const want = createHash('sha256').update(token, 'utf8').digest();
  const same = (sent: string) => timingSafeEqual(createHash('sha256').update(sent, 'utf8').digest(), want);
  return (req, queryToken = null) => {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return queryToken !== null && same(queryToken);
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return same(m?.[1] ?? '') && m !== null;
  };
}
