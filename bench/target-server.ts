/**
 * The benchmark's target: a fast HTTP server in its own process, so its CPU is not the monitor's.
 * Any path answers 200 with a small body the services' regex matches. It tells its parent the
 * port once listening ({ port }) and answers { served } to a 'count' message.
 *   fork('dist/bench/target-server.js')
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from('{"status":"healthy","version":"1.0.0"}\n');
let served = 0;

const server = createServer((_req, res) => {
  served++;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});

process.on('message', (m: unknown) => {
  if (m === 'count') process.send?.({ served });
  else if (m === 'stop') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
