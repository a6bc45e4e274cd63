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
const ignore = () => {};

export function readBodyPrefix(
  body: Readable,
  cap: number,
  keep: boolean,
  progress?: { bytesRead: number },
): Promise<BodyPrefix> {
  // Events rather than for-await: the async iterator costs a promise per chunk and more garbage
  // per probe than the rest of the read (closed-loop prober benchmark).
  return new Promise<BodyPrefix>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let bytesRead = 0;
    const finish = (truncated: boolean) => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      // undici's body reports its own destroy() as an 'error' (UND_ERR_ABORTED): expected here.
      body.on('error', ignore);
      if (!body.destroyed && (truncated || !body.readableEnded)) body.destroy();
    };
    const onData = (chunk: Buffer) => {
      bytesRead += chunk.length;
      if (progress) progress.bytesRead = bytesRead;
      const room = cap - kept;
      if (chunk.length > room) {
        if (keep && room > 0) chunks.push(chunk.subarray(0, room));
        kept = cap;
        finish(true);
        resolve(result(true));
        return;
      }
      if (keep) chunks.push(chunk);
      kept += chunk.length;
    };
    const result = (truncated: boolean): BodyPrefix => ({
      bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
      bytesRead,
      truncated,
    });
    const onEnd = () => {
      finish(false);
      resolve(result(false));
    };
    const onError = (err: Error) => {
      finish(false);
      reject(err);
    };
    // Closed without 'end' or 'error' (destroyed from outside): as the stream module reports it.
    const onClose = () => {
      if (body.readableEnded) return;
      finish(false);
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}
