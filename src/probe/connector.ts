import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
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

/** What a TLS connection showed of its peer; read once, at the handshake. */
export interface TlsInfo {
  /** The negotiated version, e.g. 'TLSv1.3'. */
  version: string | null;
  /** The leaf certificate's issuer (its CN, else its O). */
  issuer: string | null;
  /** The leaf's notAfter, epoch ms. */
  leafExpiresAt: number | null;
  /** The earliest notAfter of the chain the server sent (leaf included), epoch ms. */
  chainExpiresAt: number | null;
}

/** How one connection was made, in performance.now() times; read by the prober for its phases. */
export interface ConnectionInfo {
  startedAt: number;
  /** When the name was resolved (absent for an IP address). */
  lookupAt: number | null;
  connectedAt: number | null;
  secureAt: number | null;
  tls: TlsInfo | null;
}

const connections = new WeakMap<Socket, ConnectionInfo>();

/** How `socket` was connected, if one of our connectors made it. */
export function connectionOf(socket: Socket): ConnectionInfo | undefined {
  return connections.get(socket);
}

const firstOf = (v: string | string[] | undefined): string | null =>
  v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;

function tlsInfoOf(socket: TLSSocket): TlsInfo {
  const leaf = socket.getPeerCertificate(true);
  const info: TlsInfo = {
    version: socket.getProtocol(),
    issuer: null,
    leafExpiresAt: null,
    chainExpiresAt: null,
  };
  if (!leaf?.valid_to) return info;
  info.issuer = firstOf(leaf.issuer?.CN) ?? firstOf(leaf.issuer?.O);
  info.leafExpiresAt = Date.parse(leaf.valid_to);
  let earliest = info.leafExpiresAt;
  // The chain ends at a self-signed certificate, which is its own issuer.
  const seen = new Set<object>([leaf]);
  for (let c = leaf.issuerCertificate; c && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    const t = Date.parse(c.valid_to);
    if (t < earliest) earliest = t;
  }
  info.chainExpiresAt = earliest;
  return info;
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
  // A resumed TLS session shows no certificate (the server does not send it again): its facts are
  // those of the full handshake the session came from, the last one to this host:port and name.
  const lastHandshake = new Map<string, TlsInfo>();

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
    const info: ConnectionInfo = {
      startedAt: performance.now(),
      lookupAt: null,
      connectedAt: null,
      secureAt: null,
      tls: null,
    };
    connections.set(socket, info);
    socket.once('lookup', () => {
      info.lookupAt = performance.now();
    });
    if (tls)
      socket.once('secureConnect', () => {
        info.secureAt = performance.now();
        const seen = tlsInfoOf(socket as TLSSocket);
        const name = `${key}|${opts.servername ?? ''}`;
        if (seen.leafExpiresAt === null && (socket as TLSSocket).isSessionReused()) {
          const full = lastHandshake.get(name);
          info.tls = full ? { ...full, version: seen.version } : seen;
        } else {
          // Bounded by the host:ports probed; a flood of redirect targets only restarts it.
          if (lastHandshake.size >= 10_000) lastHandshake.clear();
          lastHandshake.set(name, seen);
          info.tls = seen;
        }
      });
    const limit = Math.min(timeoutFor?.(key) ?? fallbackTimeout, fallbackTimeout);
    timer = setTimeout(() => {
      const err = Object.assign(new Error(`connect to ${key} took longer than ${limit} ms`), {
        code: 'UND_ERR_CONNECT_TIMEOUT',
      });
      socket.destroy(err);
    }, limit);
    timer.unref();
    socket.once('connect', () => {
      info.connectedAt = performance.now();
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
