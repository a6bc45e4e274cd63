/**
 * Standard output and error whose reader went away. A log shipper that restarts closes the pipe
 * under the daemon, `monitor … | head -1` closes it under the CLI: node then emits EPIPE (or EBADF
 * for a closed descriptor) as an 'error' event, which with no listener ends the process with a
 * stack trace. Guarded streams swallow that; writers ask `isBroken` and stop writing.
 */

const guarded = new WeakSet<NodeJS.WritableStream>();
const broken = new WeakSet<NodeJS.WritableStream>();

/** Error codes meaning "nobody reads this stream any more". */
const GONE = new Set(['EPIPE', 'EBADF', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function isBroken(stream: NodeJS.WritableStream): boolean {
  return broken.has(stream);
}

/**
 * From now on an error on `stream` marks it broken instead of ending the process; `onBroken` (if
 * given) runs once, on the first error whose code says the reader is gone. Idempotent per stream.
 */
export function guardStream(stream: NodeJS.WritableStream, onBroken?: () => void): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (err: unknown) => {
    const code = err && typeof err === 'object' && 'code' in err ? String(err.code) : '';
    // Any error on an output stream makes it useless; only the known ones are the reader leaving.
    const first = !broken.has(stream);
    broken.add(stream);
    if (first && GONE.has(code)) onBroken?.();
  });
}

/** Write unless the stream is broken; never throws (a closed descriptor can throw synchronously). */
export function safeWrite(stream: NodeJS.WritableStream, text: string): void {
  if (broken.has(stream)) return;
  try {
    stream.write(text);
  } catch {
    broken.add(stream);
  }
}
