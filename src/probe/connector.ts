import type { Socket } from 'node:net';
import { buildConnector } from 'undici';

/** How far connection attempts to one host:port have got, for deadline messages. */
export type ConnectStage = 'tcp' | 'tls' | null;

export type TrackingConnectorOptions = buildConnector.BuildOptions & {
  /** The most any connection attempt may take, in ms. Default 10000 (undici's). */
  timeout?: number;
  /**
   * The longest a connection attempt (TCP + TLS) to `hostPort` may take, in ms: the longest
   * timeout of the services probed there; capped by `timeout`. Default: `timeout`.
   */
  timeoutFor?: (hostPort: string) => number | undefined;
};

export interface TrackingConnector {
  connect: buildConnector.connector;
  /** 'tcp' while a TCP connect to `hostPort` is pending, 'tls' while only handshakes are, else null. */
  stageOf(hostPort: string): ConnectStage;
  /** Destroys the connection attempts still in progress to `hostPort` (nobody waits for them). */
  abandon(hostPort: string): void;
  /** Destroys every connection attempt in progress. */
  abandonAll(): void;
}

/** `host:port` as both the connector and the prober spell it. */
export function hostPortKey(hostname: string, port: string, protocol: string): string {
  return `${hostname}:${port || (protocol === 'https:' ? '443' : '80')}`;
}

interface Attempts {
  tcp: number;
  tls: number;
  sockets: Set<Socket>;
}

/** The error a connection attempt ends with when its probes have all given up. */
export class ConnectAbandonedError extends Error {
  readonly code = 'E_CONNECT_ABANDONED';
  constructor(hostPort: string) {
    super(`connection attempt to ${hostPort} abandoned: its probes ended`);
    this.name = 'ConnectAbandonedError';
  }
}

/**
 * undici's connector, plus what undici does not do: a connection attempt belongs to the pool, not
 * to the request, so aborting the request leaves the TCP connect or TLS handshake running until
 * the connector's timeout (30 s had a black-holed handshake hold a socket that long after every
 * probe of it had ended: a few hundred such services exhaust the file descriptors). Here an attempt
 * lasts at most the longest service timeout of its host:port, and the prober abandons it as soon
 * as no probe of that host:port is in flight. The counts per host:port also let a probe at its
 * deadline say "TCP connect" or "TLS handshake" instead of a vague timeout. Counting is per
 * connection, not per request, so it costs nothing on reuse.
 */
export function createTrackingConnector(options: TrackingConnectorOptions): TrackingConnector {
  const { timeoutFor, ...buildOptions } = options;
  const fallbackTimeout = options.timeout ?? 10_000;
  // undici's own timer stays as a backstop; ours is the one that normally fires.
  const base = buildConnector(buildOptions);
  const pending = new Map<string, Attempts>();

  const connect: buildConnector.connector = (opts, callback) => {
    const key = hostPortKey(opts.hostname, opts.port, opts.protocol);
    let entry = pending.get(key);
    if (!entry) {
      entry = { tcp: 0, tls: 0, sockets: new Set() };
      pending.set(key, entry);
    }
    const e = entry;
    const tls = opts.protocol === 'https:';
    let stage: 'tcp' | 'tls' | 'done' = 'tcp';
    let timer: NodeJS.Timeout | undefined;
    e.tcp++;
    const forget = () => {
      if (e.tcp === 0 && e.tls === 0 && e.sockets.size === 0) pending.delete(key);
    };
    const settle = () => {
      if (stage === 'tcp') e.tcp--;
      else if (stage === 'tls') e.tls--;
      stage = 'done';
      clearTimeout(timer);
      if (socket) e.sockets.delete(socket);
      forget();
    };
    // undici's connector returns the socket although its type says void.
    const socket = (base as (...a: Parameters<buildConnector.connector>) => unknown)(opts, (err, sock) => {
      settle();
      if (err) callback(err, null);
      else callback(null, sock!);
    }) as Socket | undefined;
    if (!socket) return;
    e.sockets.add(socket);
    const limit = Math.min(timeoutFor?.(key) ?? fallbackTimeout, fallbackTimeout);
    timer = setTimeout(() => {
      const err = Object.assign(new Error(`connect to ${key} took longer than ${limit} ms`), {
        code: 'UND_ERR_CONNECT_TIMEOUT',
      });
      socket.destroy(err);
    }, limit);
    timer.unref();
    socket.once('connect', () => {
      if (stage !== 'tcp') return;
      e.tcp--;
      if (tls) {
        e.tls++;
        stage = 'tls';
      } else {
        stage = 'done';
        forget();
      }
    });
  };

  function abandon(hostPort: string): void {
    const e = pending.get(hostPort);
    if (!e) return;
    for (const s of [...e.sockets]) s.destroy(new ConnectAbandonedError(hostPort));
  }

  return {
    connect,
    stageOf(hostPort) {
      const e = pending.get(hostPort);
      if (!e) return null;
      return e.tcp > 0 ? 'tcp' : e.tls > 0 ? 'tls' : null;
    },
    abandon,
    abandonAll() {
      for (const key of [...pending.keys()]) abandon(key);
    },
  };
}
