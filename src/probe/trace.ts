import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Which socket a probe's request went out on, and when. undici hands neither to the caller of
 * `request()`; its documented diagnostics channels do: `undici:request:create` is published
 * synchronously inside the `request()` call (when the request is not queued in the pool, which
 * the per-origin cap prevents: it equals the pool's connections), and `undici:client:sendHeaders`
 * names the socket the request is written to. A probe sets `tracing` around its `request()` call;
 * the request object carries the trace from there. A request created outside that window (a
 * redirect hop, one queued in the pool) is simply not traced: its probe then has no connection
 * phases, never wrong ones.
 */
export interface ProbeTrace {
  /** performance.now() when the request headers were written; null until then. */
  sentAt: number | null;
  /** The socket they were written to (its connection details: connector.ts). */
  socket: Socket | null;
}

let tracing: ProbeTrace | null = null;
const traces = new WeakMap<object, ProbeTrace>();

const onCreate = (message: unknown) => {
  if (tracing === null) return;
  traces.set((message as { request: object }).request, tracing);
  tracing = null;
};

const onSendHeaders = (message: unknown) => {
  const { request, socket } = message as { request: object; socket: Socket };
  const trace = traces.get(request);
  if (trace === undefined) return;
  trace.socket = socket;
  trace.sentAt = performance.now();
};

let subscribers = 0;

/** Subscribes to undici's channels while at least one prober is open. */
export function retainTracing(): () => void {
  if (subscribers++ === 0) {
    subscribe('undici:request:create', onCreate);
    subscribe('undici:client:sendHeaders', onSendHeaders);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--subscribers === 0) {
      unsubscribe('undici:request:create', onCreate);
      unsubscribe('undici:client:sendHeaders', onSendHeaders);
    }
  };
}

/** Runs `start` (which calls undici's `request()`) with `trace` attached to the request it creates. */
export function traced<T>(trace: ProbeTrace, start: () => T): T {
  tracing = trace;
  try {
    return start();
  } finally {
    tracing = null;
  }
}
