import { Worker } from 'node:worker_threads';

/**
 * An HTTP client in its own thread: a test that measures the main thread's busy time of a server
 * must not count the client reading and parsing megabytes of answer on that same thread.
 */
export interface ThreadClient {
  get(url: string): Promise<{ status: number; bytes: number; body: string }>;
  close(): Promise<void>;
}

const CODE = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
parentPort.on('message', ({ id, url, limit }) => {
  http.get(url, (res) => {
    const chunks = [];
    let bytes = 0;
    res.on('data', (d) => { bytes += d.length; if (bytes < limit) chunks.push(d); });
    res.on('end', () => parentPort.postMessage({ id, status: res.statusCode, bytes,
      body: bytes < limit ? Buffer.concat(chunks).toString('utf8') : '' }));
  }).on('error', (e) => parentPort.postMessage({ id, status: 0, bytes: 0, body: String(e.message) }));
});
`;

/** `keepBodyBelow`: bodies shorter than this many bytes come back as text (default 64 KiB). */
export function threadClient(keepBodyBelow = 65_536): ThreadClient {
  const w = new Worker(CODE, { eval: true });
  const waiting = new Map<number, (r: { status: number; bytes: number; body: string }) => void>();
  let next = 1;
  w.on('message', (m: { id: number; status: number; bytes: number; body: string }) => {
    waiting.get(m.id)?.({ status: m.status, bytes: m.bytes, body: m.body });
    waiting.delete(m.id);
  });
  return {
    get(url) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        w.postMessage({ id, url, limit: keepBodyBelow });
      });
    },
    async close() {
      await w.terminate();
    },
  };
}
