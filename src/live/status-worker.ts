/**
 * Worker thread body of the live view's answers (see status-worker-client.ts): its own read-only
 * connection to the local database (WAL: it reads while the daemon's connection writes), the
 * status computation of status-source.ts, and the serialisation — JSON of /api/status, the HTML of
 * the page, a service's history — so the daemon's event loop, which runs the scheduler and records
 * the probe results, only writes the bytes out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openLocalReadOnly } from '../db/local/read-only.js';
import { renderPage } from './page.js';
import type { FromStatusWorker, StatusRequest, StatusWorkerData, ToStatusWorker } from './status-protocol.js';
import { createStatusSource, type LiveService } from './status-source.js';
import type { ServiceStatus } from './types.js';

const data = workerData as StatusWorkerData;
const port = parentPort;
if (port === null) throw new Error('status-worker.ts runs as a worker thread');

const now = data.fixedNow === null ? Date.now : () => data.fixedNow as number;
let services: readonly LiveService[] = data.services;
const sqlite = openLocalReadOnly(data.path);
// Thrown as a plain Error: it reaches the main thread's 'error' event with its message.
if (sqlite === null) throw new Error(`no local database at ${data.path}`);
const source = createStatusSource({ sqlite, services: () => services, now });
let list: { at: number; value: ServiceStatus[] } | null = null;

function statusList(): ServiceStatus[] {
  const t = Date.now();
  if (list === null || t - list.at >= data.listReuseMs) list = { at: t, value: source.status() };
  return list.value;
}

const encoder = new TextEncoder();

function answer(m: StatusRequest): Uint8Array | null {
  switch (m.type) {
    case 'status': {
      const all = statusList();
      return encoder.encode(
        JSON.stringify(data.public ? all.map((s) => ({ ...s, url: '', origin: '' })) : all),
      );
    }
    case 'page':
      return encoder.encode(renderPage(statusList(), { public: data.public, now: now() }));
    case 'history': {
      const buckets = source.history(m.key, m.from, m.to, m.step);
      if (buckets === null) return null;
      return encoder.encode(JSON.stringify({ key: m.key, from: m.from, to: m.to, step: m.step, buckets }));
    }
  }
}

function reply(m: FromStatusWorker): void {
  const body = m.ok ? m.body : null;
  // Transferred, not copied; a view into a shared buffer is copied out first (never happens with
  // TextEncoder, but a detached pool would break every later answer).
  if (body !== null && (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength)) {
    port?.postMessage({ ...m, body: body.slice() });
    return;
  }
  port?.postMessage(m, body === null ? [] : [body.buffer as ArrayBuffer]);
}

port.on('message', (m: ToStatusWorker) => {
  if (m.type === 'close') {
    try {
      sqlite.close();
    } finally {
      port.close();
    }
    return;
  }
  if (m.type === 'services') {
    services = m.services;
    list = null;
    return;
  }
  try {
    reply({ id: m.id, ok: true, body: answer(m) });
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    reply({ id: m.id, ok: false, error: text.split('\n')[0] ?? 'error' });
  }
});
