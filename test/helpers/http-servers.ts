import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { type CertKind, makeCert } from './tls.js';

/**
 * Real servers on loopback (port 0) for probe tests, benchmarks and end-to-end tests: well-behaved
 * ones and the hostile endpoints of issue 7. Each start* returns a URL and a close() that also
 * destroys open connections, so a test never waits on a hung socket.
 */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

type AnyServer = net.Server | http.Server;

function trackSockets(server: AnyServer): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on(server instanceof https.Server ? 'secureConnection' : 'connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  if (server instanceof https.Server) {
    // A TLS server's raw sockets (handshakes in progress) are not secureConnections yet.
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
  }
  return sockets;
}

async function listen(
  server: AnyServer,
  scheme: 'http' | 'https',
  host = '127.0.0.1',
  path = '/',
): Promise<TestServer & { port: number }> {
  const sockets = trackSockets(server);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${scheme}://${hostPart}:${port}${path}`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface OkServerOptions {
  /** Response body. Default 'ok'. */
  body?: string | Buffer;
  /** Status code. Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** Wait this long before answering, in ms. Default 0. */
  delayMs?: number;
}

/** Answers every request with a fixed response; `requests` counts what it served. */
export async function startOkServer(
  options: OkServerOptions = {},
): Promise<TestServer & { requests(): number }> {
  let count = 0;
  const timers = new Set<NodeJS.Timeout>();
  const body = options.body ?? 'ok';
  const server = http.createServer((req, res) => {
    count++;
    req.resume();
    const answer = () => {
      res.writeHead(options.status ?? 200, { 'content-type': 'text/plain', ...options.headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!options.delayMs) return answer();
    const t = setTimeout(() => {
      timers.delete(t);
      answer();
    }, options.delayMs);
    timers.add(t);
  });
  const s = await listen(server, 'http');
  return {
    url: s.url,
    requests: () => count,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await s.close();
    },
  };
}

/** Answers after `delayMs`. */
export function startSlowServer(
  delayMs: number,
  body = 'slow',
): Promise<TestServer & { requests(): number }> {
  return startOkServer({ delayMs, body });
}

/** Sends status and headers (promising 100 bytes), then nothing, ever. */
export async function startHeadersThenSilenceServer(): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': '100' });
    res.flushHeaders();
  });
  return listen(server, 'http');
}

/** A chunked body of one byte a second, forever. */
export async function startTrickleServer(): Promise<TestServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('x');
    const t = setInterval(() => res.write('x'), 1000);
    timers.add(t);
    res.on('close', () => {
      clearInterval(t);
      timers.delete(t);
    });
  });
  const s = await listen(server, 'http');
  return {
    url: s.url,
    close: async () => {
      for (const t of timers) clearInterval(t);
      await s.close();
    },
  };
}

/**
 * A body of `totalBytes` generated on the fly (one reused 64 KiB chunk, written with
 * backpressure), so a 1 GB body costs the test process no memory. `sent()` is bytes written.
 */
export async function startBigBodyServer(totalBytes: number): Promise<TestServer & { sent(): number }> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(totalBytes) });
    let left = totalBytes;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        const n = Math.min(left, chunk.length);
        left -= n;
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void res.once('drain', pump);
      }
      if (left === 0) res.end();
    };
    pump();
  });
  const s = await listen(server, 'http');
  return { ...s, sent: () => sent };
}

/**
 * `url` redirects (302) to `finalUrl`, which answers 200 'final'; `loopUrl` redirects to itself
 * forever.
 */
export async function startRedirectServer(): Promise<TestServer & { finalUrl: string; loopUrl: string }> {
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/start') {
      res.writeHead(302, { location: '/final' }).end();
    } else if (req.url?.startsWith('/loop')) {
      res.writeHead(302, { location: '/loop' }).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('final');
    }
  });
  const s = await listen(server, 'http', '127.0.0.1', '/start');
  const base = s.url.replace(/\/start$/, '');
  return { url: s.url, finalUrl: `${base}/final`, loopUrl: `${base}/loop`, close: s.close };
}

async function startRawServer(onSocket: (socket: net.Socket) => void, scheme: 'http' | 'https' = 'http') {
  const server = net.createServer(onSocket);
  return listen(server, scheme);
}

/** Accepts, reads the request, then resets the connection (TCP RST). */
export function startResetServer(): Promise<TestServer> {
  return startRawServer((socket) => {
    socket.once('data', () => socket.resetAndDestroy());
  });
}

/** Answers the request with bytes that are not HTTP. */
export function startInvalidHttpServer(): Promise<TestServer> {
  return startRawServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end('THIS IS NOT HTTP AT ALL\r\n\r\n'));
  });
}

