import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/** How far connection attempts to one host:port have got, for deadline messages. */
export type ConnectStage = 'tcp' | 'tls' | null;

export interface TrackingConnector {
  connect: buildConnector.connector;
  /** 'tcp' while a TCP connect to `hostPort` is pending, 'tls' while only handshakes are, else null. */
  stageOf(hostPort: string): ConnectStage;
}

/** `host:port` as both the connector and the prober spell it. */
export function hostPortKey(hostname: string, port: string, protocol: string): string {
  return `${hostname}:${port || (protocol === 'https:' ? '443' : '80')}`;
}

/**
 * undici's connector with a count of attempts in progress per host:port. undici aborts a request
 * only once it is on a socket, so a probe that hits its deadline cannot tell by itself whether it
 * was still connecting; this lets its message say "TCP connect" or "TLS handshake" instead of a
 * vague timeout. Counting is per connection, not per request, so it costs nothing on reuse.
 */
export function createTrackingConnector(options: buildConnector.BuildOptions): TrackingConnector {
  const base = buildConnector(options);
  const pending = new Map<string, { tcp: number; tls: number }>();

  const connect: buildConnector.connector = (opts, callback) => {
    const key = hostPortKey(opts.hostname, opts.port, opts.protocol);
    let entry = pending.get(key);
    if (!entry) {
      entry = { tcp: 0, tls: 0 };
      pending.set(key, entry);
    }
    const e = entry;
    const tls = opts.protocol === 'https:';
    let stage: 'tcp' | 'tls' | 'done' = 'tcp';
    e.tcp++;
    const settle = () => {
      if (stage === 'tcp') e.tcp--;
      else if (stage === 'tls') e.tls--;
      stage = 'done';
      if (e.tcp === 0 && e.tls === 0) pending.delete(key);
    };
    // undici's connector returns the socket although its type says void.
    const socket = (base as (...a: Parameters<buildConnector.connector>) => unknown)(opts, (err, sock) => {
      settle();
      if (err) callback(err, null);
      else callback(null, sock!);
    }) as Socket | undefined;
    socket?.once('connect', () => {
      if (stage !== 'tcp') return;
      e.tcp--;
      if (tls) {
        e.tls++;
        stage = 'tls';
      } else {
        stage = 'done';
        if (e.tcp === 0 && e.tls === 0) pending.delete(key);
      }
    });
  };

  return {
    connect,
    stageOf(hostPort) {
      const e = pending.get(hostPort);
      if (!e) return null;
      return e.tcp > 0 ? 'tcp' : e.tls > 0 ? 'tls' : null;
    },
  };
}
