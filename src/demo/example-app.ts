import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The example application of the original tutorial (docker-compose's `app`): `GET /test`,
 * `POST /test`, and `GET /openapi.json` (the README's regex example), plus `/slow` that never
 * answers within a probe's timeout, so the demo shows a healthy, a regex-failing and a timing-out
 * service.
 */
export interface ExampleApp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startExampleApp(options: { port?: number; host?: string } = {}): Promise<ExampleApp> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/test') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', method: req.method }));
    } else if (path === '/openapi.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"openapi":"3.1.0","info":{"title":"example","version":"0.1.0"},"paths":{}}');
    } else if (path === '/slow') {
      // Answer long after any sane timeout; the timer is unref'd so it never holds the process.
      setTimeout(() => res.end('late'), 60_000).unref();
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  server.keepAliveTimeout = 30_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