/** A valid status line followed by `count` response headers (default 10,000). */
export function startManyHeadersServer(count = 10_000): Promise<TestServer> {
  let head = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < count; i++) head += `x-header-${i}: ${'v'.repeat(16)}\r\n`;
  const response = `${head}content-length: 2\r\n\r\nok`;
  return startRawServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => socket.end(response));
  });
}

/** Accepts TCP, reads the ClientHello and says nothing: a TLS handshake that never completes. */
export function startTlsHangServer(): Promise<TestServer> {
  return startRawServer((socket) => {
    socket.on('error', () => {});
    socket.resume();
  }, 'https');
}

/** HTTPS with a self-signed or an expired certificate for 127.0.0.1; answers 200 'secure'. */
export async function startTlsServer(kind: CertKind): Promise<TestServer> {
  const { key, cert } = makeCert(kind);
  const server = https.createServer({ key, cert }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end('secure');
  });
  server.on('tlsClientError', () => {});
  return listen(server, 'https');
}

/** Plain HTTP on ::1 only. Rejects when the machine has no IPv6 loopback. */
export async function startIpv6Server(body = 'v6'): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  return listen(server, 'http', '::1');
}

/**
 * A gzip body that inflates to `inflatedBytes` (default 256 MiB; about 256 KiB on the wire),
 * labelled content-encoding: gzip. A client that decompresses would balloon; ours must not.
 */
export async function startGzipBombServer(
  inflatedBytes = 256 * 1024 * 1024,
): Promise<TestServer & { wireBytes: number }> {
  const zeros = Buffer.alloc(Math.min(inflatedBytes, 16 * 1024 * 1024));
  // Concatenated gzip members are one valid gzip stream: 16 MiB deflated once, repeated.
  const member = gzipSync(zeros, { level: zlibConstants.Z_BEST_COMPRESSION });
  const copies = Math.max(1, Math.round(inflatedBytes / zeros.length));
  const payload = Buffer.concat(Array.from({ length: copies }, () => member));
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(payload.length) });
    res.end(payload);
  });
  const s = await listen(server, 'http');
  return { ...s, wireBytes: payload.length };
}

/** A URL on a loopback port where nothing listens (connections are refused). */
export async function refusedUrl(): Promise<string> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

/**
 * A port that never accepts: a child process listens with backlog 1 and then blocks its event
 * loop forever, so nothing calls accept(). Once the kernel's accept queue holds its two
 * completed connections (made here), Linux drops further SYNs and a client's connect() hangs
 * in SYN_SENT — the same as a black-holed address, but on loopback.
 */
export async function startNeverAcceptServer(): Promise<TestServer> {
  const src = [
    "const s = require('node:net').createServer();",
    "s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {",
    "  require('node:fs').writeSync(1, s.address().port + '\\n');",
    '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
    '});',
  ].join('\n');
  const child: ChildProcess = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fillers: net.Socket[] = [];
  const close = async () => {
    for (const s of fillers) s.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  };
  try {
    const [data] = (await once(child.stdout!, 'data')) as [Buffer];
    const port = Number(String(data).trim());
    // Fill the accept queue until a connect no longer completes.
    for (let i = 0; i < 8; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      fillers.push(s);
      const connected = await Promise.race([
        once(s, 'connect').then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
      ]);
      if (!connected) break;
    }
    return { url: `http://127.0.0.1:${port}/`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What `startMeteredServer` returns: the server and how it was loaded. */
export interface MeteredServer extends TestServer {
  origin: string;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Most requests in flight at once, overall. */
  maxInFlight: number;
  /** Most requests in flight at once per path. */
  maxInFlightByPath: Map<string, number>;
}

/**
 * An HTTP server on 127.0.0.1 answering 'ok: healthy' and counting requests and concurrency per
 * path. `delayMs(path)` says how long to wait before answering (Infinity: never answer); requests
 * that never get an answer are destroyed at close.
 */
export async function startMeteredServer(
  delayMs: (path: string) => number = () => 0,
): Promise<MeteredServer> {
  const hits = new Map<string, number>();
  const inFlightByPath = new Map<string, number>();
  const maxInFlightByPath = new Map<string, number>();
  let inFlight = 0;
  const self = { maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    inFlight++;
    self.maxInFlight = Math.max(self.maxInFlight, inFlight);
    const n = (inFlightByPath.get(path) ?? 0) + 1;
    inFlightByPath.set(path, n);
    maxInFlightByPath.set(path, Math.max(maxInFlightByPath.get(path) ?? 0, n));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      inFlightByPath.set(path, (inFlightByPath.get(path) ?? 1) - 1);
    };
    res.on('close', finish);
    const delay = delayMs(path);
    if (delay === Number.POSITIVE_INFINITY) return;
    const answer = () => res.end('ok: healthy\n');
    if (delay <= 0) answer();
    else setTimeout(answer, delay);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    hits,
    get maxInFlight() {
      return self.maxInFlight;
    },
    maxInFlightByPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
