import type { Readable } from 'node:stream';

export interface BodyPrefix {
  /** The bytes kept (at most `cap`); empty when `keep` is false. */
  bytes: Buffer;
  /** Bytes received from the socket, including the part of the last chunk past the cap. */
  bytesRead: number;
  /** More body followed the cap and was cancelled. */
  truncated: boolean;
}

/**
 * Reads at most `cap` bytes of a response body, then destroys the stream so the rest is never
 * downloaded (the connection is dropped rather than drained: draining a 1 GB body would hold the
 * pool slot for as long as it takes). `progress` sees the count even when the read fails. Never decompresses — the prober sends no accept-encoding, so
 * a gzip bomb is only its compressed bytes here. On error the stream is destroyed before rethrowing:
 * a body left half-read would keep its connection busy and stall the pool.
 */
export async function readBodyPrefix(
  body: Readable,
  cap: number,
  keep: boolean,
  progress?: { bytesRead: number },
): Promise<BodyPrefix> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let bytesRead = 0;
  let truncated = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      if (progress) progress.bytesRead = bytesRead;
      const room = cap - kept;
      if (chunk.length > room) {
        if (keep && room > 0) chunks.push(chunk.subarray(0, room));
        kept = cap;
        truncated = true;
        break; // leaving for-await destroys the stream
      }
      if (keep) chunks.push(chunk);
      kept += chunk.length;
    }
  } finally {
    if (!body.destroyed && (truncated || !body.readableEnded)) body.destroy();
  }
  return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), bytesRead, truncated };
}
