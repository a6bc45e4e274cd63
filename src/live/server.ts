import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MonitorError, toError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { bearerCheck } from './auth.js';
import { sendText } from './respond.js';

/** What a route handler gets besides the response. */
export interface RouteContext {
  req: IncomingMessage;
  /** The groups of the route's pattern (e.g. the service key of a history request). */
  params: readonly string[];
  query: URLSearchParams;
}

export interface Route {
  /** Matched against the raw request path (no decoding, no dot-segment removal). */
  path: string | RegExp;
  handler: (ctx: RouteContext, res: ServerResponse) => void | Promise<void>;
  /**
   * The token may come as `?token=` too: a browser cannot add a header to a page it opens (the
   * status page then sends it as a bearer header itself). Default false.
   */
  queryToken?: boolean;
  /** Served without the token (liveness only). Default false. */
  open?: boolean;
}

export interface LiveServerOptions {
  host: string;
  port: number;
  /** Required on every route but the open ones; null: no token (loopback or public mode). */
  token: string | null;
  routes: readonly Route[];
  logger: Logger;
  /** Connections held at once; more are refused. Default 256. */
  maxConnections?: number;
  /** A request's headers must arrive within this. Default 5,000 ms. */
  headersTimeoutMs?: number;
  /** A whole request must arrive within this. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5,000 ms. */
  keepAliveTimeoutMs?: number;
}

export interface LiveServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /**
   * Two-phase close: stop accepting and close idle connections, let requests in progress finish
   * for up to `graceMs` (default 1,000), then destroy what is left.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * The daemon's HTTP server: node:http, a fixed table of routes, no file serving (so no path can
 * reach the file system), the bearer token checked before routing, GET and HEAD only.
 * Resolves once listening; a port in use or a refused bind rejects with one line (exit 1).
 */
export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  const authorized = options.token === null ? () => true : bearerCheck(options.token);
  const log = options.logger;
  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(req, res, options.routes, authorized).catch((err: unknown) => {
      log.error({ module: 'http', err: toError(err).message }, 'live view request failed');
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });
  server.headersTimeout = options.headersTimeoutMs ?? 5_000;
  server.requestTimeout = options.requestTimeoutMs ?? 10_000;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5_000;
  server.maxConnections = options.maxConnections ?? 256;
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await listen(server, options.host, options.port);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    port,
    close: (graceMs = 1_000) => closeServer(server, graceMs),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  routes: readonly Route[],
  authorized: (req: IncomingMessage, queryToken: string | null) => boolean,
): Promise<void> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  let found: { route: Route; params: string[] } | null = null;
  for (const route of routes) {
    if (typeof route.path === 'string') {
      if (route.path === path) found = { route, params: [] };
    } else {
      const m = route.path.exec(path);
      if (m) found = { route, params: m.slice(1) };
    }
    if (found) break;
  }
  // The token before anything else: without it, not even whether a path exists is told.
  if (!found?.route.open && !authorized(req, found?.route.queryToken ? query.get('token') : null)) {
    sendText(res, 401, 'unauthorized: send Authorization: Bearer TOKEN', {
      'www-authenticate': 'Bearer realm="monitor"',
    });
    return;
  }
  if (!found) {
    sendText(res, 404, 'not found');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    return;
  }
  await found.route.handler({ req, params: found.params, query }, res);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? 'the address is in use (another monitor?); choose another with --http ADDR:PORT or http.listen, or pass --no-http'
          : err.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no such address on this machine'
              : err.message;
      reject(new MonitorError('E_HTTP', `cannot serve HTTP on ${where}: ${why}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
